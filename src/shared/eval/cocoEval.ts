/**
 * COCO bbox evaluation, step for step as pycocotools' COCOeval (evaluate → accumulate →
 * summarize), so that the numbers agree with it on any input:
 *
 * - IoU thresholds np.linspace(.5, .95, 10), recall thresholds np.linspace(0, 1, 101);
 * - area ranges all [0, 1e10], small [0, 32²], medium [32², 96²], large [96², 1e10] with both
 *   ends inclusive (a box of area exactly 32² is small and medium); ground truth is binned by its
 *   `area` field, detections by width × height;
 * - maxDets 1/10/100 per image and category (each image's highest scores);
 * - a ground truth is ignored when it is a crowd (pycocotools sets `ignore = iscrowd`, whatever
 *   the file's own `ignore` says; `ignored` marks an iscrowd of 0.5 or "0", truthy but int() 0)
 *   or outside the area range; crowd IoU is intersection / detection area and a crowd can be
 *   matched by any number of detections, which are then ignored; unmatched detections outside
 *   the area range are ignored;
 * - a box with a width or height ≤ 0 overlaps nothing (bbIou: IoU 0 whatever the other box,
 *   crowd or not); a detection's area is width × height (loadRes), so a negative one is outside
 *   every range, while both negative make it positive;
 * - greedy matching in score order (stable: equal scores keep file order), each detection taking
 *   the unmatched ground truth of highest IoU ≥ threshold, preferring non-ignored ones;
 * - precision made monotone (the envelope) and sampled at the first detection reaching each
 *   recall threshold; −1 marks a category/area with no non-ignored ground truth, left out of
 *   every mean.
 */
import {
  compareImageIds,
  stableOrderByScore,
  type EvalDataset,
  type EvalDetection,
  type EvalGroundTruth,
  type ImageId,
} from './dataset';

/** np.linspace(start, stop, num) as numpy computes it: start + i·step, the last one exactly stop. */
export function linspace(start: number, stop: number, num: number): number[] {
  const step = (stop - start) / (num - 1);
  return Array.from({ length: num }, (_, i) => (i === num - 1 ? stop : i * step + start));
}

export const IOU_THRESHOLDS: readonly number[] = linspace(0.5, 0.95, 10);
export const RECALL_THRESHOLDS: readonly number[] = linspace(0, 1, 101);
export const MAX_DETS = [1, 10, 100] as const;
export const AREA_RANGES = [
  { label: 'all', min: 0, max: 1e5 ** 2 },
  { label: 'small', min: 0, max: 32 ** 2 },
  { label: 'medium', min: 32 ** 2, max: 96 ** 2 },
  { label: 'large', min: 96 ** 2, max: 1e5 ** 2 },
] as const;
export type AreaLabel = (typeof AREA_RANGES)[number]['label'];

/** numpy's np.spacing(1): pycocotools adds it to tp + fp so that 0/0 cannot happen. */
const EPS = 2.220446049250313e-16;
/** Marks "no ground truth here" in precision/recall, as pycocotools does. */
export const NO_GROUND_TRUTH = -1;

/** The 12 numbers of COCOeval.summarize(), in its order. */
export interface CocoSummary {
  AP: number;
  AP50: number;
  AP75: number;
  APs: number;
  APm: number;
  APl: number;
  AR1: number;
  AR10: number;
  AR100: number;
  ARs: number;
  ARm: number;
  ARl: number;
}

export interface CocoEvaluation {
  summary: CocoSummary;
  /** Category ids in evaluation order (ascending). */
  categoryIds: number[];
  /** T×R×K×A×M row-major, as COCOeval.eval['precision']; −1 where a category has no ground truth. */
  precision: Float64Array;
  /** T×K×A×M row-major, as COCOeval.eval['recall']. */
  recall: Float64Array;
  /** Per category (same order as categoryIds): AP over IoU .50:.95, area all, 100 detections; −1 without ground truth. */
  perCategoryAP: number[];
}

/** One image × category × area range: what accumulate() needs of evaluateImg(). */
interface ImageResult {
  /** Scores of the (at most 100) detections in score order. */
  scores: number[];
  /** T×D: 1 where the detection counts as matched (pycocotools: the matched gt id is non-zero). */
  matched: Uint8Array;
  /** T×D: 1 where the detection is ignored. */
  ignored: Uint8Array;
  /** Ground truths that are not ignored. */
  positives: number;
}

/** Evaluates bounding boxes exactly as pycocotools' COCOeval with iouType 'bbox'. */
export function evaluateCoco(data: EvalDataset): CocoEvaluation {
  const imageIds = [...data.imageIds].sort(compareImageIds);
  const categoryIds = data.categories.map((c) => c.id).sort((a, b) => a - b);
  const imageIndex = new Map<ImageId, number>(imageIds.map((id, i) => [id, i]));
  const categoryIndex = new Map(categoryIds.map((id, k) => [id, k]));
  const I = imageIds.length;
  const K = categoryIds.length;

  const gts = cellsOf(
    asLoadedByPycocotools(data.groundTruth, imageIndex),
    imageIndex,
    categoryIndex,
    I,
  );
  const dts = cellsOf(data.detections, imageIndex, categoryIndex, I);

  const T = IOU_THRESHOLDS.length;
  const R = RECALL_THRESHOLDS.length;
  const A = AREA_RANGES.length;
  const M = MAX_DETS.length;
  const maxDet = MAX_DETS[M - 1];
  const precision = new Float64Array(T * R * K * A * M).fill(NO_GROUND_TRUTH);
  const recall = new Float64Array(T * K * A * M).fill(NO_GROUND_TRUTH);

  for (let k = 0; k < K; k++) {
    // evaluate(): per image, IoUs once, then matching per area range.
    const perArea: ImageResult[][] = AREA_RANGES.map(() => []);
    for (let i = 0; i < I; i++) {
      const gt = gts.get(k * I + i) ?? [];
      const dtAll = dts.get(k * I + i) ?? [];
      if (gt.length === 0 && dtAll.length === 0) continue;
      const dt = stableOrderByScore(dtAll.map((d) => d.score))
        .slice(0, maxDet)
        .map((j) => dtAll[j]!);
      const ious = bboxIous(dt, gt);
      for (let a = 0; a < A; a++) perArea[a]!.push(evaluateImage(gt, dt, ious, AREA_RANGES[a]!));
    }
    // accumulate()
    for (let a = 0; a < A; a++) {
      const results = perArea[a]!;
      if (results.length === 0) continue;
      for (let m = 0; m < M; m++) {
        accumulateCell(
          results,
          MAX_DETS[m]!,
          (t, value) => {
            recall[((t * K + k) * A + a) * M + m] = value;
          },
          (t, r, value) => {
            precision[(((t * R + r) * K + k) * A + a) * M + m] = value;
          },
        );
      }
    }
  }

  const perCategoryAP = categoryIds.map((_, k) =>
    meanDefined(precisionSlice(precision, { k, a: 0, m: M - 1, K })),
  );
  return {
    summary: summarize(precision, recall, K),
    categoryIds,
    precision,
    recall,
    perCategoryAP,
  };
}

/**
 * The ground truth as pycocotools' `loadAnns(getAnnIds())` hands it to the evaluation: walked
 * image by image (sorted ids), each annotation looked up again by its id, and `createIndex` keeps
 * the last annotation of an id, so an id used twice stands for its last annotation both times.
 * Unique ids (every project dataset) give the list back unchanged.
 */
function asLoadedByPycocotools(
  gt: readonly EvalGroundTruth[],
  imageIndex: Map<ImageId, number>,
): readonly EvalGroundTruth[] {
  const last = new Map(gt.map((g) => [g.id, g]));
  if (last.size === gt.length) return gt;
  const at = (g: EvalGroundTruth): number => imageIndex.get(g.imageId) ?? Infinity;
  return gt
    .map((g, i) => i)
    .sort((a, b) => at(gt[a]!) - at(gt[b]!) || a - b)
    .map((i) => last.get(gt[i]!.id)!);
}

function cellsOf<T extends EvalGroundTruth | EvalDetection>(
  items: readonly T[],
  imageIndex: Map<ImageId, number>,
  categoryIndex: Map<number, number>,
  I: number,
): Map<number, T[]> {
  const cells = new Map<number, T[]>();
  for (const item of items) {
    const i = imageIndex.get(item.imageId);
    const k = categoryIndex.get(item.categoryId);
    if (i === undefined || k === undefined) continue;
    const key = k * I + i;
    const list = cells.get(key);
    if (list) list.push(item);
    else cells.set(key, [item]);
  }
  return cells;
}

/**
 * maskUtils.iou for boxes (maskApi.c bbIou): D×G row-major; for a crowd ground truth the union is
 * the detection's own area. Areas come from the boxes here (not from the `area` field), as in
 * pycocotools. A box with a width or height ≤ 0 gives an overlap ≤ 0, so IoU 0 with anything.
 */
export function bboxIous(
  dt: readonly { bbox: readonly number[] }[],
  gt: readonly { bbox: readonly number[]; iscrowd: boolean }[],
): Float64Array {
  const out = new Float64Array(dt.length * gt.length);
  for (let d = 0; d < dt.length; d++) {
    const [dx, dy, dw, dh] = dt[d]!.bbox as [number, number, number, number];
    const da = dw * dh;
    for (let g = 0; g < gt.length; g++) {
      const [gx, gy, gw, gh] = gt[g]!.bbox as [number, number, number, number];
      const w = Math.min(dw + dx, gw + gx) - Math.max(dx, gx);
      if (w <= 0) continue;
      const h = Math.min(dh + dy, gh + gy) - Math.max(dy, gy);
      if (h <= 0) continue;
      const inter = w * h;
      const union = gt[g]!.iscrowd ? da : da + gw * gh - inter;
      out[d * gt.length + g] = inter / union;
    }
  }
  return out;
}

/** COCOeval.evaluateImg for one area range; `dt` is already in score order, at most 100. */
function evaluateImage(
  gtIn: readonly EvalGroundTruth[],
  dt: readonly EvalDetection[],
  ious: Float64Array,
  range: { min: number; max: number },
): ImageResult {
  const outside = (area: number): boolean => area < range.min || area > range.max;
  const ignoreIn = gtIn.map((g) => (g.iscrowd || g.ignored || outside(g.area) ? 1 : 0));
  // Ignored ground truth last, stable (np.argsort(kind='mergesort')).
  const gtOrder = Array.from({ length: gtIn.length }, (_, g) => g).sort(
    (x, y) => ignoreIn[x]! - ignoreIn[y]!,
  );
  const gt = gtOrder.map((g) => gtIn[g]!);
  const gtIgnore = gtOrder.map((g) => ignoreIn[g]!);
  const G = gt.length;
  const D = dt.length;
  const T = IOU_THRESHOLDS.length;
  const matched = new Uint8Array(T * D);
  const ignored = new Uint8Array(T * D);

  if (G > 0 && D > 0) {
    for (let t = 0; t < T; t++) {
      const gtTaken = new Uint8Array(G);
      for (let d = 0; d < D; d++) {
        let best = Math.min(IOU_THRESHOLDS[t]!, 1 - 1e-10);
        let m = -1;
        for (let g = 0; g < G; g++) {
          if (gtTaken[g] && !gt[g]!.iscrowd) continue;
          // Matched a regular ground truth already and the rest are ignored ones: stop.
          if (m > -1 && gtIgnore[m] === 0 && gtIgnore[g] === 1) break;
          const iou = ious[d * gtIn.length + gtOrder[g]!]!;
          if (iou < best) continue;
          best = iou;
          m = g;
        }
        if (m === -1) continue;
        ignored[t * D + d] = gtIgnore[m]!;
        // pycocotools stores the gt id and later tests it against 0: id 0 reads as "no match".
        matched[t * D + d] = gt[m]!.id !== 0 ? 1 : 0;
        gtTaken[m] = 1;
      }
    }
  }
  for (let d = 0; d < D; d++) {
    const [, , w, h] = dt[d]!.bbox;
    if (!outside(w * h)) continue;
    for (let t = 0; t < T; t++) if (!matched[t * D + d]) ignored[t * D + d] = 1;
  }
  return {
    scores: dt.map((d) => d.score),
    matched,
    ignored,
    positives: gtIgnore.filter((x) => x === 0).length,
  };
}

/** COCOeval.accumulate for one category × area range × maxDets. */
function accumulateCell(
  results: readonly ImageResult[],
  maxDet: number,
  setRecall: (t: number, value: number) => void,
  setPrecision: (t: number, r: number, value: number) => void,
): void {
  const positives = results.reduce((n, e) => n + e.positives, 0);
  if (positives === 0) return;
  // Concatenate each image's first maxDet detections, in image order, then sort stably.
  const scores: number[] = [];
  const source: { e: ImageResult; d: number }[] = [];
  for (const e of results) {
    const n = Math.min(maxDet, e.scores.length);
    for (let d = 0; d < n; d++) {
      scores.push(e.scores[d]!);
      source.push({ e, d });
    }
  }
  const order = stableOrderByScore(scores);
  const nd = order.length;
  const T = IOU_THRESHOLDS.length;
  const R = RECALL_THRESHOLDS.length;
  const rc = new Float64Array(nd);
  const pr = new Float64Array(nd);
  for (let t = 0; t < T; t++) {
    let tp = 0;
    let fp = 0;
    for (let j = 0; j < nd; j++) {
      const { e, d } = source[order[j]!]!;
      const D = e.scores.length;
      if (!e.ignored[t * D + d]) {
        if (e.matched[t * D + d]) tp++;
        else fp++;
      }
      rc[j] = tp / positives;
      pr[j] = tp / (fp + tp + EPS);
    }
    setRecall(t, nd > 0 ? rc[nd - 1]! : 0);
    for (let j = nd - 1; j > 0; j--) if (pr[j]! > pr[j - 1]!) pr[j - 1] = pr[j]!;
    // np.searchsorted(rc, recThrs, side='left'); thresholds past the last recall stay 0.
    let j = 0;
    for (let r = 0; r < R; r++) {
      const threshold = RECALL_THRESHOLDS[r]!;
      while (j < nd && rc[j]! < threshold) j++;
      setPrecision(t, r, j < nd ? pr[j]! : 0);
    }
  }
}

function precisionSlice(
  precision: Float64Array,
  at: { k?: number; a: number; m: number; K: number; t?: number },
): number[] {
  const T = IOU_THRESHOLDS.length;
  const R = RECALL_THRESHOLDS.length;
  const A = AREA_RANGES.length;
  const M = MAX_DETS.length;
  const out: number[] = [];
  for (let t = 0; t < T; t++) {
    if (at.t !== undefined && t !== at.t) continue;
    for (let r = 0; r < R; r++)
      for (let k = 0; k < at.K; k++) {
        if (at.k !== undefined && k !== at.k) continue;
        out.push(precision[(((t * R + r) * at.K + k) * A + at.a) * M + at.m]!);
      }
  }
  return out;
}

function recallSlice(recall: Float64Array, at: { a: number; m: number; K: number }): number[] {
  const A = AREA_RANGES.length;
  const M = MAX_DETS.length;
  const out: number[] = [];
  for (let t = 0; t < IOU_THRESHOLDS.length; t++)
    for (let k = 0; k < at.K; k++) out.push(recall[((t * at.K + k) * A + at.a) * M + at.m]!);
  return out;
}

/** np.mean(s[s > -1]), or −1 when nothing is defined. */
function meanDefined(values: readonly number[]): number {
  let sum = 0;
  let n = 0;
  for (const v of values)
    if (v > NO_GROUND_TRUTH) {
      sum += v;
      n++;
    }
  return n === 0 ? NO_GROUND_TRUTH : sum / n;
}

/** COCOeval.summarize() for bbox: the 12 standard numbers. */
function summarize(precision: Float64Array, recall: Float64Array, K: number): CocoSummary {
  const area = (label: AreaLabel): number => AREA_RANGES.findIndex((r) => r.label === label);
  const dets = (n: number): number => MAX_DETS.indexOf(n as (typeof MAX_DETS)[number]);
  const ap = (a: AreaLabel, iouThr?: number): number => {
    // pycocotools selects the threshold by equality with its own linspace values.
    const t = iouThr === undefined ? undefined : IOU_THRESHOLDS.indexOf(iouThr);
    if (t === -1) return NO_GROUND_TRUTH;
    return meanDefined(precisionSlice(precision, { a: area(a), m: dets(100), K, t }));
  };
  const ar = (a: AreaLabel, maxDets: number): number =>
    meanDefined(recallSlice(recall, { a: area(a), m: dets(maxDets), K }));
  return {
    AP: ap('all'),
    AP50: ap('all', 0.5),
    AP75: ap('all', 0.75),
    APs: ap('small'),
    APm: ap('medium'),
    APl: ap('large'),
    AR1: ar('all', 1),
    AR10: ar('all', 10),
    AR100: ar('all', 100),
    ARs: ar('small', 100),
    ARm: ar('medium', 100),
    ARl: ar('large', 100),
  };
}

/** The interpolated precision at the 101 recall thresholds for one category (area all, 100 dets). */
export function precisionCurve(
  evaluation: CocoEvaluation,
  categoryIndex: number,
  iouThreshold: number,
): number[] {
  const t = IOU_THRESHOLDS.indexOf(iouThreshold);
  if (t === -1) throw new Error(`IoU threshold ${iouThreshold} is not one of COCO's`);
  return precisionSlice(evaluation.precision, {
    k: categoryIndex,
    a: 0,
    m: MAX_DETS.length - 1,
    K: evaluation.categoryIds.length,
    t,
  });
}
