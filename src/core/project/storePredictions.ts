import { iouPair } from '../../shared/ssd/iou';
import type { ModelBox } from '../db/annotationRepo';
import type { StepWriter } from '../db/editHistory';
import type { ProjectDb } from '../db/projectDb';

/**
 * A new prediction overlapping a box a person decided on (accepted, edited, manual, imported or
 * rejected) of the same class at this IoU or more is not stored (DESIGN.md §6): re-detection never
 * duplicates a label and never brings back what a person rejected.
 */
export const DECIDED_OVERLAP_IOU = 0.7;

export interface StoredPredictions {
  stored: number;
  /** Older pending predictions of the same model that were removed. */
  replaced: number;
  /** New predictions dropped because they overlap a decided box of their class. */
  merged: number;
}

/**
 * Writes one model's predictions for one image inside a history step: that model's older pending
 * predictions go, decided boxes stay, new boxes overlapping a decided one are dropped, and the
 * image is marked as seen by a model (its state can become 'nothing-found').
 */
export function storePredictions(
  project: ProjectDb,
  w: StepWriter,
  target: { imageId: number; modelId: number; runId: number },
  boxes: readonly ModelBox[],
): StoredPredictions {
  const existing = project.annotations.ofImage(target.imageId);
  const decided = existing.filter((a) => a.review !== 'pending');
  let replaced = 0;
  for (const a of existing) {
    if (a.origin === 'model' && a.modelId === target.modelId && a.review === 'pending') {
      w.deleteAnnotation(a.id);
      replaced++;
    }
  }
  const decidedFlat = Float32Array.from(decided.flatMap((a) => [a.x1, a.y1, a.x2, a.y2]));
  const one = new Float32Array(4);
  let stored = 0;
  let merged = 0;
  for (const b of boxes) {
    one.set([b.x1, b.y1, b.x2, b.y2]);
    const overlaps = decided.some(
      (d, j) => d.classId === b.classId && iouPair(one, 0, decidedFlat, j) >= DECIDED_OVERLAP_IOU,
    );
    if (overlaps) {
      merged++;
      continue;
    }
    w.insertAnnotation({
      imageId: target.imageId,
      classId: b.classId,
      x1: b.x1,
      y1: b.y1,
      x2: b.x2,
      y2: b.y2,
      origin: 'model',
      review: 'pending',
      modelId: target.modelId,
      runId: target.runId,
      score: b.score,
    });
    stored++;
  }
  w.setImageMarks(target.imageId, { detected: 1 });
  return { stored, replaced, merged };
}

/**
 * One model's predictions for one image as their own undo step (predictions recorded elsewhere,
 * e.g. a detections file, and tests): the same rule and path as a detection run.
 */
export function recordPredictions(
  project: ProjectDb,
  target: { imageId: number; modelId: number; runId: number },
  boxes: readonly ModelBox[],
  label = 'detect image',
): StoredPredictions {
  return project.history.record(label, (w) => storePredictions(project, w, target, boxes));
}
