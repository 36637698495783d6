import { describe, expect, it } from 'vitest';
import { checkClassName, escapeControls } from '../../../src/shared/text/unsafeChars';
import { contract } from '../../../src/shared/api/contract';

describe('escapeControls', () => {
  it('writes controls, bidi and separators as escapes, leaving other text alone', () => {
    expect(escapeControls('a\nb')).toBe('a\\nb');
    expect(escapeControls('x\x1b[31mred')).toBe('x\\x1b[31mred');
    expect(escapeControls('\u202efdp.exe')).toBe('\\u202efdp.exe');
    expect(escapeControls('p\u2028q\u0085r\x7f')).toBe('p\\u2028q\\x85r\\x7f');
    expect(escapeControls('café 猫 🙂 C:\\dir')).toBe('café 猫 🙂 C:\\dir');
    expect(escapeControls('two\nlines\x1b', { keepNewlines: true })).toBe('two\nlines\\x1b');
  });
});

describe('checkClassName', () => {
  it('NFC-normalises, so two spellings of é are one name', () => {
    const a = checkClassName('caf\u00e9');
    const b = checkClassName('cafe\u0301');
    expect(a).toEqual({ ok: true, name: 'café', warnings: [] });
    expect(b).toEqual(a);
  });

  it.each([
    ['line\nbreak', /control character \(U\+000A\)/],
    ['tab\there', /control character/],
    ['\x1b[31mred', /control character \(U\+001B\)/],
    ['nel\u0085', /control character \(U\+0085\)/],
    ['abc\u202edcb', /bidirectional override \(U\+202E\)/],
    ['iso\u2067late', /bidirectional override/],
    ['para\u2029graph', /line separator \(U\+2029\)/],
    ['   ', /empty/],
    ['x'.repeat(101), /longer than 100/],
  ])('refuses %j', (name, reason) => {
    const check = checkClassName(name);
    expect(check.ok).toBe(false);
    if (!check.ok) expect(check.reason).toMatch(reason);
  });

  it('accepts invisible characters with a warning', () => {
    const check = checkClassName('dog\u200b');
    expect(check.ok).toBe(true);
    if (check.ok) expect(check.warnings.join()).toMatch(/invisible character \(U\+200B\)/);
  });

  it('is the rule the API contract applies', () => {
    const ok = contract.createClass.request.safeParse({ name: ' cafe\u0301 ' });
    expect(ok.success && ok.data.name).toBe('café');
    const bad = contract.renameClass.request.safeParse({ classId: 1, name: 'a\u202eb' });
    expect(bad.success).toBe(false);
  });
});
