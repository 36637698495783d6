import { afterEach, describe, expect, it } from 'vitest';
import {
  FULL_MODE_CPU_ENV,
  fullModeAvailability,
  fullModeBackendProblem,
} from '../../../src/core/training/fullModeSupport';

const none = (): boolean => false;

describe('where full mode may train', () => {
  const saved = process.env[FULL_MODE_CPU_ENV];
  afterEach(() => {
    if (saved === undefined) delete process.env[FULL_MODE_CPU_ENV];
    else process.env[FULL_MODE_CPU_ENV] = saved;
  });

  it('is refused without a native backend, naming the packages to install', () => {
    delete process.env[FULL_MODE_CPU_ENV];
    const r = fullModeAvailability(none);
    expect(r.available).toBe(false);
    if (!r.available) {
      expect(r.reason).toMatch(/install @tensorflow\/tfjs-node-gpu .*or @tensorflow\/tfjs-node/);
      expect(r.reason).toMatch(/wasm has no Conv2DBackpropFilter/);
    }
  });

  it('is offered where tfjs-node (or the GPU build) is installed', () => {
    delete process.env[FULL_MODE_CPU_ENV];
    expect(fullModeAvailability((p) => p === '@tensorflow/tfjs-node')).toEqual({
      available: true,
      via: '@tensorflow/tfjs-node',
    });
    expect(fullModeAvailability(() => true)).toEqual({
      available: true,
      via: '@tensorflow/tfjs-node-gpu',
    });
  });

  it('trains on the native backend only; cpu only under the test override; never wasm', () => {
    delete process.env[FULL_MODE_CPU_ENV];
    expect(fullModeBackendProblem('tensorflow')).toBeNull();
    expect(fullModeBackendProblem('cpu')).toMatch(/this run got tfjs cpu/);
    expect(fullModeBackendProblem('wasm')).toMatch(/this run got tfjs wasm/);
    process.env[FULL_MODE_CPU_ENV] = '1';
    expect(fullModeBackendProblem('cpu')).toBeNull();
    expect(fullModeBackendProblem('wasm')).toMatch(/this run got tfjs wasm/);
    expect(fullModeAvailability(none)).toMatchObject({ available: true });
  });
});
