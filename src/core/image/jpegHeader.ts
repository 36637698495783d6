/**
 * What the markers of a JPEG say before any pixel is decoded, read without a decoder. A plain
 * photo (most photos) decodes with sharp in one call: its pixels need no orientation, colour
 * conversion or alpha removal, so the metadata call and those steps are skipped (each sharp
 * call costs about a millisecond of option marshalling, a tenth of a batch image's preparation).
 */

/**
 * The size of a plain photo: an 8-bit, 3-component, Huffman-coded JPEG (baseline, extended or
 * progressive) without an EXIF orientation other than 1 or an Adobe segment (CMYK and RGB-coded
 * JPEGs carry one), of at most `maxPixels`. An ICC profile does not matter: sharp's pipeline
 * treats it the same in one call or in steps. Undefined for anything else, including any segment that
 * cannot be read (never throws: the bytes may be hostile).
 */
export function plainJpegSize(
  bytes: Uint8Array,
  maxPixels: number,
): { width: number; height: number } | undefined {
  const n = bytes.length;
  if (n < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) return undefined;
  const u16 = (at: number): number => (bytes[at]! << 8) | bytes[at + 1]!;
  let size: { width: number; height: number } | undefined;
  let i = 2;
  while (i + 4 <= n) {
    if (bytes[i] !== 0xff) return undefined;
    const marker = bytes[i + 1]!;
    if (marker === 0xff) {
      i++; // fill byte
      continue;
    }
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      i += 2; // markers without a length
      continue;
    }
    const length = u16(i + 2);
    const data = i + 4;
    const end = i + 2 + length;
    if (length < 2 || end > n) return undefined;
    if (marker === 0xda) return size; // start of scan: every header segment has been seen
    if (marker === 0xe1 && exifOrientation(bytes, data, end) !== 1) return undefined;
    if (marker === 0xee && ascii(bytes, data, 'Adobe')) return undefined;
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      // SOF: only baseline, extended and progressive Huffman, 8-bit, three components.
      if (marker > 0xc2 || length < 8) return undefined;
      const precision = bytes[data]!;
      const height = u16(data + 1);
      const width = u16(data + 3);
      const components = bytes[data + 5]!;
      if (precision !== 8 || components !== 3 || width === 0 || height === 0) return undefined;
      // A header may claim any size: the exact path refuses what is too large, with its message.
      if (width * height > maxPixels) return undefined;
      size = { width, height };
    }
    i = end;
  }
  return undefined;
}

function ascii(bytes: Uint8Array, at: number, text: string): boolean {
  for (let k = 0; k < text.length; k++) if (bytes[at + k] !== text.charCodeAt(k)) return false;
  return true;
}

/**
 * The orientation tag of an APP1 segment (`data`..`end`): 1 when the segment is not EXIF or has
 * no orientation, 0 when it cannot be read (which sends the file to the exact path).
 */
function exifOrientation(bytes: Uint8Array, data: number, end: number): number {
  if (!ascii(bytes, data, 'Exif\0\0')) return 1;
  const tiff = data + 6;
  if (tiff + 8 > end) return 0;
  const little = bytes[tiff] === 0x49 && bytes[tiff + 1] === 0x49;
  const big = bytes[tiff] === 0x4d && bytes[tiff + 1] === 0x4d;
  if (!little && !big) return 0;
  const u16 = (at: number): number =>
    little ? bytes[at]! | (bytes[at + 1]! << 8) : (bytes[at]! << 8) | bytes[at + 1]!;
  const u32 = (at: number): number =>
    little ? (u16(at) | (u16(at + 2) << 16)) >>> 0 : ((u16(at) << 16) | u16(at + 2)) >>> 0;
  const ifd = tiff + u32(tiff + 4);
  if (ifd + 2 > end) return 0;
  const entries = u16(ifd);
  for (let k = 0; k < entries; k++) {
    const entry = ifd + 2 + 12 * k;
    if (entry + 12 > end) return 0;
    if (u16(entry) === 0x0112) return u16(entry + 2) === 3 ? u16(entry + 8) : 0;
  }
  return 1;
}
