import { describe, expect, it } from 'vitest';
import {
  codeOfHttpStatus,
  ERROR_CODES,
  httpStatusOf,
  isRefusal,
  isSerializedError,
  ShotboxError,
  toSerializedError,
} from '../../../src/shared/api/errors';
import { ValidationError } from '../../../src/core/api/backend';
import { NotFoundError } from '../../../src/core/api/imageServing';

describe('the error shape between processes', () => {
  it('keeps name, code and message through JSON (HTTP) and the structured clone (IPC)', () => {
    const err = new ValidationError("a class named 'face' exists already", 'conflict');
    const shape = toSerializedError(err);
    expect(shape).toEqual({
      name: 'ValidationError',
      code: 'conflict',
      message: "a class named 'face' exists already",
    });
    expect(JSON.parse(JSON.stringify({ error: err })).error).toEqual(shape);
    expect(toSerializedError(structuredClone(shape))).toEqual(shape);
    expect(toSerializedError(new NotFoundError('image 7 does not exist')).code).toBe('not-found');
  });

  it('makes anything else an internal error with its message, and nothing more', () => {
    const shape = toSerializedError(new TypeError('x is undefined'));
    expect(shape).toEqual({ name: 'TypeError', code: 'internal', message: 'x is undefined' });
    expect(Object.keys(shape)).toEqual(['name', 'code', 'message']); // no stack crosses over
    expect(toSerializedError('plain text').code).toBe('internal');
    expect(isSerializedError({ name: 'X', code: 'made-up', message: 'm' })).toBe(false);
  });

  it('maps every code to an HTTP status and back', () => {
    for (const code of ERROR_CODES) {
      const status = httpStatusOf(code);
      expect(status).toBeGreaterThanOrEqual(400);
      // 409 is shared by three codes; the status alone reads as 'conflict'.
      if (code !== 'no-project' && code !== 'read-only')
        expect(codeOfHttpStatus(status)).toBe(code);
    }
    expect(codeOfHttpStatus(502)).toBe('internal');
    expect(codeOfHttpStatus(422)).toBe('invalid-request');
  });

  it('offers a retry only where one can help', () => {
    expect(isRefusal('invalid-request')).toBe(true);
    expect(isRefusal('not-found')).toBe(true);
    expect(isRefusal('internal')).toBe(false);
    expect(new ShotboxError('internal', 'disk full').toJSON().code).toBe('internal');
  });
});
