/**
 * Characters that change how text around them is shown: C0 and C1 controls (newlines, ESC of
 * terminal escape codes, DEL), bidirectional embeddings, overrides and isolates (which reorder
 * what follows: "Trojan Source"), and the Unicode line and paragraph separators.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point here
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/u;
const BIDI_CONTROL = /[\u202a-\u202e\u2066-\u2069]/u;
const LINE_SEPARATOR = /[\u2028\u2029]/u;
/** Shown as nothing at all: zero-width space/joiners, word joiner, BOM, soft hyphen, marks. */
const INVISIBLE = /[\u00ad\u061c\u180e\u200b-\u200f\u2060-\u2064\ufeff]/u;

const ESCAPED =
  // eslint-disable-next-line no-control-regex -- as above
  /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\u2028\u2029\u061c\u200e\u200f]/gu;

const codePoint = (c: string): string =>
  `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

/**
 * Text safe to print on one terminal line: every control, bidi and separator character is
 * written as an escape (`\n`, `\x1b`, `\u202e`), so a file name cannot print fake lines or
 * colour codes. `keepNewlines` keeps line feeds of multi-line messages made by this program.
 */
export function escapeControls(text: string, options: { keepNewlines?: boolean } = {}): string {
  return text.replace(ESCAPED, (c) => {
    if (c === '\n') return options.keepNewlines ? '\n' : '\\n';
    if (c === '\r') return '\\r';
    if (c === '\t') return '\\t';
    const n = c.codePointAt(0)!;
    return n <= 0xff
      ? `\\x${n.toString(16).padStart(2, '0')}`
      : `\\u${n.toString(16).padStart(4, '0')}`;
  });
}

export type ClassNameCheck =
  { ok: true; name: string; warnings: string[] } | { ok: false; reason: string };

export const MAX_CLASS_NAME_LENGTH = 100;

/**
 * The one rule for class names, used by the API contract and by every import: NFC-normalised
 * and trimmed (two spellings of "é" are one class); refused when empty, too long, or holding a
 * control, bidi or line-separator character; invisible characters are allowed with a warning.
 */
export function checkClassName(raw: string): ClassNameCheck {
  const name = raw.normalize('NFC').trim();
  if (name.length === 0) return { ok: false, reason: 'class name is empty' };
  if (name.length > MAX_CLASS_NAME_LENGTH)
    return { ok: false, reason: `class name is longer than ${MAX_CLASS_NAME_LENGTH} characters` };
  for (const [pattern, what] of [
    [CONTROL, 'a control character'],
    [BIDI_CONTROL, 'a bidirectional override'],
    [LINE_SEPARATOR, 'a line separator'],
  ] as const) {
    const hit = pattern.exec(name);
    if (hit) return { ok: false, reason: `class name contains ${what} (${codePoint(hit[0])})` };
  }
  const invisible = INVISIBLE.exec(name);
  const warnings = invisible
    ? [
        `class name '${escapeControls(name)}' contains an invisible character (${codePoint(invisible[0])})`,
      ]
    : [];
  return { ok: true, name, warnings };
}
