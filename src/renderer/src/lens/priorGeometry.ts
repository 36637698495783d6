/**
 * Priors placed on an image: every prior's corners in image pixels (through the source's
 * canvas mapping), its layer and aspect-ratio key, and a density grid. Computed once per
 * (prior set, image size); drawing then only transforms to the screen.
 */
import { canvasFor, type Canvas } from '../../../shared/ssd/canvasMapping';
import type { ResizeSpec } from '../../../shared/models/manifest';
import type { PriorSet } from '../../../shared/ssd/priors';
import { TABLEAU_10 } from '../../../shared/palette';

export interface PlacedPriors {
  set: PriorSet;
  canvas: Canvas;
  /** 4N image-pixel corners (x1, y1, x2, y2). */
  xyxy: Float32Array;
  layer: Uint8Array;
  /** Aspect ratio (width/height in input pixels) to 3 significant digits. */
  ratio: Float32Array;
  /** The distinct ratios, ascending. */
  ratios: number[];
}

export function ratioKey(widthPx: number, heightPx: number): number {
  return Math.fround(Number((widthPx / heightPx).toPrecision(3)));
}

export function placePriors(
  set: PriorSet,
  resize: Pick<ResizeSpec, 'mode' | 'padAnchor'>,
  imageWidth: number,
  imageHeight: number,
): PlacedPriors {
  const canvas = canvasFor(imageWidth, imageHeight, set.image.width, set.image.height, resize);
  const n = set.count;
  const xyxy = new Float32Array(4 * n);
  const layer = new Uint8Array(n);
  const ratio = new Float32Array(n);
  const ratios = new Set<number>();
  set.layers.forEach((l, k) => layer.fill(k, l.start, l.start + l.count));
  const b = set.boxes64;
  for (let i = 0; i < n; i++) {
    const cx = b[4 * i]!;
    const cy = b[4 * i + 1]!;
    const w = b[4 * i + 2]!;
    const h = b[4 * i + 3]!;
    xyxy[4 * i] = (cx - w / 2) * canvas.width - canvas.offsetX;
    xyxy[4 * i + 1] = (cy - h / 2) * canvas.height - canvas.offsetY;
    xyxy[4 * i + 2] = (cx + w / 2) * canvas.width - canvas.offsetX;
    xyxy[4 * i + 3] = (cy + h / 2) * canvas.height - canvas.offsetY;
    const r = ratioKey(w * set.image.width, h * set.image.height);
    ratio[i] = r;
    ratios.add(r);
  }
  return { set, canvas, xyxy, layer, ratio, ratios: [...ratios].sort((x, y) => x - y) };
}

/** Layer colours, distinct on photos. */
export const LAYER_COLORS = TABLEAU_10;

export function layerColor(layer: number): string {
  return LAYER_COLORS[layer % LAYER_COLORS.length]!;
}

/**
 * How many visible priors cover each cell of a `size`×`size` grid over the image: the density
 * view. Returned as an RGBA image (transparent → yellow → red), ready for putImageData.
 */
export function densityImage(
  placed: PlacedPriors,
  visible: (i: number) => boolean,
  imageWidth: number,
  imageHeight: number,
  size = 96,
): ImageData {
  const counts = new Float32Array(size * size);
  const sx = size / imageWidth;
  const sy = size / imageHeight;
  const { xyxy } = placed;
  for (let i = 0; i < placed.set.count; i++) {
    if (!visible(i)) continue;
    const c0 = Math.max(0, Math.floor(xyxy[4 * i]! * sx));
    const r0 = Math.max(0, Math.floor(xyxy[4 * i + 1]! * sy));
    const c1 = Math.min(size - 1, Math.ceil(xyxy[4 * i + 2]! * sx) - 1);
    const r1 = Math.min(size - 1, Math.ceil(xyxy[4 * i + 3]! * sy) - 1);
    for (let r = r0; r <= r1; r++) for (let c = c0; c <= c1; c++) counts[r * size + c]!++;
  }
  let max = 0;
  for (const v of counts) max = Math.max(max, v);
  const img = new ImageData(size, size);
  for (let k = 0; k < counts.length; k++) {
    const t = max > 0 ? counts[k]! / max : 0;
    img.data[4 * k] = 255;
    img.data[4 * k + 1] = Math.round(230 * (1 - t));
    img.data[4 * k + 2] = 0;
    img.data[4 * k + 3] = Math.round(170 * Math.sqrt(t));
  }
  return img;
}
