/**
 * XML text as the XML 1.0 spec reads it, for the VOC parser (voc.ts): bytes decoded by their
 * byte-order mark, else the declared encoding, else UTF-8 (fast-xml-parser reads UTF-8 only);
 * references limited to XML's own (five entities, numeric references); DOCTYPEs that declare
 * entities or name an external DTD refused. See docs/formats.md.
 */
import { TextDecoder } from 'node:util';
import type { EntityDecoderOptions } from 'fast-xml-parser';
import { firstBadLine, sniffEncoding, type TextBytesResult } from './textDecoding';

/**
 * Decodes an XML file's bytes. A BOM wins over the declaration; UTF-16 without a BOM is
 * recognised by its first characters `<?` (XML appendix F). Bytes that are not valid in the
 * encoding are a problem (with the line, where lines can be told), never U+FFFD.
 */
export function decodeXmlBytes(bytes: Uint8Array): TextBytesResult {
  const sniffed = sniffEncoding(bytes);
  const declared = sniffed === undefined ? declaredEncoding(bytes) : undefined;
  const label = sniffed ?? declared ?? 'utf-8';
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(label, { fatal: true });
  } catch {
    return { problem: `declares encoding "${label}", which is not known` };
  }
  const utf16 = decoder.encoding.startsWith('utf-16');
  if (utf16 && sniffed === undefined) {
    return {
      problem: `declares encoding "${label}" but has no byte-order mark, and its bytes are not UTF-16`,
    };
  }
  try {
    return {
      text: decoder.encoding === 'windows-1252' ? decodeWindows1252(bytes) : decoder.decode(bytes),
    };
  } catch {
    const line = utf16 ? undefined : firstBadLine(bytes, decoder.encoding);
    const why =
      declared === undefined && sniffed === undefined
        ? 'not valid UTF-8, the encoding XML assumes when none is declared: declare its encoding (<?xml version="1.0" encoding="windows-1252"?>) or save it as UTF-8'
        : `not valid ${label}, the encoding it ${sniffed === undefined ? 'declares' : 'starts with'}`;
    return { problem: why, ...(line !== undefined ? { line } : {}) };
  }
}

/** WHATWG windows-1252 at 0x80–0x9F; elsewhere it is Latin-1. */
const CP1252_80_9F =
  '\u20ac\x81\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\x8d\u017d\x8f' +
  '\x90\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\x9d\u017e\u0178';

/**
 * windows-1252, which WHATWG (and TextDecoder) also use for ISO-8859-1, latin1 and US-ASCII.
 * Node 20.18.3+ and 22.13+ decode it as Latin-1 (nodejs/node#60888: "€" becomes U+0080), so it
 * is decoded here. Every byte has a character: nothing to refuse.
 */
function decodeWindows1252(bytes: Uint8Array): string {
  const latin1 = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  return latin1.replace(/[\x80-\x9f]/g, (c) => CP1252_80_9F[c.charCodeAt(0) - 0x80] as string);
}

/** `encoding` of the XML declaration, read as ASCII (every encoding it may name agrees there). */
function declaredEncoding(bytes: Uint8Array): string | undefined {
  const start = new TextDecoder('latin1').decode(bytes.subarray(0, 512));
  const decl = /^<\?xml\s[^?>]*?\bencoding\s*=\s*(["'])([A-Za-z][A-Za-z0-9._-]*)\1/.exec(start);
  return decl?.[2];
}

/**
 * A DOCTYPE is only a carrier of definitions, which VOC files never use: one that names an
 * external DTD or declares entities is refused rather than loaded (XXE) or expanded
 * (exponential "billion laughs"). A bare `<!DOCTYPE annotation>` is harmless and read.
 */
export function doctypeProblem(text: string): { problem: string; line: number } | undefined {
  const at = text.indexOf('<!DOCTYPE');
  if (at < 0) return undefined;
  const line = lineAt(text, at);
  if (/^<!DOCTYPE\s+[^\s>[]+\s+(?:SYSTEM|PUBLIC)\b/.test(text.slice(at, at + 1000))) {
    return {
      problem:
        'the DOCTYPE names an external DTD (SYSTEM/PUBLIC): external definitions are never loaded, so the file is refused',
      line,
    };
  }
  const entity = /<!ENTITY\s+(%\s+)?([^\s"'>]*)\s*(SYSTEM|PUBLIC)?/.exec(text.slice(at));
  if (entity !== null) {
    const ref = `${entity[1] ? '%' : '&'}${entity[2]};`;
    return {
      problem:
        entity[3] !== undefined
          ? `the DOCTYPE declares an external entity (${ref} ${entity[3]}): external definitions are never loaded, so the file is refused`
          : `the DOCTYPE declares entities (${ref}): entity definitions are not expanded, so the file is refused`,
      line: lineAt(text, at + entity.index),
    };
  }
  return undefined;
}

function lineAt(text: string, index: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < index; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

const PREDEFINED: Readonly<Record<string, string>> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
};

const REFERENCE = /&(#x[0-9a-fA-F]+|#[0-9]+|[^\s&;<]*)(;?)/g;

/**
 * fast-xml-parser's entity hook, strict as XML 1.0: `&amp; &lt; &gt; &quot; &apos;` and numeric
 * references to characters XML allows are decoded; anything else throws, so the parse fails
 * (an undefined `&foo;` would otherwise stay in a class name as text).
 */
export class XmlEntities implements EntityDecoderOptions {
  decode(text: string): string {
    if (!text.includes('&')) return text;
    return text.replace(REFERENCE, (whole, name: string, semicolon: string) => {
      if (semicolon === '') throw new Error(`"&" that starts no reference: write &amp;`);
      if (name.startsWith('#')) return numericReference(whole, name);
      const value = PREDEFINED[name];
      if (value === undefined) {
        throw new Error(
          `undefined entity ${whole}: XML defines only &amp; &lt; &gt; &quot; &apos; and numeric references such as &#233;`,
        );
      }
      return value;
    });
  }

  /** Called with a DOCTYPE's entities; doctypeProblem refuses those first, this guards it. */
  addInputEntities(entities: Record<string, string>): void {
    const names = Object.keys(entities);
    if (names.length > 0) throw new Error(`entity declarations are refused (&${names[0]};)`);
  }

  setExternalEntities(entities: Record<string, string>): void {
    this.addInputEntities(entities);
  }

  reset(): void {}

  setXmlVersion(): void {}
}

function numericReference(whole: string, name: string): string {
  const hex = name[1] === 'x';
  const code = Number.parseInt(name.slice(hex ? 2 : 1), hex ? 16 : 10);
  if (!isXmlChar(code)) throw new Error(`${whole} is not a character XML allows`);
  return String.fromCodePoint(code);
}

/** XML 1.0 `Char`: tab, LF, CR, and U+0020 up, without surrogates, U+FFFE and U+FFFF. */
function isXmlChar(code: number): boolean {
  return (
    code === 0x9 ||
    code === 0xa ||
    code === 0xd ||
    (code >= 0x20 && code <= 0xd7ff) ||
    (code >= 0xe000 && code <= 0xfffd) ||
    (code >= 0x10000 && code <= 0x10ffff)
  );
}
