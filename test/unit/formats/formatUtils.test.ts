import { describe, expect, it } from 'vitest';
import {
  MAX_PROBLEMS,
  ProblemList,
  checkRelativePath,
  parseDecimal,
  withoutExtension,
} from '../../../src/core/formats/formatUtils';

describe('checkRelativePath', () => {
  it.each([
    ['a.jpg', 'a.jpg'],
    ['./sub//a.jpg', 'sub/a.jpg'],
    ['sub\\a.jpg', 'sub/a.jpg'],
    ['Waschbär & <1>.jpg', 'Waschbär & <1>.jpg'],
    ['a..b.jpg', 'a..b.jpg'],
  ])('accepts %j as %j', (name, clean) => {
    expect(checkRelativePath(name)).toEqual({ path: clean });
  });

  it.each([
    ['../a.jpg', /"\.\."/],
    ['sub/../../a.jpg', /"\.\."/],
    ['..\\a.jpg', /"\.\."/],
    ['/etc/passwd', /absolute/],
    ['\\\\server\\share\\a.jpg', /absolute/],
    ['C:\\a.jpg', /drive letter/],
    ['c:a.jpg', /drive letter/],
    ['a\0.jpg', /NUL/],
    ['', /empty/],
    ['./', /names no file/],
  ])('refuses %j', (name, problem) => {
    expect(checkRelativePath(name)).toEqual({ problem: expect.stringMatching(problem) });
  });
});

describe('parseDecimal', () => {
  it.each([
    ['12', 12],
    ['-3.5', -3.5],
    ['+.5', 0.5],
    ['1e-3', 0.001],
    ['7.', 7],
  ])('%j → %d', (text, value) => expect(parseDecimal(text)).toBe(value));

  it.each(['NaN', 'Infinity', '-Infinity', '', ' ', '0x10', '1,5', '1e400', '1.2.3'])(
    'refuses %j',
    (text) => {
      expect(parseDecimal(text)).toBeUndefined();
    },
  );
});

describe('ProblemList', () => {
  it('keeps MAX_PROBLEMS and summarises the rest with the worst severity', () => {
    const list = new ProblemList();
    for (let i = 0; i < MAX_PROBLEMS + 5; i++) list.warning(`w${i}`, 'x');
    list.error('late', 'bad');
    const problems = list.toArray();
    expect(problems).toHaveLength(MAX_PROBLEMS + 1);
    expect(problems.at(-1)).toMatchObject({
      severity: 'error',
      message: expect.stringMatching(/and 6 more problems \(1 error, 5 warnings\)/),
    });
    expect(list.hasErrors).toBe(true);
  });
});

it('withoutExtension strips only the last extension', () => {
  expect(withoutExtension('sub/a.b.jpg')).toBe('sub/a.b');
  expect(withoutExtension('noext')).toBe('noext');
});
