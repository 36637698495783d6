/**
 * Text files as bytes become text without silent damage: a byte-order mark picks UTF-8 or
 * UTF-16, anything else must be valid UTF-8. Bytes an encoding does not allow are a problem with
 * the line, never U+FFFD in a class or file name (used by every label, class and split reader).
 */
import { TextDecoder } from 'node:util';

export type TextBytesResult = { text: string } | { problem: string; line?: number };

/** The encoding a BOM (or, for UTF-16 XML, the leading `<?`) gives; undefined for none. */
export function sniffEncoding(b: Uint8Array): string | undefined {
  if (b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) return 'utf-8';
  if (b[0] === 0xff && b[1] === 0xfe) return 'utf-16le';
  if (b[0] === 0xfe && b[1] === 0xff) return 'utf-16be';
  if (b[0] === 0x3c && b[1] === 0x00 && b[2] === 0x3f && b[3] === 0x00) return 'utf-16le';
  if (b[0] === 0x00 && b[1] === 0x3c && b[2] === 0x00 && b[3] === 0x3f) return 'utf-16be';
  return undefined;
}

/** 1-based line of the first bytes the encoding refuses (LF is one byte in ASCII supersets). */
export function firstBadLine(bytes: Uint8Array, encoding: string): number | undefined {
  const decoder = new TextDecoder(encoding, { fatal: true });
  let start = 0;
  for (let line = 1; start <= bytes.length; line++) {
    let end = bytes.indexOf(0x0a, start);
    if (end < 0) end = bytes.length;
    try {
      decoder.decode(bytes.subarray(start, end));
    } catch {
      return line;
    }
    start = end + 1;
  }
  return undefined;
}

/**
 * A text file's bytes as text, by their BOM, else as UTF-8 (JSON and YAML are UTF-8; a class or
 * split list written elsewhere in another encoding would change names silently). The BOM is
 * dropped.
 */
export function decodeTextBytes(bytes: Uint8Array): TextBytesResult {
  const encoding = sniffEncoding(bytes) ?? 'utf-8';
  try {
    // TextDecoder drops the BOM itself (ignoreBOM false).
    return { text: new TextDecoder(encoding, { fatal: true }).decode(bytes) };
  } catch {
    const utf16 = encoding.startsWith('utf-16');
    const line = utf16 ? undefined : firstBadLine(bytes, encoding);
    return {
      problem: utf16
        ? `not valid ${encoding}, the encoding its byte-order mark gives`
        : 'not valid UTF-8: save it as UTF-8 (other encodings would change names silently)',
      ...(line !== undefined ? { line } : {}),
    };
  }
}
