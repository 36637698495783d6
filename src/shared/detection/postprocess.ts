import type { ModelManifest, PostprocessSpec } from '../models/manifest';
import type { BoxCoder } from '../ssd/boxCoder';
import type { Canvas } from '../ssd/canvasMapping';
import { selectDetections, type Detections, type SelectDetectionsInput } from '../ssd/nms';

/**
 * From raw SSD head outputs to detections on the model's input canvas.
 *
 *   offsets [P·4] ──decode(priors)──▶ boxes [P·4] x1,y1,x2,y2 (normalised to the input canvas)
 *   logits  [P·C] ──activation──────▶ scores [P·C]
 *   boxes, scores ──threshold, NMS, top-k──▶ detections
 *
 * The same function serves `shotbox detect`, the inspector and evaluation, so every view of a
 * model's output is the same.
 */
export interface RawHeadOutputs {
  offsets: Float32Array;
  logits: Float32Array;
  numPriors: number;
  numColumns: number;
}

export interface PostprocessContext {
  coder: BoxCoder;
  /** Priors, 4·P, cx,cy,w,h normalised. */
  priors: Float32Array;
  activation: 'softmax' | 'sigmoid' | 'none';
  backgroundIndex: number | null;
  /** Score column of each manifest class, in manifest order. */
  classColumns: number[];
  /**
   * The image's region on the canvas, x1,y1,x2,y2 normalised (see {@link imageWindow}): where
   * `clipBeforeNms` clips. Default the whole canvas, which is the image for `stretch`.
   */
  clipWindow?: ClipWindow;
}

export type ClipWindow = readonly [number, number, number, number];

/**
 * The input of the selection step: decoded (and, when the spec says so, clipped) boxes and
 * activated scores with the spec's limits. `postprocessRaw` and the lens's NMS provenance both
 * start from it, so they see the same candidates.
 */
export function selectionInput(
  raw: RawHeadOutputs,
  ctx: PostprocessContext,
  spec: PostprocessSpec,
): SelectDetectionsInput {
  const { numPriors: P, numColumns: C } = raw;
  if (raw.offsets.length !== P * 4)
    throw new Error(`box offsets: expected ${P * 4} values, got ${raw.offsets.length}`);
  if (raw.logits.length !== P * C)
    throw new Error(`class scores: expected ${P * C} values, got ${raw.logits.length}`);
  if (ctx.priors.length !== P * 4) {
    throw new Error(
      `the model predicts ${P} boxes but its prior config gives ${ctx.priors.length / 4}`,
    );
  }
  const scores = activate(raw.logits, P, C, ctx.activation);
  const boxes = ctx.coder.decode(raw.offsets, ctx.priors);
  if (spec.clipBeforeNms) clipBoxes(boxes, ctx.clipWindow ?? [0, 0, 1, 1]);
  return {
    boxes,
    scores,
    numClasses: C,
    classes: ctx.classColumns,
    backgroundIndex: ctx.backgroundIndex,
    scoreThreshold: spec.scoreThreshold,
    iouThreshold: spec.iouThreshold,
    perClassCandidates: spec.perClassCandidates ?? Number.POSITIVE_INFINITY,
    maxPerClass: spec.maxPerClass ?? Number.POSITIVE_INFINITY,
    topK: spec.topK,
    classAgnostic: spec.classAgnostic,
  };
}

/** Detections whose `classes` are manifest class indices (not score columns). */
export function postprocessRaw(
  raw: RawHeadOutputs,
  ctx: PostprocessContext,
  spec: PostprocessSpec,
): Detections {
  const dets = selectDetections(selectionInput(raw, ctx, spec));
  for (let i = 0; i < dets.count; i++) dets.classes[i] = ctx.classColumns.indexOf(dets.classes[i]!);
  return dets;
}

/** The image's region on its canvas, normalised: the clip window of `clipBeforeNms`. */
export function imageWindow(canvas: Canvas, width: number, height: number): ClipWindow {
  return [
    canvas.offsetX / canvas.width,
    canvas.offsetY / canvas.height,
    (canvas.offsetX + width) / canvas.width,
    (canvas.offsetY + height) / canvas.height,
  ];
}

/**
 * Clamps x1,y1,x2,y2 boxes into the window, in place (torchvision `clip_boxes_to_image`, TF
 * `box_list_ops.clip_to_window`). A box outside the window becomes a zero-area box on its edge.
 */
export function clipBoxes(boxes: Float32Array, window: ClipWindow): void {
  const [wx1, wy1, wx2, wy2] = window;
  for (let i = 0; i < boxes.length; i += 4) {
    boxes[i] = Math.min(Math.max(boxes[i]!, wx1), wx2);
    boxes[i + 1] = Math.min(Math.max(boxes[i + 1]!, wy1), wy2);
    boxes[i + 2] = Math.min(Math.max(boxes[i + 2]!, wx1), wx2);
    boxes[i + 3] = Math.min(Math.max(boxes[i + 3]!, wy1), wy2);
  }
}

/** Score columns of a raw-output manifest's classes (default: all but the background). */
export function classColumnsOf(manifest: ModelManifest, numColumns: number): number[] {
  if (manifest.output.kind !== 'raw') return manifest.classes.map((_, i) => i);
  const explicit = manifest.output.classLogitIndices;
  if (explicit) return explicit;
  const bg = manifest.output.backgroundIndex;
  const cols = [...Array(numColumns).keys()].filter((c) => c !== bg);
  if (cols.length !== manifest.classes.length) {
    throw new Error(
      `the model outputs ${numColumns} score columns but the manifest lists ${manifest.classes.length} classes` +
        (bg === null ? '' : ' plus background'),
    );
  }
  return cols;
}

/** Row-wise activation of a P×C score matrix, into a new array. */
export function activate(
  logits: Float32Array,
  P: number,
  C: number,
  kind: 'softmax' | 'sigmoid' | 'none',
): Float32Array {
  if (kind === 'none') return logits.slice();
  const out = new Float32Array(P * C);
  if (kind === 'sigmoid') {
    for (let i = 0; i < out.length; i++) out[i] = 1 / (1 + Math.exp(-logits[i]!));
    return out;
  }
  for (let p = 0; p < P; p++) {
    const o = p * C;
    let max = -Infinity;
    for (let c = 0; c < C; c++) max = Math.max(max, logits[o + c]!);
    let sum = 0;
    for (let c = 0; c < C; c++) {
      const e = Math.exp(logits[o + c]! - max); // shifted for numerical stability
      out[o + c] = e;
      sum += e;
    }
    for (let c = 0; c < C; c++) out[o + c] = out[o + c]! / sum;
  }
  return out;
}
