/**
 * Frozen features computed once per training view and reused every epoch. The backbone is frozen,
 * so an image's feature maps only change when its pixels do: instead of a new augmented sample
 * (and a ~90 ms backbone run) per image per epoch, each image gets a fixed set of views (itself,
 * its mirror, and a few seeded SSD augmentations), whose maps and targets are kept in memory.
 * Many epochs then cost only the heads. The maps come after ReLU6, so they lie in [0, 6] and are
 * kept as bytes (step 6/255, well below what the 1×1 heads can tell apart): a quarter of float32.
 */
import { computeTargets, type TrainingTargets } from '../../shared/ssd/targets';
import type { BoxCoder } from '../../shared/ssd/boxCoder';
import { imageToCanvas, type Canvas } from '../../shared/ssd/canvasMapping';
import {
  planAugmentation,
  renderPlan,
  scaleBoxes,
  type AugBox,
  type AugmentOptions,
  type Rng,
} from '../../shared/training/augment';
import type { RgbImage } from '../image/decode';
import type { BackboneFeatures } from './backboneFeatures';

/** Upper end of the feature range (ReLU6). */
const FEATURE_MAX = 6;
const STEP = FEATURE_MAX / 255;

/** One training view: its quantised feature maps and its SSD targets. */
export interface CachedView {
  maps: Uint8Array[];
  targets: Pick<TrainingTargets, 'positive' | 'classes' | 'loc' | 'numPositives'>;
}

/** One evaluation image: its quantised maps, where it sat on the canvas, and its size. */
export interface CachedImage {
  maps: Uint8Array[];
  canvas: Canvas;
  width: number;
  height: number;
}

export function quantizeMaps(maps: readonly Float32Array[]): Uint8Array[] {
  return maps.map((m) => {
    const q = new Uint8Array(m.length);
    for (let i = 0; i < m.length; i++) {
      const v = Math.round(m[i]! / STEP);
      q[i] = v < 0 ? 0 : v > 255 ? 255 : v;
    }
    return q;
  });
}

export function dequantizeMaps(maps: readonly Uint8Array[]): Float32Array[] {
  return maps.map((q) => {
    const m = new Float32Array(q.length);
    for (let i = 0; i < q.length; i++) m[i] = q[i]! * STEP;
    return m;
  });
}

/** The views of one image: which to compute. */
export interface ViewOptions {
  /** The augmentation the extra views are drawn with; `flip` also adds the plain mirror. */
  augmentation: AugmentOptions;
  /** Seeded augmented views per image besides the image and its mirror. */
  augmentedViews: number;
  /** Longest side of the rendered views (the network input). */
  inputSize: number;
}

export interface TargetContext {
  priors: Float32Array;
  coder: BoxCoder;
}

/** Whether the options change anything but the mirror (otherwise extra views would repeat). */
export function augmentsBeyondFlip(a: AugmentOptions): boolean {
  return a.photometric || a.crop || (a.expandProbability > 0 && a.maxExpand > 1);
}

/** The pixels and boxes of every view of one image, in a fixed order: image, mirror, augmented. */
export function* viewsOf(
  image: RgbImage,
  boxes: readonly AugBox[],
  options: ViewOptions,
  rng: Rng,
): Generator<{ image: RgbImage; boxes: AugBox[] }> {
  yield { image, boxes: [...boxes] };
  if (options.augmentation.flip) {
    yield {
      image: mirror(image),
      boxes: boxes.map((b) => ({ ...b, x1: image.width - b.x2, x2: image.width - b.x1 })),
    };
  }
  if (!augmentsBeyondFlip(options.augmentation)) return;
  for (let v = 0; v < options.augmentedViews; v++)
    yield augmentedView(image, boxes, options.augmentation, options.inputSize, rng);
}

/**
 * One seeded SSD augmentation of an image (paper §3.6), rendered at the network's resolution
 * (the view is resized to it anyway); boxes under a pixel are dropped.
 */
export function augmentedView(
  image: RgbImage,
  boxes: readonly AugBox[],
  augmentation: AugmentOptions,
  inputSize: number,
  rng: Rng,
): { image: RgbImage; boxes: AugBox[] } {
  const plan = planAugmentation(rng, image.width, image.height, boxes, augmentation);
  const vw = plan.view.x2 - plan.view.x1;
  const vh = plan.view.y2 - plan.view.y1;
  const scale = inputSize / Math.max(vw, vh);
  const ow = Math.max(1, Math.round(vw * scale));
  const oh = Math.max(1, Math.round(vh * scale));
  return {
    image: renderPlan(image, plan, ow, oh),
    boxes: scaleBoxes(plan, ow, oh).filter((b) => b.x2 - b.x1 >= 1 && b.y2 - b.y1 >= 1),
  };
}

/** The SSD targets of boxes (image pixels) on the canvas an image was preprocessed onto. */
export function viewTargets(
  boxes: readonly AugBox[],
  canvas: Canvas,
  ctx: TargetContext,
): CachedView['targets'] {
  const gt = imageToCanvas(
    boxes.flatMap((b) => [b.x1, b.y1, b.x2, b.y2]),
    canvas,
  );
  const t = computeTargets({
    priorsCxcywh: ctx.priors,
    gtXyxy: Float32Array.from(gt),
    gtClasses: boxes.map((b) => b.classIndex),
    coder: ctx.coder,
  });
  return { positive: t.positive, classes: t.classes, loc: t.loc, numPositives: t.numPositives };
}

/** Backbone maps and targets of one view. */
export async function cacheView(
  backbone: BackboneFeatures,
  image: RgbImage,
  boxes: readonly AugBox[],
  ctx: TargetContext,
): Promise<CachedView> {
  const { maps, canvas } = await backbone.compute(image);
  return { maps: quantizeMaps(maps), targets: viewTargets(boxes, canvas, ctx) };
}

/** Backbone maps of an evaluation image (no augmentation). */
export async function cacheImage(
  backbone: BackboneFeatures,
  image: RgbImage,
): Promise<CachedImage> {
  const { maps, canvas } = await backbone.compute(image);
  return { maps: quantizeMaps(maps), canvas, width: image.width, height: image.height };
}

/** The image mirrored left–right. */
export function mirror(image: RgbImage): RgbImage {
  const { width: w, height: h, data } = image;
  const out = new Uint8Array(data.length);
  for (let y = 0; y < h; y++) {
    const row = y * w * 3;
    for (let x = 0; x < w; x++) {
      const s = row + (w - 1 - x) * 3;
      const d = row + x * 3;
      out[d] = data[s]!;
      out[d + 1] = data[s + 1]!;
      out[d + 2] = data[s + 2]!;
    }
  }
  return { width: w, height: h, data: out };
}
