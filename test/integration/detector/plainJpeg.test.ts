import { readFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeImageBytes, MAX_IMAGE_PIXELS } from '../../../src/core/image/decode';
import { plainJpegSize } from '../../../src/core/image/jpegHeader';
import { demoPhotos, raccoonDir } from '../../helpers/paths';

/** The general decode, step by step as decodeImageBytes does it for any image. */
async function generalDecode(bytes: Buffer): Promise<{ data: Buffer; w: number; h: number }> {
  const image = sharp(bytes, { failOn: 'error', limitInputPixels: MAX_IMAGE_PIXELS });
  const meta = await image.metadata();
  let p = image.rotate().removeAlpha();
  if (!(meta.space === 'srgb' && meta.depth === 'uchar' && (meta.channels ?? 0) >= 3))
    p = p.toColourspace('srgb');
  const { data, info } = await p.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  return { data, w: info.width, h: info.height };
}

const size = (bytes: Uint8Array) => plainJpegSize(bytes, MAX_IMAGE_PIXELS);

describe('plain JPEGs (one sharp call) are told apart from the rest by their markers', () => {
  let photo: Buffer;
  beforeAll(async () => {
    photo = await sharp(demoPhotos[0]!).resize(320).jpeg({ quality: 90 }).toBuffer();
  });

  it('a plain photo, baseline or progressive, with EXIF orientation 1: its size', async () => {
    const meta = await sharp(photo).metadata();
    expect(size(photo)).toEqual({ width: meta.width, height: meta.height });
    const progressive = await sharp(photo).jpeg({ progressive: true }).toBuffer();
    expect(size(progressive)).toEqual({ width: meta.width, height: meta.height });
    const upright = await sharp(photo).withMetadata({ orientation: 1 }).jpeg().toBuffer();
    expect(size(upright)).toBeDefined();
  });

  it('EXIF-rotated, single-channel grey and CMYK JPEGs go the general way', async () => {
    const rotated = await sharp(photo).withMetadata({ orientation: 6 }).jpeg().toBuffer();
    const grey = await sharp(photo).greyscale().toColourspace('b-w').jpeg().toBuffer();
    const cmyk = await sharp(photo).toColourspace('cmyk').jpeg().toBuffer();
    expect((await sharp(grey).metadata()).channels).toBe(1);
    for (const bytes of [rotated, grey, cmyk]) expect(size(bytes)).toBeUndefined();
  });

  it('hostile headers: truncated, a claimed size over the pixel limit, garbage; never throws', () => {
    expect(size(photo.subarray(0, 40))).toBeUndefined();
    expect(size(Buffer.from('not a jpeg at all'))).toBeUndefined();
    // SOF0 claiming 65535 × 65535 (4.3 gigapixels) in an otherwise valid header.
    const huge = Buffer.from(photo);
    const sof = huge.indexOf(Buffer.from([0xff, 0xc0]));
    expect(sof).toBeGreaterThan(0);
    huge.writeUInt16BE(0xffff, sof + 5);
    huge.writeUInt16BE(0xffff, sof + 7);
    expect(size(huge)).toBeUndefined();
    // Random bytes after a JPEG start: nothing is read outside the buffer, nothing throws.
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648) % 256;
    for (let i = 0; i < 500; i++) {
      const junk = Buffer.from([0xff, 0xd8, ...Array.from({ length: 64 }, next)]);
      expect(() => size(junk)).not.toThrow();
    }
  });

  it('decodeImageBytes gives the general decode’s pixels, byte for byte, plain or not', async () => {
    const files = [
      ...demoPhotos,
      ...['raccoon-1.jpg', 'raccoon-12.jpg', 'raccoon-150.jpg', 'raccoon-161.jpg'].map((f) =>
        path.join(raccoonDir, 'images', f),
      ),
    ];
    const rotated = await sharp(photo).withMetadata({ orientation: 6 }).jpeg().toBuffer();
    // An embedded wide-gamut profile: the same pipeline either way, so the same pixels.
    const p3 = await sharp(photo).withIccProfile('p3').jpeg().toBuffer();
    const inputs = [...(await Promise.all(files.map((f) => readFile(f)))), p3, rotated];
    let plain = 0;
    for (const bytes of inputs) {
      if (size(bytes)) plain++;
      const general = await generalDecode(bytes);
      const ours = await decodeImageBytes(bytes, 'photo.jpg');
      expect([ours.width, ours.height]).toEqual([general.w, general.h]);
      expect(Buffer.from(ours.data).equals(general.data)).toBe(true);
    }
    // Both ways are exercised: most photos are plain, the rotated one is not.
    expect(plain).toBeGreaterThanOrEqual(files.length - 2);
    expect(plain).toBeLessThan(inputs.length);
  });
});
