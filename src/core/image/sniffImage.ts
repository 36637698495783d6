/**
 * Recognises an image format from the first bytes of a file, before anything else is read: a
 * folder of large non-images (videos, archives, disk images) then costs one small read each.
 * Returns sharp's format name, or null for anything this project cannot decode.
 */
export const SNIFF_BYTES = 32;

export function sniffImageFormat(head: Uint8Array): string | null {
  const at = (offset: number, ...bytes: number[]): boolean =>
    bytes.every((b, i) => head[offset + i] === b);
  const ascii = (offset: number, text: string): boolean =>
    at(offset, ...Array.from(text, (c) => c.charCodeAt(0)));
  if (at(0, 0xff, 0xd8, 0xff)) return 'jpeg';
  if (at(0, 0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return 'png';
  if (ascii(0, 'GIF87a') || ascii(0, 'GIF89a')) return 'gif';
  if (ascii(0, 'BM')) return 'bmp';
  if (ascii(0, 'RIFF') && ascii(8, 'WEBP')) return 'webp';
  if (at(0, 0x49, 0x49, 0x2a, 0x00) || at(0, 0x4d, 0x4d, 0x00, 0x2a)) return 'tiff';
  if (ascii(4, 'ftyp')) {
    const brand = String.fromCharCode(...head.subarray(8, 12));
    if (brand === 'avif' || brand === 'avis') return 'avif';
    if (['heic', 'heix', 'heim', 'heis', 'hevc', 'hevx', 'mif1', 'msf1'].includes(brand))
      return 'heif';
  }
  return null;
}
