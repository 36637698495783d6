import { mkdir, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp, { type OverlayOptions } from 'sharp';
import { seededRandom } from './seededRandom';

/**
 * Generated photos-like JPEGs for benchmarks and tests: a colour gradient, grain and a few
 * translucent shapes, all drawn from the image's index, so every file has its own content (and
 * hash) and the same index always gives the same picture. Grain sets the JPEG size: at 640×480
 * and quality 85 the files are 35–75 KB, ~55 KB on average, like camera photos scaled down.
 */
export interface SyntheticImageOptions {
  width: number;
  height: number;
  /** JPEG quality (default 85). */
  quality?: number;
  /** Something to paste onto image `index` (e.g. a face photo), or undefined for none. */
  overlay?: (index: number) => Promise<OverlayOptions | undefined>;
}

export interface SyntheticFolder {
  /** Absolute paths, in index order. */
  files: string[];
  /** Images written by this call (the rest already existed). */
  generated: number;
  seconds: number;
}

/** Raw 8-bit RGB pixels of synthetic image `index`. */
export function syntheticPixels(index: number, width: number, height: number): Buffer {
  const random = seededRandom(Math.imul(index + 1, 2654435761));
  // Clamped: gradient plus grain may leave 0..255, and wrapping around would draw stripes.
  const pixels = new Uint8ClampedArray(width * height * 3);
  const base = [40 + random() * 175, 40 + random() * 175, 40 + random() * 175];
  const perX = [random() - 0.5, random() - 0.5, random() - 0.5].map((v) => (v * 120) / width);
  const perY = [random() - 0.5, random() - 0.5, random() - 0.5].map((v) => (v * 120) / height);
  const grain = 9 + random() * 7;
  let noise = (Math.imul(index, 7919) + 12345) >>> 0 || 1;
  let o = 0;
  for (let y = 0; y < height; y++) {
    let r = base[0]! + perY[0]! * y;
    let g = base[1]! + perY[1]! * y;
    let b = base[2]! + perY[2]! * y;
    for (let x = 0; x < width; x++) {
      // xorshift32: far cheaper per pixel than calling `random`.
      noise ^= noise << 13;
      noise ^= noise >>> 17;
      noise ^= noise << 5;
      const n = (((noise & 255) - 128) * grain) / 128;
      pixels[o++] = r + n;
      pixels[o++] = g + n;
      pixels[o++] = b + n;
      r += perX[0]!;
      g += perX[1]!;
      b += perX[2]!;
    }
  }
  const shapes = 4 + Math.floor(random() * 8);
  for (let s = 0; s < shapes; s++) {
    const cx = random() * width;
    const cy = random() * height;
    const radius = 8 + (random() * width) / 5;
    const colour = [random() * 255, random() * 255, random() * 255];
    const isRect = random() < 0.5;
    const x0 = Math.max(0, Math.floor(cx - radius));
    const x1 = Math.min(width, Math.ceil(cx + radius));
    const y0 = Math.max(0, Math.floor(cy - radius));
    const y1 = Math.min(height, Math.ceil(cy + radius));
    for (let y = y0; y < y1; y++) {
      for (let x = x0; x < x1; x++) {
        const dx = x - cx;
        const dy = y - cy;
        if (isRect ? Math.abs(dy) < radius * 0.6 : dx * dx + dy * dy < radius * radius) {
          const p = (y * width + x) * 3;
          pixels[p] = (pixels[p]! + colour[0]!) >> 1;
          pixels[p + 1] = (pixels[p + 1]! + colour[1]!) >> 1;
          pixels[p + 2] = (pixels[p + 2]! + colour[2]!) >> 1;
        }
      }
    }
  }
  return Buffer.from(pixels.buffer, pixels.byteOffset, pixels.byteLength);
}

/** Synthetic image `index` as JPEG bytes. */
export async function syntheticJpeg(
  index: number,
  options: SyntheticImageOptions,
): Promise<Buffer> {
  const { width, height } = options;
  const image = sharp(syntheticPixels(index, width, height), {
    raw: { width, height, channels: 3 },
  });
  const overlay = await options.overlay?.(index);
  if (overlay) image.composite([overlay]);
  return image.jpeg({ quality: options.quality ?? 85 }).toBuffer();
}

/** File name of image `index`: zero-padded so name order is index order. */
export function syntheticFileName(index: number): string {
  return `img-${String(index).padStart(6, '0')}.jpg`;
}

/**
 * Makes sure `dir` holds images 0..count-1 (in subfolders of 1000, like a camera's), writing only
 * the missing ones: a second run reuses the first's files. Each file is written under a hidden
 * temporary name and renamed, so an interrupted run never leaves a truncated JPEG behind.
 */
export async function ensureSyntheticJpegs(
  dir: string,
  count: number,
  options: SyntheticImageOptions & { onProgress?: (done: number, total: number) => void },
): Promise<SyntheticFolder> {
  const started = performance.now();
  const files = Array.from({ length: count }, (_, i) =>
    path.join(dir, `part-${String(Math.floor(i / 1000)).padStart(3, '0')}`, syntheticFileName(i)),
  );
  let generated = 0;
  let done = 0;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const index = next++;
      const file = files[index]!;
      const exists = await stat(file).then(
        (s) => s.size > 0,
        () => false,
      );
      if (!exists) {
        await mkdir(path.dirname(file), { recursive: true });
        const partial = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
        await writeFile(partial, await syntheticJpeg(index, options));
        await rename(partial, file);
        generated++;
      }
      options.onProgress?.(++done, count);
    }
  };
  // Pixels are drawn in JS while libvips encodes others on its threads: a few in flight keep both busy.
  await Promise.all(Array.from({ length: 4 }, worker));
  return { files, generated, seconds: (performance.now() - started) / 1000 };
}
