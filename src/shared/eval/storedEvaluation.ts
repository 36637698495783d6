/**
 * A stored evaluation: what a project keeps of one evaluate job (src/core/db/evaluationRepo.ts)
 * and what the UI reads back. Derived data, not labels: it can be deleted and run again.
 */
import type { Box } from '../project/types';
import type { Split } from '../project/splits';
import type { EvalDataset, XywhBox } from './dataset';
import type { DetectionKind } from './errorBreakdown';
import type { EvaluationResult, EvaluationSummaryJson } from './evaluate';

/** Most points a stored PR curve keeps (COCO's own curves have 101). */
export const MAX_CURVE_POINTS = 101;

/** What a record is: a detection that went wrong, or a ground-truth box no detection found. */
export const EVALUATION_RECORD_KINDS = [
  'duplicate',
  'wrongClass',
  'localisation',
  'background',
  'missed',
] as const;
export type EvaluationRecordKind = (typeof EVALUATION_RECORD_KINDS)[number];

/** One false positive or miss, on one image of the project. */
export interface EvaluationRecord {
  imageId: number;
  /** The image's path under the image root. */
  image: string;
  className: string;
  /** x1,y1,x2,y2 in image pixels. */
  box: Box;
  kind: EvaluationRecordKind;
  /** Detections only. */
  score: number | null;
  /** IoU with the box that decided the kind (detections only; 0 for background). */
  iou: number | null;
}

export interface StoredEvaluationClass {
  categoryId: number;
  name: string;
  cocoAP: number;
  ap11: number;
  apAll: number;
  npos: number;
  ndet: number;
  /** COCO's interpolated precision at `recallThresholds`, IoU 0.5 and 0.75 (−1: no ground truth). */
  pr50: number[];
  pr75: number[];
  /** VOC's raw curve (recall, precision after each detection), at most MAX_CURVE_POINTS of it. */
  vocRecall: number[];
  vocPrecision: number[];
}

/** A stored evaluation as listed. */
export interface EvaluationSummary {
  id: number;
  model: string;
  /** sha256 of the model's ONNX file: two versions of one name are told apart. */
  modelSha256: string;
  /** null: every settled image. */
  split: Split | null;
  createdAt: string;
  jobId: number | null;
  images: number;
  groundTruth: number;
  detections: number;
  AP: number;
  AP50: number;
  mAPAll: number;
}

export type ErrorCounts = Record<DetectionKind | 'missed', number>;

/** One stored evaluation in full (the record lists capped; the totals count all of them). */
export interface StoredEvaluation extends EvaluationSummary {
  /** The `shotbox eval --json` document. */
  summary: EvaluationSummaryJson;
  errorCounts: ErrorCounts;
  recallThresholds: number[];
  classes: StoredEvaluationClass[];
  /** Wrong detections, highest score first. */
  falsePositives: EvaluationRecord[];
  falsePositiveTotal: number;
  /** Missed ground truth, in image order. */
  misses: EvaluationRecord[];
  missTotal: number;
}

/** Every point if there are few; else MAX_CURVE_POINTS evenly spaced ones, ends included. */
export function downsample<T>(points: readonly T[], max = MAX_CURVE_POINTS): T[] {
  if (points.length <= max) return [...points];
  const out: T[] = [];
  for (let i = 0; i < max; i++)
    out.push(points[Math.round((i * (points.length - 1)) / (max - 1))]!);
  return out;
}

function xyxy(b: XywhBox): Box {
  return { x1: b[0], y1: b[1], x2: b[0] + b[2], y2: b[1] + b[3] };
}

/** The per-class part of a result, with curves cut to what is stored. */
export function storedClasses(result: EvaluationResult): StoredEvaluationClass[] {
  return result.classes.map((c) => {
    const keep = downsample(c.vocRecall.map((_, i) => i));
    return {
      categoryId: c.categoryId,
      name: c.name,
      cocoAP: c.cocoAP,
      ap11: c.ap11,
      apAll: c.apAll,
      npos: c.npos,
      ndet: c.ndet,
      pr50: downsample(c.cocoCurve50),
      pr75: downsample(c.cocoCurve75),
      vocRecall: keep.map((i) => c.vocRecall[i]!),
      vocPrecision: keep.map((i) => c.vocPrecision[i]!),
    };
  });
}

/**
 * Every wrong detection and every missed box of a result, as records (the result's own lists are
 * capped at ERROR_EXAMPLES; a stored evaluation keeps all of them). Image ids are the project's.
 */
export function evaluationRecords(data: EvalDataset, result: EvaluationResult): EvaluationRecord[] {
  const names = new Map(data.categories.map((c) => [c.id, c.name]));
  const image = (id: number | string): string => data.imageNames?.get(id) ?? String(id);
  const records: EvaluationRecord[] = [];
  for (const v of result.errors.verdicts) {
    if (v.kind === 'correct' || v.kind === 'ignored') continue;
    const d = data.detections[v.detection]!;
    records.push({
      imageId: Number(d.imageId),
      image: image(d.imageId),
      className: names.get(d.categoryId) ?? String(d.categoryId),
      box: xyxy(d.bbox),
      kind: v.kind,
      score: d.score,
      iou: v.iou,
    });
  }
  for (const g of result.errors.missed) {
    const gt = data.groundTruth[g]!;
    records.push({
      imageId: Number(gt.imageId),
      image: image(gt.imageId),
      className: names.get(gt.categoryId) ?? String(gt.categoryId),
      box: xyxy(gt.bbox),
      kind: 'missed',
      score: null,
      iou: null,
    });
  }
  return records;
}
