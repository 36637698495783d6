import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { decode as decodeBmp } from 'bmp-ts';
import type sharpModule from 'sharp';
import type { Metadata, Sharp } from 'sharp';
import { requireSharp } from '../nativePackages';
import { plainJpegSize } from './jpegHeader';

type SharpFactory = typeof sharpModule;
let sharpLoaded: Promise<SharpFactory> | undefined;

/**
 * sharp, loaded on the first decode: its start (libvips, and `semver` checking its version) costs
 * ~0.1 s, which a process whose decoding runs in the preparing worker (`detect --project`) need
 * not pay on its main thread.
 */
function loadSharp(): Promise<SharpFactory> {
  return (sharpLoaded ??= Promise.resolve().then(() => {
    const sharp = requireSharp();
    // sharp uses a single libvips thread on glibc Linux without jemalloc (to limit memory
    // fragmentation); decoding a 2-megapixel JPEG then takes twice as long. Use every core
    // unless SHOTBOX_DECODE_THREADS says otherwise.
    sharp.concurrency(Number(process.env.SHOTBOX_DECODE_THREADS) || availableParallelism());
    return sharp;
  }));
}

/** Loads the decoder now, ahead of the first image (a worker that will decode starts with it). */
export async function loadDecoder(): Promise<void> {
  await loadSharp();
}

/** 8-bit interleaved RGB pixels of an image as it is displayed (EXIF orientation applied). */
export interface RgbImage {
  /** width·height·3 bytes, row-major, R G B. */
  data: Uint8Array;
  width: number;
  height: number;
}

/** Why an image could not be used; `message` is meant for the person, `code` for programs. */
export class ImageDecodeError extends Error {
  constructor(
    readonly code: 'missing' | 'empty' | 'unsupported' | 'corrupt' | 'too-large',
    readonly file: string,
    message: string,
  ) {
    super(message);
    this.name = 'ImageDecodeError';
  }
}

/** Largest image accepted, in pixels (sharp's own default guard, stated explicitly). */
export const MAX_IMAGE_PIXELS = 268_402_689;

/** How every decode opens its input: fail on corrupt data, refuse more than the pixel limit. */
const SHARP_INPUT = { failOn: 'error' as const, limitInputPixels: MAX_IMAGE_PIXELS };

/**
 * Decodes an image file to 8-bit sRGB: EXIF orientation applied, alpha dropped, grey, CMYK and
 * 16-bit converted. The same function feeds the detector, the reference pipeline and the UI, so
 * every consumer sees identical pixels.
 */
export async function decodeImageFile(file: string): Promise<RgbImage> {
  return decodeImageBytes(await readImageFile(file), file);
}

/** The bytes of an image file; a file that cannot be read is an {@link ImageDecodeError}. */
async function readImageFile(file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ImageDecodeError('missing', file, 'file not found');
    throw new ImageDecodeError('missing', file, `cannot read file (${code ?? String(err)})`);
  }
}

/** As {@link decodeImageFile}, from bytes already in memory; `name` is used in messages. */
export async function decodeImageBytes(bytes: Uint8Array, name: string): Promise<RgbImage> {
  return (await decodeIdentified(bytes, name)).image;
}

/**
 * As {@link decodeImageBytes}, with the format the content was read as (sharp's name, or 'bmp'):
 * a full decode that succeeds proves what {@link probeImage} proves, so a caller that decodes a new
 * file anyway can record it from this.
 */
export async function decodeIdentified(
  bytes: Uint8Array,
  name: string,
): Promise<{ image: RgbImage; format: string }> {
  const plain = await decodePlainJpeg(bytes);
  if (plain) return { image: plain, format: 'jpeg' };
  const { image, meta } = await openImage(bytes, name);
  const format = meta.format;
  try {
    let pipeline = image.rotate().removeAlpha();
    // Grey, CMYK, 16-bit and other spaces are converted; 8-bit sRGB (most photos) skips the
    // conversion, which costs ~20% of the decode time.
    const plainRgb = meta.space === 'srgb' && meta.depth === 'uchar' && (meta.channels ?? 0) >= 3;
    if (!plainRgb) pipeline = pipeline.toColourspace('srgb');
    const { data, info } = await pipeline
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) {
      throw new Error(`expected 3 channels after conversion, got ${info.channels}`);
    }
    return {
      image: {
        data: new Uint8Array(data.buffer, data.byteOffset, data.length),
        width: info.width,
        height: info.height,
      },
      format,
    };
  } catch (err) {
    const text = reason(err);
    if (/pixel limit/i.test(text)) {
      throw new ImageDecodeError(
        'too-large',
        name,
        `image is larger than ${MAX_IMAGE_PIXELS} pixels`,
      );
    }
    throw new ImageDecodeError(
      'corrupt',
      name,
      `corrupt or truncated ${format ?? 'image'} (${text})`,
    );
  }
}

/**
 * A plain photo (see plainJpegSize) in one sharp call: the same decode as the general path,
 * whose orientation, colour conversion and alpha steps are no-ops for it. Undefined when the
 * file is not plain or this decode fails, so the general path decides, with its messages.
 */
async function decodePlainJpeg(bytes: Uint8Array): Promise<RgbImage | undefined> {
  const size = plainJpegSize(bytes, MAX_IMAGE_PIXELS);
  if (!size) return undefined;
  const sharp = await loadSharp();
  try {
    const { data, info } = await sharp(bytes, SHARP_INPUT)
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3 || info.width !== size.width || info.height !== size.height)
      return undefined;
    return {
      data: new Uint8Array(data.buffer, data.byteOffset, data.length),
      width: info.width,
      height: info.height,
    };
  } catch {
    return undefined;
  }
}

function reason(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  // sharp/libvips messages are multi-line; the first line carries the cause.
  return text.split('\n')[0]!.trim();
}

/** Formats Shotbox reads, by content (never by file name). */
export const IMAGE_FORMATS = new Set(['jpeg', 'png', 'webp', 'tiff', 'gif', 'bmp', 'avif', 'heif']);

/** A sharp pipeline over the bytes with their metadata; BMP is decoded first (libvips cannot). */
/** Metadata with `format` widened to include formats we decode ourselves ('bmp'). */
type ImageMeta = Omit<Metadata, 'format'> & { format: string };

export async function openImage(
  bytes: Uint8Array,
  name: string,
): Promise<{ image: Sharp; meta: ImageMeta }> {
  if (bytes.length === 0) throw new ImageDecodeError('empty', name, 'file is empty (0 bytes)');
  const sharp = await loadSharp();
  if (bytes[0] === 0x42 && bytes[1] === 0x4d) {
    let bmp;
    try {
      bmp = decodeBmp(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length), { toRGBA: true });
    } catch (err) {
      throw new ImageDecodeError('corrupt', name, `corrupt or truncated bmp (${reason(err)})`);
    }
    if (bmp.width * Math.abs(bmp.height) > MAX_IMAGE_PIXELS) {
      throw new ImageDecodeError(
        'too-large',
        name,
        `image is larger than ${MAX_IMAGE_PIXELS} pixels`,
      );
    }
    const image = sharp(bmp.data, {
      raw: { width: bmp.width, height: Math.abs(bmp.height), channels: 4 },
      ...SHARP_INPUT,
    });
    return {
      image,
      meta: {
        ...(await image.metadata()),
        format: 'bmp',
        space: 'srgb',
        depth: 'uchar',
        channels: 4,
      },
    };
  }
  const image = sharp(bytes, SHARP_INPUT);
  let meta: Metadata;
  try {
    meta = await image.metadata();
  } catch (err) {
    throw new ImageDecodeError('unsupported', name, `not a supported image (${reason(err)})`);
  }
  if (!meta.format || !IMAGE_FORMATS.has(meta.format)) {
    throw new ImageDecodeError(
      'unsupported',
      name,
      `not a supported image (${meta.format ?? 'unknown'} format)`,
    );
  }
  return { image, meta: { ...meta, format: meta.format } };
}

export interface ImageProbe {
  format: string;
  /** Size as displayed (EXIF orientation applied). */
  width: number;
  height: number;
}

/**
 * Identifies an image by content and proves its pixel data is readable, cheaply: the decode is
 * a shrink-on-load thumbnail (JPEG decodes at 1/8 scale), which still reads every byte, so a
 * truncated or corrupt file fails here and not later in the middle of a batch. When the
 * thumbnail fails, the full decode ({@link decodeIdentified}) decides, with its message (libvips
 * reports only "Unknown error" for some failures of a shrunk decode), so a file is refused for
 * the same reason whether it was probed or decoded in full (a detect job's new files).
 */
export async function probeImage(bytes: Uint8Array, name: string): Promise<ImageProbe> {
  const { image, meta } = await openImage(bytes, name);
  try {
    await image.clone().resize(64, 64, { fit: 'inside' }).raw().toBuffer();
  } catch {
    const { image: full, format } = await decodeIdentified(bytes, name);
    return { format, width: full.width, height: full.height };
  }
  const width = meta.autoOrient?.width ?? meta.width;
  const height = meta.autoOrient?.height ?? meta.height;
  if (!width || !height)
    throw new ImageDecodeError('corrupt', name, `${meta.format} without a size`);
  return { format: meta.format, width, height };
}
