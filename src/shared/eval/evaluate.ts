/**
 * One evaluation: COCO (pycocotools-exact), VOC at IoU 0.5 (07 and 2010+), per-class numbers,
 * PR curves and the error breakdown, from one dataset.
 */
import {
  evaluateCoco,
  precisionCurve,
  RECALL_THRESHOLDS,
  type CocoEvaluation,
  type CocoSummary,
} from './cocoEval';
import type { EvalDataset, ImageId, XywhBox } from './dataset';
import { errorBreakdown, type DetectionKind, type ErrorBreakdown } from './errorBreakdown';
import { evaluateVoc, type VocEvaluation } from './vocEval';

export interface ClassResult {
  categoryId: number;
  name: string;
  /** COCO AP .50:.95 (area all, 100 detections); −1 without ground truth. */
  cocoAP: number;
  /** VOC07 11-point and 2010+ all-point AP at IoU 0.5; −1 without ground truth. */
  ap11: number;
  apAll: number;
  /** Ground-truth boxes that count (VOC: not difficult) and detections of the class. */
  npos: number;
  ndet: number;
  /** COCO's interpolated precision at the 101 recall thresholds, IoU 0.5 and 0.75 (−1: no ground truth). */
  cocoCurve50: number[];
  cocoCurve75: number[];
  /** VOC's raw curve: recall and precision after each detection in score order. */
  vocRecall: number[];
  vocPrecision: number[];
}

/** One detection that went wrong, or one missed box, named for a person to look at. */
export interface ErrorExample {
  imageId: ImageId;
  /** The image's file name where known, else its id. */
  image: string;
  className: string;
  bbox: XywhBox;
  kind: Exclude<DetectionKind, 'correct' | 'ignored'> | 'missed';
  /** Detections only. */
  score?: number;
  /** IoU with the box that decided the kind (detections only). */
  iou?: number;
}

/** How many false positives and misses a result lists (the counts cover all of them). */
export const ERROR_EXAMPLES = 50;

export interface EvaluationResult {
  coco: CocoSummary;
  voc: { mAP11: number; mAPAll: number };
  classes: ClassResult[];
  errors: ErrorBreakdown;
  /** The highest-scoring detections that were not correct, best first (at most ERROR_EXAMPLES). */
  falsePositives: ErrorExample[];
  /** Missed ground-truth boxes in image order (at most ERROR_EXAMPLES). */
  misses: ErrorExample[];
  /** The recall axis of `cocoCurve50` / `cocoCurve75`. */
  recallThresholds: readonly number[];
  images: number;
  groundTruth: number;
  detections: number;
}

export function evaluateDetections(data: EvalDataset): EvaluationResult {
  const coco: CocoEvaluation = evaluateCoco(data);
  const voc: VocEvaluation = evaluateVoc(data);
  const names = new Map(data.categories.map((c) => [c.id, c.name]));
  const classes = coco.categoryIds.map((id, k): ClassResult => {
    const v = voc.perClass.find((r) => r.categoryId === id)!;
    return {
      categoryId: id,
      name: names.get(id) ?? String(id),
      cocoAP: coco.perCategoryAP[k]!,
      ap11: v.ap11,
      apAll: v.apAll,
      npos: v.npos,
      ndet: v.ndet,
      cocoCurve50: precisionCurve(coco, k, 0.5),
      cocoCurve75: precisionCurve(coco, k, 0.75),
      vocRecall: v.recall,
      vocPrecision: v.precision,
    };
  });
  const errors = errorBreakdown(data);
  const imageName = (id: ImageId): string => data.imageNames?.get(id) ?? String(id);
  const className = (id: number): string => names.get(id) ?? String(id);
  const falsePositives = errors.verdicts
    .filter((v) => v.kind !== 'correct' && v.kind !== 'ignored')
    .map((v) => ({ v, d: data.detections[v.detection]! }))
    .sort((a, b) => b.d.score - a.d.score)
    .slice(0, ERROR_EXAMPLES)
    .map(({ v, d }): ErrorExample => ({
      imageId: d.imageId,
      image: imageName(d.imageId),
      className: className(d.categoryId),
      bbox: d.bbox,
      kind: v.kind as ErrorExample['kind'],
      score: d.score,
      iou: v.iou,
    }));
  const misses = errors.missed.slice(0, ERROR_EXAMPLES).map((g): ErrorExample => {
    const gt = data.groundTruth[g]!;
    return {
      imageId: gt.imageId,
      image: imageName(gt.imageId),
      className: className(gt.categoryId),
      bbox: gt.bbox,
      kind: 'missed',
    };
  });
  return {
    coco: coco.summary,
    voc: { mAP11: voc.mAP11, mAPAll: voc.mAPAll },
    classes,
    errors,
    falsePositives,
    misses,
    recallThresholds: RECALL_THRESHOLDS,
    images: data.imageIds.length,
    groundTruth: data.groundTruth.length,
    detections: data.detections.length,
  };
}

/** The `shotbox eval --json` document. */
export interface EvaluationSummaryJson {
  coco: CocoSummary;
  voc: { mAP11: number; mAPAll: number };
  perClass: Record<
    string,
    { cocoAP: number; ap11: number; apAll: number; npos: number; ndet: number }
  >;
}

export function summaryJson(result: EvaluationResult): EvaluationSummaryJson {
  const perClass: EvaluationSummaryJson['perClass'] = {};
  for (const c of result.classes) {
    // Two categories may share a name; the later one keeps its id so neither is lost.
    const key = c.name in perClass ? `${c.name} (${c.categoryId})` : c.name;
    perClass[key] = { cocoAP: c.cocoAP, ap11: c.ap11, apAll: c.apAll, npos: c.npos, ndet: c.ndet };
  }
  return { coco: result.coco, voc: result.voc, perClass };
}
