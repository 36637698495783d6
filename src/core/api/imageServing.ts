import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { ShotboxError } from '../../shared/api/errors';
import type { ProjectDb } from '../db/projectDb';
import { readBoundedFileAsync } from '../fs/readBoundedFile';
import { isInside } from '../fs/walkFiles';
import { MAX_IMAGE_FILE_BYTES } from '../image/candidateFile';
import { openImage } from '../image/decode';

/** What a request names does not exist: code `not-found` (HTTP 404). */
export class NotFoundError extends ShotboxError {
  constructor(message: string) {
    super('not-found', message, 'NotFoundError');
  }
}

export interface ServedImage {
  body: Buffer;
  contentType: string;
  /** Strong validator: the image's content hash (+ variant). */
  etag: string;
}

/** Formats Chromium shows as they are; others (TIFF, HEIF) are converted to JPEG. */
const BROWSER_TYPES: Record<string, string> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  gif: 'image/gif',
  bmp: 'image/bmp',
  avif: 'image/avif',
};
export const THUMB_SIZE = 160;

/** Small LRU of converted images and thumbnails, so scrolling back and forth costs nothing. */
class Lru<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly max: number) {}
  get(key: string): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }
  set(key: string, v: V): void {
    this.map.delete(key);
    this.map.set(key, v);
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value!);
  }
}

const converted = new Lru<ServedImage>(16);
const thumbs = new Lru<ServedImage>(4000);

/**
 * The pixels of an image by id, as displayed (EXIF orientation applied): the original bytes when
 * the browser can show them as they are, else an oriented JPEG. The file is found through the
 * database and must lie under the image root: a page can name an id, never a path.
 */
export async function serveImage(
  project: ProjectDb,
  imageId: number,
  variant: 'full' | 'thumb',
): Promise<ServedImage> {
  const image = project.images.get(imageId);
  if (!image) throw new NotFoundError(`image ${imageId} does not exist`);
  const file = project.imagePath(image.path);
  const root = project.imageRoot;
  if (!file.startsWith(root + path.sep))
    throw new NotFoundError(`image ${imageId} is outside the image root`);
  const key = `${image.sha256}:${variant}`;
  const cache = variant === 'thumb' ? thumbs : converted;
  const hit = cache.get(key);
  if (hit) return hit;

  let bytes: Buffer;
  try {
    // The real path, not the text: a link (or a swapped folder) under the root must not lead
    // out of it. The same NotFoundError either way, so a page cannot probe what lies outside.
    const [realFile, realRoot] = await Promise.all([realpath(file), realpath(root)]);
    if (!isInside(realRoot, realFile) || realFile === realRoot) throw new Error('outside');
    // A regular file within the import's size cap: never a pipe swapped in after import.
    bytes = await readBoundedFileAsync(realFile, MAX_IMAGE_FILE_BYTES);
  } catch {
    throw new NotFoundError(
      `${image.path} is missing from ${root}, or leads out of it (moved? \`shotbox relocate\`)`,
    );
  }
  if (variant === 'thumb') {
    const { image: pixels } = await openImage(bytes, image.path);
    const body = await pixels
      .rotate()
      .resize(THUMB_SIZE, THUMB_SIZE, { fit: 'inside' })
      .webp({ quality: 70 })
      .toBuffer();
    const served = { body, contentType: 'image/webp', etag: `"${key}"` };
    thumbs.set(key, served);
    return served;
  }
  const type = BROWSER_TYPES[image.format];
  const { image: pixels, meta } = await openImage(bytes, image.path);
  if (type && (meta.orientation === undefined || meta.orientation === 1)) {
    return { body: bytes, contentType: type, etag: `"${key}"` };
  }
  const body = await pixels.rotate().jpeg({ quality: 92 }).toBuffer();
  const served = { body, contentType: 'image/jpeg', etag: `"${key}"` };
  converted.set(key, served);
  return served;
}
