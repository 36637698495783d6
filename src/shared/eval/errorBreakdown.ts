/**
 * What went wrong with each detection, in the spirit of TIDE (Bolya et al., ECCV 2020) with its
 * thresholds: foreground IoU 0.5, background IoU 0.1 (COCO IoU, crowd IoU = intersection /
 * detection area). Detections are taken per image in score order (stable) and each gets the
 * first kind that applies:
 *
 * 1. `correct`: IoU ≥ 0.5 with a ground truth of its class that no higher-scoring detection
 *    took (the one of highest IoU is taken), as in COCO/VOC matching at 0.5;
 * 2. `duplicate`: IoU ≥ 0.5 with a ground truth of its class that was already taken;
 * 3. `ignored`: IoU ≥ 0.5 with a crowd or difficult box of its class (scored by neither metric);
 * 4. `wrongClass`: IoU ≥ 0.5 with a ground truth of another class;
 * 5. `localisation`: 0.1 ≤ IoU < 0.5 with a ground truth of its class;
 * 6. `background`: everything else (IoU < 0.1 with its class, < 0.5 with any other).
 *
 * A ground truth that is neither crowd nor difficult and no detection took is `missed`. Every
 * detection counts (no per-image limit) and only categories of the dataset are judged.
 */
import { bboxIous } from './cocoEval';
import {
  stableOrderByScore,
  type EvalDataset,
  type EvalDetection,
  type EvalGroundTruth,
  type ImageId,
} from './dataset';

export const FOREGROUND_IOU = 0.5;
export const BACKGROUND_IOU = 0.1;

export const DETECTION_KINDS = [
  'correct',
  'duplicate',
  'ignored',
  'wrongClass',
  'localisation',
  'background',
] as const;
export type DetectionKind = (typeof DETECTION_KINDS)[number];

export interface DetectionVerdict {
  /** Index into `EvalDataset.detections`. */
  detection: number;
  kind: DetectionKind;
  /** Index into `EvalDataset.groundTruth` of the box that decided the kind (none for background). */
  groundTruth?: number;
  iou: number;
}

export interface ErrorBreakdown {
  verdicts: DetectionVerdict[];
  /** Indices into `EvalDataset.groundTruth` of the boxes no detection found. */
  missed: number[];
  counts: Record<DetectionKind | 'missed', number>;
  /** The same counts per category id. */
  perCategory: Map<number, Record<DetectionKind | 'missed', number>>;
}

export function errorBreakdown(data: EvalDataset): ErrorBreakdown {
  const images = new Set<ImageId>(data.imageIds);
  const categories = new Set(data.categories.map((c) => c.id));
  const gtByImage = groupByImage(data.groundTruth, images, categories);
  const dtByImage = groupByImage(data.detections, images, categories);
  const verdicts: DetectionVerdict[] = [];
  const missed: number[] = [];

  for (const imageId of images) {
    const gts = gtByImage.get(imageId) ?? [];
    const dtsIn = dtByImage.get(imageId) ?? [];
    const dts = stableOrderByScore(dtsIn.map((j) => data.detections[j]!.score)).map(
      (o) => dtsIn[o]!,
    );
    const gtBoxes = gts.map((g) => data.groundTruth[g]!);
    const ious = bboxIous(
      dts.map((d) => data.detections[d]!),
      gtBoxes,
    );
    const taken = new Uint8Array(gts.length);
    dts.forEach((d, row) => {
      const det = data.detections[d]!;
      const verdict = judge(
        det,
        gtBoxes,
        ious.subarray(row * gts.length, (row + 1) * gts.length),
        taken,
      );
      verdicts.push({
        detection: d,
        kind: verdict.kind,
        iou: verdict.iou,
        ...(verdict.g >= 0 ? { groundTruth: gts[verdict.g]! } : {}),
      });
    });
    gts.forEach((g, i) => {
      if (!taken[i] && !isIgnored(gtBoxes[i]!)) missed.push(g);
    });
  }

  const empty = (): Record<DetectionKind | 'missed', number> => ({
    correct: 0,
    duplicate: 0,
    ignored: 0,
    wrongClass: 0,
    localisation: 0,
    background: 0,
    missed: 0,
  });
  const counts = empty();
  const perCategory = new Map<number, Record<DetectionKind | 'missed', number>>();
  const bump = (categoryId: number, kind: DetectionKind | 'missed'): void => {
    counts[kind]++;
    let c = perCategory.get(categoryId);
    if (!c) perCategory.set(categoryId, (c = empty()));
    c[kind]++;
  };
  for (const v of verdicts) bump(data.detections[v.detection]!.categoryId, v.kind);
  for (const g of missed) bump(data.groundTruth[g]!.categoryId, 'missed');
  return { verdicts, missed, counts, perCategory };
}

function judge(
  det: EvalDetection,
  gts: readonly EvalGroundTruth[],
  ious: Float64Array,
  taken: Uint8Array,
): { kind: DetectionKind; g: number; iou: number } {
  const best = (accept: (g: EvalGroundTruth, i: number) => boolean): { g: number; iou: number } => {
    let g = -1;
    let iou = 0;
    for (let i = 0; i < gts.length; i++)
      if (accept(gts[i]!, i) && (g === -1 || ious[i]! > iou)) {
        g = i;
        iou = ious[i]!;
      }
    return { g, iou };
  };
  const sameClass = (g: EvalGroundTruth): boolean => g.categoryId === det.categoryId;

  const free = best((g, i) => sameClass(g) && !isIgnored(g) && !taken[i]);
  if (free.g >= 0 && free.iou >= FOREGROUND_IOU) {
    taken[free.g] = 1;
    return { kind: 'correct', ...free };
  }
  const done = best((g, i) => sameClass(g) && !isIgnored(g) && taken[i] === 1);
  if (done.g >= 0 && done.iou >= FOREGROUND_IOU) return { kind: 'duplicate', ...done };
  const ignored = best((g) => sameClass(g) && isIgnored(g));
  if (ignored.g >= 0 && ignored.iou >= FOREGROUND_IOU) return { kind: 'ignored', ...ignored };
  const other = best((g) => !sameClass(g) && !isIgnored(g));
  if (other.g >= 0 && other.iou >= FOREGROUND_IOU) return { kind: 'wrongClass', ...other };
  const near = best((g) => sameClass(g));
  if (near.g >= 0 && near.iou >= BACKGROUND_IOU) return { kind: 'localisation', ...near };
  const any = best(() => true);
  return { kind: 'background', g: -1, iou: any.g >= 0 ? any.iou : 0 };
}

function isIgnored(g: EvalGroundTruth): boolean {
  return g.iscrowd || g.ignored === true || g.difficult;
}

function groupByImage(
  items: readonly { imageId: ImageId; categoryId: number }[],
  images: Set<ImageId>,
  categories: Set<number>,
): Map<ImageId, number[]> {
  const out = new Map<ImageId, number[]>();
  items.forEach((item, i) => {
    if (!images.has(item.imageId) || !categories.has(item.categoryId)) return;
    const list = out.get(item.imageId);
    if (list) list.push(i);
    else out.set(item.imageId, [i]);
  });
  return out;
}
