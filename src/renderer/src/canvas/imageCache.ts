/**
 * Decoded images by URL, least recently used first out.
 *
 * Switching images must take a frame, not a JPEG decode (a 4000×3000 JPEG takes ~100 ms to decode),
 * so images are kept as ImageBitmaps, which the browser guarantees are decoded and ready to draw.
 * The workbench warms the neighbours of the current image with `prefetchImage`.
 *
 * Loading goes through `new Image()` rather than `fetch`, so it needs only the CSP's `img-src`
 * (the Electron image protocol need not be fetch-enabled).
 */

export interface DecodedImage {
  readonly url: string;
  /** Natural size of the decoded pixels (EXIF orientation applied by the browser). */
  readonly width: number;
  readonly height: number;
  /** Full-resolution, fully decoded pixels. */
  readonly full: CanvasImageSource;
  /**
   * A downscaled copy (long side PREVIEW_MAX_SIDE) drawn while zoomed out: resampling 12 MP on
   * every redraw costs several milliseconds of CPU rasterisation. Null for small images.
   */
  readonly preview: CanvasImageSource | null;
  readonly previewWidth: number;
  /** Approximate memory held, bytes (RGBA). */
  readonly bytes: number;
}

const PREVIEW_MAX_SIDE = 2048;

export interface ImageCacheLimits {
  maxEntries: number;
  maxBytes: number;
}

/** About eight 12 MP photos: the current image, a few neighbours each way, and recent history. */
const limits: ImageCacheLimits = { maxEntries: 12, maxBytes: 600 * 1024 * 1024 };

/** Map iteration order is insertion order: the first key is the least recently used. */
const cache = new Map<string, DecodedImage>();
const inflight = new Map<string, Promise<DecodedImage>>();
/** URLs on screen: never evicted (closing a bitmap that is being drawn would blank the canvas). */
const pinned = new Map<string, number>();

export function setImageCacheLimits(next: Partial<ImageCacheLimits>): void {
  Object.assign(limits, next);
  evict();
}

/** The decoded image if it is cached (marks it recently used); never starts a load. */
export function getCachedImage(url: string): DecodedImage | undefined {
  const hit = cache.get(url);
  if (hit) {
    cache.delete(url);
    cache.set(url, hit);
  }
  return hit;
}

/** Load and decode `url` (once, however many callers ask), and cache it. */
export function loadImage(url: string): Promise<DecodedImage> {
  const hit = getCachedImage(url);
  if (hit) return Promise.resolve(hit);
  let pending = inflight.get(url);
  if (!pending) {
    pending = decode(url).then(
      (image) => {
        inflight.delete(url);
        cache.set(url, image);
        evict();
        return image;
      },
      (err: unknown) => {
        inflight.delete(url);
        throw err;
      },
    );
    inflight.set(url, pending);
  }
  return pending;
}

/** Warm the cache (the next/previous images); failures are ignored here and reported on show. */
export function prefetchImage(url: string): void {
  loadImage(url).catch(() => undefined);
}

/** Keep `url` in the cache while it is shown; returns the release function. */
export function pinImage(url: string): () => void {
  pinned.set(url, (pinned.get(url) ?? 0) + 1);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    const n = (pinned.get(url) ?? 1) - 1;
    if (n <= 0) pinned.delete(url);
    else pinned.set(url, n);
    evict();
  };
}

export function clearImageCache(): void {
  for (const [url, image] of cache) {
    if (pinned.has(url)) continue;
    cache.delete(url);
    release(image);
  }
}

export function imageCacheStats(): { entries: number; bytes: number } {
  let bytes = 0;
  for (const image of cache.values()) bytes += image.bytes;
  return { entries: cache.size, bytes };
}

function evict(): void {
  let { bytes } = imageCacheStats();
  for (const [url, image] of cache) {
    if (cache.size <= limits.maxEntries && bytes <= limits.maxBytes) break;
    if (pinned.has(url)) continue;
    cache.delete(url);
    bytes -= image.bytes;
    release(image);
  }
}

function release(image: DecodedImage): void {
  for (const source of [image.full, image.preview]) {
    if (source instanceof ImageBitmap) source.close();
  }
}

async function decode(url: string): Promise<DecodedImage> {
  const img = new Image();
  img.decoding = 'async';
  img.src = url;
  try {
    await img.decode();
  } catch {
    throw new Error(`Could not load or decode the image ${url}`);
  }
  const width = img.naturalWidth;
  const height = img.naturalHeight;
  // An <img> may drop its decoded pixels when off-screen; an ImageBitmap keeps them.
  const full = await createImageBitmap(img).catch(() => img);
  const long = Math.max(width, height);
  let preview: CanvasImageSource | null = null;
  let previewWidth = 0;
  if (long > PREVIEW_MAX_SIDE * 1.25) {
    const k = PREVIEW_MAX_SIDE / long;
    previewWidth = Math.max(1, Math.round(width * k));
    preview = await createImageBitmap(full, {
      resizeWidth: previewWidth,
      resizeHeight: Math.max(1, Math.round(height * k)),
      resizeQuality: 'medium',
    }).catch(() => null);
    if (!preview) previewWidth = 0;
  }
  const bytes =
    4 * (width * height + (preview ? previewWidth * previewWidth * (height / width) : 0));
  return { url, width, height, full, preview, previewWidth, bytes };
}
