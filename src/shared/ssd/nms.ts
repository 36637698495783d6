/**
 * Non-maximum suppression and SSD's detection output step (Caffe `DetectionOutput`):
 * score threshold → top candidates per class → greedy NMS per class → global top-k.
 *
 * Boxes are `(x1, y1, x2, y2)`, normalised; box i is prior i's decoded box.
 */
import { boxCount } from './boxes';
import { partialSortByScore } from './topK';

/** The paper's detection-output defaults. */
export const DEFAULT_SCORE_THRESHOLD = 0.01;
export const DEFAULT_NMS_IOU_THRESHOLD = 0.45;
export const DEFAULT_PER_CLASS_CANDIDATES = 400;
export const DEFAULT_TOP_K = 200;
export const DEFAULT_BACKGROUND_INDEX = 0;

/**
 * Greedy NMS. Candidates are visited by descending score (ties: lower index first); one is
 * kept unless its IoU with an already kept box is strictly greater than `iouThreshold`.
 *
 * @param boxesXyxy N boxes, 4N numbers `(x1, y1, x2, y2)`.
 * @param scores N scores (NaN ranks last).
 * @param iouThreshold suppress when IoU > this.
 * @param candidates distinct box indices to consider; default all N.
 * @param maxKept stop after keeping this many (default: no limit).
 * @returns kept indices, by descending score.
 * @throws Error on mismatched lengths or a candidate index out of range.
 */
export function nms(
  boxesXyxy: Float32Array,
  scores: Float32Array,
  iouThreshold: number,
  candidates?: Int32Array,
  maxKept: number = Number.POSITIVE_INFINITY,
): Int32Array {
  const n = boxCount(boxesXyxy);
  if (scores.length !== n) throw new Error(`${scores.length} scores for ${n} boxes`);
  checkNotNaN(iouThreshold, 'iouThreshold');
  checkCount(maxKept, 'maxKept');
  const m = candidates ? candidates.length : n;
  const idx = new Int32Array(m);
  const key = new Float32Array(m);
  for (let t = 0; t < m; t++) {
    const i = candidates ? candidates[t]! : t;
    if (i < 0 || i >= n) throw new Error(`candidate ${t} is box index ${i}, outside [0, ${n})`);
    idx[t] = i;
    const s = scores[i]!;
    key[t] = Number.isNaN(s) ? Number.NEGATIVE_INFINITY : s;
  }
  partialSortByScore(idx, key, m, m);
  const keep = new Int32Array(Math.min(m, maxKept));
  const kept = greedy(boxesXyxy, idx, m, iouThreshold, keep);
  return keep.slice(0, kept);
}

/**
 * Greedy suppression over `order[0..count)`, already ranked. Writes kept indices to `keep`
 * (which also bounds how many are kept) and returns how many.
 *
 * Kept boxes are copied into `kb`, one contiguous scratch array of 5·keep.length
 * (x1, y1, x2, y2, area), so the inner loop reads sequential memory instead of gathering
 * from the full box array.
 */
function greedy(
  boxes: Float32Array,
  order: Int32Array,
  count: number,
  iouThreshold: number,
  keep: Int32Array,
  kb: Float64Array = new Float64Array(5 * keep.length),
): number {
  let kept = 0;
  for (let t = 0; t < count && kept < keep.length; t++) {
    const i = order[t]!;
    const x1 = boxes[4 * i]!;
    const y1 = boxes[4 * i + 1]!;
    const x2 = boxes[4 * i + 2]!;
    const y2 = boxes[4 * i + 3]!;
    const area = x2 > x1 && y2 > y1 ? (x2 - x1) * (y2 - y1) : 0;
    let suppressed = false;
    for (let q = 0, o = 0; q < kept; q++, o += 5) {
      const iw = Math.min(x2, kb[o + 2]!) - Math.max(x1, kb[o]!);
      if (iw <= 0) continue;
      const ih = Math.min(y2, kb[o + 3]!) - Math.max(y1, kb[o + 1]!);
      if (ih <= 0) continue;
      // Both sides overlap, so both boxes have positive area and the union is positive.
      const inter = iw * ih;
      if (inter / (area + kb[o + 4]! - inter) > iouThreshold) {
        suppressed = true;
        break;
      }
    }
    if (!suppressed) {
      const o = 5 * kept;
      kb[o] = x1;
      kb[o + 1] = y1;
      kb[o + 2] = x2;
      kb[o + 3] = y2;
      kb[o + 4] = area;
      keep[kept++] = i;
    }
  }
  return kept;
}

export interface SelectDetectionsInput {
  /** N boxes, 4N numbers `(x1, y1, x2, y2)`: prior i's decoded box. */
  boxes: Float32Array;
  /** N×C row-major, already activated probabilities (softmax or sigmoid). */
  scores: Float32Array;
  /** C, the number of score columns. */
  numClasses: number;
  /** Score columns that are real classes; default all except `backgroundIndex`. */
  classes?: number[];
  /** Background column, or null when there is none (sigmoid heads). Default 0. */
  backgroundIndex?: number | null;
  /** Candidates need a score strictly above this. Default 0.01. */
  scoreThreshold?: number;
  /** NMS suppresses when IoU > this. Default 0.45. */
  iouThreshold?: number;
  /** Best candidates per class kept for NMS (per image in class-agnostic mode). Default 400. */
  perClassCandidates?: number;
  /** Detections kept overall. Default 200. */
  topK?: number;
  /**
   * Detections NMS keeps per class (TF OD API `max_detections_per_class`); default no limit
   * beyond `topK`. Ignored in class-agnostic mode, where `topK` bounds the one pass.
   */
  maxPerClass?: number;
  /**
   * false (default): NMS within each class, so one prior may yield several classes.
   * true: each prior's candidate is its best real class, and NMS runs across classes.
   */
  classAgnostic?: boolean;
}

/** Detections sorted by descending score (ties: lower prior, then lower class). */
export interface Detections {
  /** K boxes, 4K numbers `(x1, y1, x2, y2)`. */
  boxes: Float32Array;
  scores: Float32Array;
  /** Score column index of each detection. */
  classes: Int32Array;
  /** Prior (row of the input) that produced each detection. */
  priors: Int32Array;
  /** K. */
  count: number;
}

/**
 * Turns per-prior boxes and class probabilities into final detections.
 *
 * Cost: one pass over the N×C scores to find the priors with any class above the
 * threshold, then per class a pass over those, a partial sort of the candidates and NMS
 * on at most `perClassCandidates` boxes (O(perClassCandidates · topK) IoUs at worst).
 *
 * @throws Error on mismatched lengths or invalid options, naming the field.
 */
export function selectDetections(input: SelectDetectionsInput): Detections {
  const { boxes, scores, numClasses: c } = input;
  const n = boxCount(boxes);
  if (!Number.isInteger(c) || c < 1) throw new Error(`numClasses ${c} must be a positive integer`);
  if (scores.length !== n * c) {
    throw new Error(`scores has length ${scores.length}, expected ${n} boxes × ${c} classes`);
  }
  const background =
    input.backgroundIndex === undefined ? DEFAULT_BACKGROUND_INDEX : input.backgroundIndex;
  if (background !== null) checkColumn(background, c, 'backgroundIndex');
  const classes = input.classes ?? range(c).filter((k) => k !== background);
  classes.forEach((k, i) => checkColumn(k, c, `classes[${i}]`));
  if (new Set(classes).size !== classes.length) throw new Error('classes has repeated columns');
  const scoreThreshold = input.scoreThreshold ?? DEFAULT_SCORE_THRESHOLD;
  if (Number.isNaN(scoreThreshold)) throw new Error('scoreThreshold is NaN');
  const iouThreshold = input.iouThreshold ?? DEFAULT_NMS_IOU_THRESHOLD;
  checkNotNaN(iouThreshold, 'iouThreshold');
  const perClass = input.perClassCandidates ?? DEFAULT_PER_CLASS_CANDIDATES;
  checkCount(perClass, 'perClassCandidates');
  const topK = input.topK ?? DEFAULT_TOP_K;
  checkCount(topK, 'topK');
  const maxPerClass = input.maxPerClass ?? Number.POSITIVE_INFINITY;
  checkCount(maxPerClass, 'maxPerClass');

  // Scratch for one pass, and the survivors of every pass.
  const idx = new Int32Array(n);
  const key = new Float32Array(n);
  const keep = new Int32Array(Math.min(n, topK));
  const kb = new Float64Array(5 * keep.length);
  // The per-class passes keep at most this many each (a prefix of `keep`).
  const keepPerClass = keep.subarray(0, Math.min(keep.length, maxPerClass));
  const out: Survivors = { prior: [], cls: [], score: [] };

  // Most priors of a trained model are background, every class below the threshold; find
  // the rest once so that the per-class passes scan only them.
  const live = new Int32Array(n);
  const liveCount = gatherLive(scores, n, c, Int32Array.from(classes), scoreThreshold, live);

  if (input.classAgnostic) {
    const best = new Int32Array(n);
    for (let t = 0; t < liveCount; t++) {
      const p = live[t]!;
      // First best in `classes` order; a live prior has a score above the threshold, so
      // bc is always set and NaN scores are skipped.
      let bc = -1;
      let bs = Number.NEGATIVE_INFINITY;
      for (const k of classes) {
        const s = scores[p * c + k]!;
        if (s > bs) {
          bs = s;
          bc = k;
        }
      }
      best[p] = bc;
      idx[t] = p;
      key[t] = bs;
    }
    const k = partialSortByScore(idx, key, liveCount, perClass);
    const kept = greedy(boxes, idx, k, iouThreshold, keep, kb);
    for (let q = 0; q < kept; q++) {
      const p = keep[q]!;
      pushSurvivor(out, p, best[p]!, scores[p * c + best[p]!]!);
    }
  } else {
    for (const cls of classes) {
      const m = gatherColumn(scores, live, liveCount, c, cls, scoreThreshold, idx, key);
      const k = partialSortByScore(idx, key, m, perClass);
      const kept = greedy(boxes, idx, k, iouThreshold, keepPerClass, kb);
      for (let q = 0; q < kept; q++) {
        const p = keepPerClass[q]!;
        pushSurvivor(out, p, cls, scores[p * c + cls]!);
      }
    }
  }

  // Merge the passes: at most |classes| × topK entries, so a full sort is cheap.
  const { prior: outPrior, cls: outClass, score: outScore } = out;
  const order = range(outPrior.length).sort(
    (a, b) =>
      outScore[b]! - outScore[a]! || outPrior[a]! - outPrior[b]! || outClass[a]! - outClass[b]!,
  );
  const count = Math.min(order.length, topK);
  const det: Detections = {
    boxes: new Float32Array(4 * count),
    scores: new Float32Array(count),
    classes: new Int32Array(count),
    priors: new Int32Array(count),
    count,
  };
  for (let r = 0; r < count; r++) {
    const q = order[r]!;
    const p = outPrior[q]!;
    det.boxes.set(boxes.subarray(4 * p, 4 * p + 4), 4 * r);
    det.scores[r] = outScore[q]!;
    det.classes[r] = outClass[q]!;
    det.priors[r] = p;
  }
  return det;
}

/** Detections kept by the per-class (or agnostic) passes, before the global top-k. */
interface Survivors {
  prior: number[];
  cls: number[];
  score: number[];
}

function pushSurvivor(out: Survivors, prior: number, cls: number, score: number): void {
  out.prior.push(prior);
  out.cls.push(cls);
  out.score.push(score);
}

// The gather loops below are the hot part of selectDetections (N·C reads). They are
// top-level functions taking everything as parameters, so V8 keeps the loop variables in
// registers, and they are branch-free: a slot is always written and the count advances by
// Number(passes). A data-dependent branch per score mispredicts often and costs several
// times the store (measured 5x on N·C = 24564·21).

/**
 * Priors with at least one score among `classes` above `threshold` (NaN never passes),
 * ascending, into `live`. Returns how many.
 */
function gatherLive(
  scores: Float32Array,
  n: number,
  c: number,
  classes: Int32Array,
  threshold: number,
  live: Int32Array,
): number {
  let m = 0;
  for (let i = 0, row = 0; i < n; i++, row += c) {
    let passes = 0;
    for (let j = 0; j < classes.length; j++) {
      passes |= Number(scores[row + classes[j]!]! > threshold);
    }
    live[m] = i;
    m += passes;
  }
  return m;
}

/**
 * Of the priors `live[0..liveCount)`, those whose score in column `cls` is above
 * `threshold`: writes prior indices to `idx` and scores to `key`, returns how many.
 */
function gatherColumn(
  scores: Float32Array,
  live: Int32Array,
  liveCount: number,
  c: number,
  cls: number,
  threshold: number,
  idx: Int32Array,
  key: Float32Array,
): number {
  let m = 0;
  for (let t = 0; t < liveCount; t++) {
    const i = live[t]!;
    const s = scores[i * c + cls]!;
    idx[m] = i;
    key[m] = s;
    m += Number(s > threshold);
  }
  return m;
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

function checkNotNaN(v: number, what: string): void {
  if (Number.isNaN(v)) throw new Error(`${what} is NaN`);
}

function checkColumn(k: number, c: number, what: string): void {
  if (!Number.isInteger(k) || k < 0 || k >= c) {
    throw new Error(`${what} = ${k} is not a score column in [0, ${c})`);
  }
}

// Counts may be Infinity ("keep all"), as Caffe's -1.
function checkCount(v: number, what: string): void {
  if (!(v === Number.POSITIVE_INFINITY || (Number.isInteger(v) && v >= 0))) {
    throw new Error(`${what} = ${v} must be a non-negative integer or Infinity`);
  }
}
