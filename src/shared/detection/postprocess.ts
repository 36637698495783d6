import type { ModelManifest, PostprocessSpec } from '../models/manifest';
import type { BoxCoder } from '../ssd/boxCoder';
import { selectDetections, type Detections } from '../ssd/nms';

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
}

/** Detections whose `classes` are manifest class indices (not score columns). */
export function postprocessRaw(
  raw: RawHeadOutputs,
  ctx: PostprocessContext,
  spec: PostprocessSpec,
): Detections {
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
  const dets = selectDetections({
    boxes,
    scores,
    numClasses: C,
    classes: ctx.classColumns,
    backgroundIndex: ctx.backgroundIndex,
    scoreThreshold: spec.scoreThreshold,
    iouThreshold: spec.iouThreshold,
    perClassCandidates: spec.perClassCandidates,
    topK: spec.topK,
    classAgnostic: spec.classAgnostic,
  });
  for (let i = 0; i < dets.count; i++) dets.classes[i] = ctx.classColumns.indexOf(dets.classes[i]!);
  return dets;
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
