/**
 * The SSD paper's data augmentation (Liu et al. 2016, §3.6, and the Caffe release it describes):
 * photometric distortion, zoom out (place the image on a canvas up to 4× its size filled with
 * the mean colour), a random crop whose overlap with some object is at least one of
 * {0.1, 0.3, 0.5, 0.7, 0.9} (or any, or none), and a horizontal flip. Geometry is planned first
 * as one view rectangle in source pixels, so boxes are transformed exactly and the pixels are
 * sampled once. Everything draws from a seeded generator: the same seed gives the same sample.
 */

/** 8-bit RGB, interleaved, row-major. */
export interface RgbPixels {
  width: number;
  height: number;
  data: Uint8Array;
}

/** A box in pixels, x1 < x2, y1 < y2, with the class index it carries through. */
export interface AugBox {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  classIndex: number;
}

export type Rng = () => number;

/** mulberry32: small, fast, good enough for sampling; reproducible across platforms. */
export function seededRng(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The Caffe SSD mean (ImageNet), RGB. */
export const MEAN_RGB: readonly [number, number, number] = [123, 117, 104];

/** The paper's crop choices: no crop, min overlaps, any patch. */
export const CROP_MIN_IOUS: ReadonlyArray<number | 'none' | 'any'> = [
  'none',
  0.1,
  0.3,
  0.5,
  0.7,
  0.9,
  'any',
];

export interface AugmentOptions {
  photometric: boolean;
  /** Probability of zooming out; the paper 0.5. 0 disables. */
  expandProbability: number;
  /** Largest canvas/image ratio of a zoom out (paper 4). */
  maxExpand: number;
  crop: boolean;
  flip: boolean;
}

export const PAPER_AUGMENTATION: AugmentOptions = {
  photometric: true,
  expandProbability: 0.5,
  maxExpand: 4,
  crop: true,
  flip: true,
};

export const NO_AUGMENTATION: AugmentOptions = {
  photometric: false,
  expandProbability: 0,
  maxExpand: 1,
  crop: false,
  flip: false,
};

/** Colour changes, applied in this order when present (Caffe's two orders: contrast first or last). */
export interface Photometric {
  brightness?: number;
  contrast?: number;
  saturation?: number;
  /** Degrees. */
  hue?: number;
  contrastLast: boolean;
}

/** Where the output comes from: a rectangle in source pixels (outside the image = mean). */
export interface AugmentPlan {
  view: { x1: number; y1: number; x2: number; y2: number };
  flip: boolean;
  photometric: Photometric | null;
  /** The boxes in view pixels (0..view width/height), after crop clipping and flip. */
  boxes: AugBox[];
}

/** Plans one augmented sample of a `width`×`height` image with `boxes`. */
export function planAugmentation(
  rng: Rng,
  width: number,
  height: number,
  boxes: readonly AugBox[],
  options: AugmentOptions,
): AugmentPlan {
  const photometric = options.photometric ? samplePhotometric(rng) : null;
  // Zoom out: the canvas in source coordinates.
  let view = { x1: 0, y1: 0, x2: width, y2: height };
  if (options.expandProbability > 0 && rng() < options.expandProbability) {
    const ratio = 1 + rng() * (options.maxExpand - 1);
    const left = rng() * (width * ratio - width);
    const top = rng() * (height * ratio - height);
    view = { x1: -left, y1: -top, x2: -left + width * ratio, y2: -top + height * ratio };
  }
  let kept = boxes.map((b) => ({ ...b }));
  if (options.crop) {
    const crop = sampleCrop(rng, view, kept);
    if (crop) {
      view = crop;
      kept = cropBoxes(kept, crop);
    }
  }
  // Boxes into view pixels.
  const vw = view.x2 - view.x1;
  let out = kept.map((b) => ({
    ...b,
    x1: b.x1 - view.x1,
    y1: b.y1 - view.y1,
    x2: b.x2 - view.x1,
    y2: b.y2 - view.y1,
  }));
  const flip = options.flip && rng() < 0.5;
  if (flip) out = out.map((b) => ({ ...b, x1: vw - b.x2, x2: vw - b.x1 }));
  return { view, flip, photometric, boxes: out };
}

type Rect = { x1: number; y1: number; x2: number; y2: number };

const CROP_TRIALS = 50;

/** A crop of `area` (Caffe: scale 0.3..1, aspect 0.5..2), or null for "none"/no success. */
function sampleCrop(rng: Rng, area: Rect, boxes: readonly AugBox[]): Rect | null {
  const choice = CROP_MIN_IOUS[Math.floor(rng() * CROP_MIN_IOUS.length)]!;
  if (choice === 'none') return null;
  const aw = area.x2 - area.x1;
  const ah = area.y2 - area.y1;
  for (let t = 0; t < CROP_TRIALS; t++) {
    const scale = 0.3 + rng() * 0.7;
    const aspect = Math.exp(Math.log(0.5) + rng() * Math.log(4));
    const w = Math.min(1, scale * Math.sqrt(aspect)) * aw;
    const h = Math.min(1, scale / Math.sqrt(aspect)) * ah;
    const x1 = area.x1 + rng() * (aw - w);
    const y1 = area.y1 + rng() * (ah - h);
    const rect = { x1, y1, x2: x1 + w, y2: y1 + h };
    if (boxes.length === 0) return rect;
    if (!boxes.some((b) => centreInside(b, rect))) continue;
    if (choice === 'any' || boxes.some((b) => rectIou(b, rect) >= choice)) return rect;
  }
  return null;
}

function centreInside(b: Rect, r: Rect): boolean {
  const cx = (b.x1 + b.x2) / 2;
  const cy = (b.y1 + b.y2) / 2;
  return cx > r.x1 && cx < r.x2 && cy > r.y1 && cy < r.y2;
}

export function rectIou(a: Rect, b: Rect): number {
  const iw = Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1);
  const ih = Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1);
  if (iw <= 0 || ih <= 0) return 0;
  const inter = iw * ih;
  return inter / ((a.x2 - a.x1) * (a.y2 - a.y1) + (b.x2 - b.x1) * (b.y2 - b.y1) - inter);
}

/** Caffe's rule: keep a box whose centre is in the crop, clipped to it. */
export function cropBoxes(boxes: readonly AugBox[], crop: Rect): AugBox[] {
  return boxes
    .filter((b) => centreInside(b, crop))
    .map((b) => ({
      ...b,
      x1: Math.max(b.x1, crop.x1),
      y1: Math.max(b.y1, crop.y1),
      x2: Math.min(b.x2, crop.x2),
      y2: Math.min(b.y2, crop.y2),
    }));
}

function samplePhotometric(rng: Rng): Photometric {
  const p: Photometric = { contrastLast: rng() < 0.5 };
  if (rng() < 0.5) p.brightness = (rng() * 2 - 1) * 32;
  if (rng() < 0.5) p.contrast = 0.5 + rng();
  if (rng() < 0.5) p.saturation = 0.5 + rng();
  if (rng() < 0.5) p.hue = (rng() * 2 - 1) * 18;
  return p;
}

/**
 * Renders a plan: samples the view (bilinear, mean outside the image) into `outWidth`×`outHeight`
 * pixels, flips, applies the colour changes. Boxes scale by outWidth/viewWidth, outHeight/viewHeight
 * ({@link scaleBoxes}).
 */
export function renderPlan(
  image: RgbPixels,
  plan: AugmentPlan,
  outWidth: number,
  outHeight: number,
): RgbPixels {
  const { view } = plan;
  const sx = (view.x2 - view.x1) / outWidth;
  const sy = (view.y2 - view.y1) / outHeight;
  const out = new Uint8Array(outWidth * outHeight * 3);
  const px = new Float32Array(3);
  const { width: w, height: h, data } = image;
  for (let oy = 0; oy < outHeight; oy++) {
    // Pixel centres: output pixel centre → source coordinate → source pixel grid.
    const y = view.y1 + (oy + 0.5) * sy - 0.5;
    for (let ox = 0; ox < outWidth; ox++) {
      const vx = plan.flip ? outWidth - 1 - ox : ox;
      const x = view.x1 + (vx + 0.5) * sx - 0.5;
      sampleBilinear(data, w, h, x, y, px);
      const o = (oy * outWidth + ox) * 3;
      out[o] = px[0]!;
      out[o + 1] = px[1]!;
      out[o + 2] = px[2]!;
    }
  }
  const result = { width: outWidth, height: outHeight, data: out };
  if (plan.photometric) applyPhotometric(result, plan.photometric);
  return result;
}

/** Boxes of a plan in the rendered image's pixels. */
export function scaleBoxes(plan: AugmentPlan, outWidth: number, outHeight: number): AugBox[] {
  const fx = outWidth / (plan.view.x2 - plan.view.x1);
  const fy = outHeight / (plan.view.y2 - plan.view.y1);
  return plan.boxes.map((b) => ({
    ...b,
    x1: b.x1 * fx,
    y1: b.y1 * fy,
    x2: b.x2 * fx,
    y2: b.y2 * fy,
  }));
}

// A point inside the image (its pixel squares span −0.5..size−0.5) is sampled bilinearly with
// edge clamping; a point outside is the mean canvas, so the zoom-out border is exact.
function sampleBilinear(
  data: Uint8Array,
  w: number,
  h: number,
  x: number,
  y: number,
  out: Float32Array,
): void {
  if (x < -0.5 || x > w - 0.5 || y < -0.5 || y > h - 0.5) {
    out[0] = MEAN_RGB[0];
    out[1] = MEAN_RGB[1];
    out[2] = MEAN_RGB[2];
    return;
  }
  const cx = Math.min(Math.max(x, 0), w - 1);
  const cy = Math.min(Math.max(y, 0), h - 1);
  const x0 = Math.floor(cx);
  const y0 = Math.floor(cy);
  const x1 = Math.min(x0 + 1, w - 1);
  const y1 = Math.min(y0 + 1, h - 1);
  const fx = cx - x0;
  const fy = cy - y0;
  const o00 = (y0 * w + x0) * 3;
  const o01 = (y0 * w + x1) * 3;
  const o10 = (y1 * w + x0) * 3;
  const o11 = (y1 * w + x1) * 3;
  for (let c = 0; c < 3; c++) {
    const top = data[o00 + c]! * (1 - fx) + data[o01 + c]! * fx;
    const bottom = data[o10 + c]! * (1 - fx) + data[o11 + c]! * fx;
    out[c] = top * (1 - fy) + bottom * fy;
  }
}

/** In place; values clamp to 0..255. */
export function applyPhotometric(image: RgbPixels, p: Photometric): void {
  const d = image.data;
  const hue = p.hue !== undefined ? hueMatrix(p.hue) : null;
  for (let i = 0; i < d.length; i += 3) {
    let r = d[i]!;
    let g = d[i + 1]!;
    let b = d[i + 2]!;
    if (p.brightness !== undefined) {
      r += p.brightness;
      g += p.brightness;
      b += p.brightness;
    }
    if (p.contrast !== undefined && !p.contrastLast) {
      r *= p.contrast;
      g *= p.contrast;
      b *= p.contrast;
    }
    if (p.saturation !== undefined) {
      const grey = 0.299 * r + 0.587 * g + 0.114 * b;
      r = grey + p.saturation * (r - grey);
      g = grey + p.saturation * (g - grey);
      b = grey + p.saturation * (b - grey);
    }
    if (hue) {
      const nr = hue[0]! * r + hue[1]! * g + hue[2]! * b;
      const ng = hue[3]! * r + hue[4]! * g + hue[5]! * b;
      const nb = hue[6]! * r + hue[7]! * g + hue[8]! * b;
      r = nr;
      g = ng;
      b = nb;
    }
    if (p.contrast !== undefined && p.contrastLast) {
      r *= p.contrast;
      g *= p.contrast;
      b *= p.contrast;
    }
    d[i] = clampByte(r);
    d[i + 1] = clampByte(g);
    d[i + 2] = clampByte(b);
  }
}

function clampByte(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
}

// A hue rotation that keeps luminance: rotation about the grey axis in YIQ.
function hueMatrix(degrees: number): number[] {
  const a = (degrees * Math.PI) / 180;
  const c = Math.cos(a);
  const s = Math.sin(a);
  return [
    0.299 + 0.701 * c + 0.168 * s,
    0.587 - 0.587 * c + 0.33 * s,
    0.114 - 0.114 * c - 0.497 * s,
    0.299 - 0.299 * c - 0.328 * s,
    0.587 + 0.413 * c + 0.035 * s,
    0.114 - 0.114 * c + 0.292 * s,
    0.299 - 0.3 * c + 1.25 * s,
    0.587 - 0.588 * c - 1.05 * s,
    0.114 + 0.886 * c - 0.203 * s,
  ];
}
