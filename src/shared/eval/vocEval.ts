/**
 * Pascal VOC detection AP at IoU 0.5, as the devkit (VOCevaldet.m) and py-faster-rcnn's
 * voc_eval.py compute it:
 *
 * - IoU with the devkit's inclusive-pixel convention: widths are x2 − x1 + 1 (boxes here are
 *   x1 = x, x2 = x + width, which is what a VOC file's xmin/xmax hold after our import);
 * - detections of a class in score order (ties keep file order: a stable sort), each compared
 *   with every ground truth of its image and class; the best IoU must exceed 0.5 (strictly);
 *   the same formula for boxes with a negative width or height (x2 < x1), whatever it gives, and
 *   when one IoU is 0/0 the best is NaN (np.max), so the detection is a false positive;
 *   best on a `difficult` (or crowd) box: neither true nor false positive; best on a box already
 *   taken: false positive (a duplicate);
 * - recall = tp / npos (npos: boxes that are not difficult), precision = tp / max(tp + fp, eps);
 * - 2007 AP: mean over recall 0, 0.1, …, 1 of the highest precision at recall ≥ it (11 points);
 *   2010+ AP: the area under the monotone precision envelope at every recall change.
 *
 * A class without ground truth has no AP (−1 here; voc_eval divides by zero) and is left out of
 * the mean, as COCO does. All detections count: VOC has no per-image limit.
 */
import {
  stableOrderByScore,
  type EvalDataset,
  type EvalGroundTruth,
  type ImageId,
} from './dataset';

/** np.finfo(np.float64).eps */
const EPS = 2.220446049250313e-16;
const VOC_IOU = 0.5;

export interface VocClassResult {
  categoryId: number;
  /** Ground-truth boxes that are not difficult. */
  npos: number;
  /** Detections of the class on evaluated images. */
  ndet: number;
  ap11: number;
  apAll: number;
  /** Cumulative recall and precision after each detection, in score order (the raw PR curve). */
  recall: number[];
  precision: number[];
}

export interface VocEvaluation {
  mAP11: number;
  mAPAll: number;
  perClass: VocClassResult[];
}

export function evaluateVoc(data: EvalDataset): VocEvaluation {
  const images = new Set<ImageId>(data.imageIds);
  const categories = [...data.categories].sort((a, b) => a.id - b.id);
  const perClass = categories.map((c) => evaluateVocClass(data, c.id, images));
  const defined = perClass.filter((r) => r.npos > 0);
  const mean = (pick: (r: VocClassResult) => number): number =>
    defined.length === 0 ? -1 : defined.reduce((s, r) => s + pick(r), 0) / defined.length;
  return { mAP11: mean((r) => r.ap11), mAPAll: mean((r) => r.apAll), perClass };
}

function evaluateVocClass(
  data: EvalDataset,
  categoryId: number,
  images: Set<ImageId>,
): VocClassResult {
  const gtByImage = new Map<ImageId, { gt: EvalGroundTruth; taken: boolean }[]>();
  let npos = 0;
  for (const gt of data.groundTruth) {
    if (gt.categoryId !== categoryId || !images.has(gt.imageId)) continue;
    const list = gtByImage.get(gt.imageId) ?? [];
    list.push({ gt, taken: false });
    gtByImage.set(gt.imageId, list);
    if (!isDifficult(gt)) npos++;
  }
  const dets = data.detections.filter((d) => d.categoryId === categoryId && images.has(d.imageId));
  const order = stableOrderByScore(dets.map((d) => d.score));
  const tp: number[] = [];
  const fp: number[] = [];
  for (const j of order) {
    const det = dets[j]!;
    const candidates = gtByImage.get(det.imageId) ?? [];
    let best = -Infinity;
    let bestIndex = -1;
    for (let g = 0; g < candidates.length; g++) {
      const iou = vocIou(det.bbox, candidates[g]!.gt.bbox);
      // np.max(overlaps) is NaN as soon as one is (0/0, boxes of negative size): NaN > 0.5 fails.
      if (Number.isNaN(iou)) {
        best = NaN;
        break;
      }
      if (iou > best) {
        best = iou;
        bestIndex = g;
      }
    }
    let isTp = 0;
    let isFp = 0;
    if (best > VOC_IOU) {
      const hit = candidates[bestIndex]!;
      if (!isDifficult(hit.gt)) {
        if (!hit.taken) {
          isTp = 1;
          hit.taken = true;
        } else isFp = 1;
      }
    } else isFp = 1;
    tp.push(isTp);
    fp.push(isFp);
  }
  const recall: number[] = [];
  const precision: number[] = [];
  let tpSum = 0;
  let fpSum = 0;
  for (let i = 0; i < tp.length; i++) {
    tpSum += tp[i]!;
    fpSum += fp[i]!;
    recall.push(npos > 0 ? tpSum / npos : 0);
    precision.push(tpSum / Math.max(tpSum + fpSum, EPS));
  }
  const defined = npos > 0;
  return {
    categoryId,
    npos,
    ndet: dets.length,
    ap11: defined ? vocAp11(recall, precision) : -1,
    apAll: defined ? vocApAll(recall, precision) : -1,
    recall,
    precision,
  };
}

function isDifficult(gt: EvalGroundTruth): boolean {
  return gt.difficult || gt.iscrowd || gt.ignored === true;
}

/** The devkit's IoU: boxes as inclusive pixel ranges (+1 on each side length). */
export function vocIou(
  a: readonly [number, number, number, number],
  b: readonly [number, number, number, number],
): number {
  const [ax1, ay1, ax2, ay2] = [a[0], a[1], a[0] + a[2], a[1] + a[3]];
  const [bx1, by1, bx2, by2] = [b[0], b[1], b[0] + b[2], b[1] + b[3]];
  const iw = Math.max(Math.min(ax2, bx2) - Math.max(ax1, bx1) + 1, 0);
  const ih = Math.max(Math.min(ay2, by2) - Math.max(ay1, by1) + 1, 0);
  const inter = iw * ih;
  const union = (ax2 - ax1 + 1) * (ay2 - ay1 + 1) + (bx2 - bx1 + 1) * (by2 - by1 + 1) - inter;
  return inter / union;
}

/** VOC2007's 11-point AP: recall thresholds np.arange(0, 1.1, 0.1). */
export function vocAp11(recall: readonly number[], precision: readonly number[]): number {
  let ap = 0;
  for (let i = 0; i <= 10; i++) {
    const t = i * 0.1;
    let p = 0;
    for (let j = 0; j < recall.length; j++)
      if (recall[j]! >= t && precision[j]! > p) p = precision[j]!;
    ap += p / 11;
  }
  return ap;
}

/** VOC2010+ AP: area under the precision envelope, summed where recall changes. */
export function vocApAll(recall: readonly number[], precision: readonly number[]): number {
  const mrec = [0, ...recall, 1];
  const mpre = [0, ...precision, 0];
  for (let i = mpre.length - 1; i > 0; i--) mpre[i - 1] = Math.max(mpre[i - 1]!, mpre[i]!);
  let ap = 0;
  for (let i = 0; i < mrec.length - 1; i++)
    if (mrec[i + 1] !== mrec[i]) ap += (mrec[i + 1]! - mrec[i]!) * mpre[i + 1]!;
  return ap;
}
