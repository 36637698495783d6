/**
 * The score threshold at which a model's detections are best used on a labelled set: the one of
 * highest F1 (the harmonic mean of precision and recall) at IoU 0.5. What counts as a hit is
 * errorBreakdown's `correct` (greedy matching in score order, as COCO and VOC match at 0.5);
 * detections on crowd, difficult or ignored boxes are neither hits nor false alarms, and those
 * boxes are never misses.
 *
 * The detections kept at a threshold t are those scoring ≥ t (the postprocess rule). Matching goes
 * in score order, so which of them are hits does not depend on the lower ones: one pass down the
 * scores gives every threshold's precision and recall.
 */
import type { EvalDataset } from './dataset';
import { errorBreakdown } from './errorBreakdown';

export interface OperatingPoint {
  /**
   * Midway between the lowest score kept and the highest score dropped (or `floor`), so a score
   * that moves a little between runs does not change which side of it a detection falls.
   */
  threshold: number;
  precision: number;
  recall: number;
  f1: number;
  /** Detections kept that found a box. */
  hits: number;
  /** Detections kept that found none (duplicates, wrong class, badly placed, background). */
  falseAlarms: number;
  /** Boxes that count (not crowd, difficult or ignored). */
  positives: number;
}

/**
 * The operating point of highest F1 over `data` (equal F1: the higher threshold, fewer boxes to
 * review). `floor` is the lowest score the detections were read at: the threshold is never below
 * it. Undefined when there is nothing to find or nothing was found.
 */
export function bestF1OperatingPoint(data: EvalDataset, floor = 0): OperatingPoint | undefined {
  const breakdown = errorBreakdown(data);
  const positives = breakdown.counts.correct + breakdown.counts.missed;
  if (positives === 0) return undefined;
  const judged = breakdown.verdicts
    .filter((v) => v.kind !== 'ignored')
    .map((v) => ({ score: data.detections[v.detection]!.score, hit: v.kind === 'correct' }))
    .sort((a, b) => b.score - a.score);

  let best: { index: number; hits: number; falseAlarms: number; f1: number } | undefined;
  let hits = 0;
  let falseAlarms = 0;
  for (let i = 0; i < judged.length; i++) {
    if (judged[i]!.hit) hits++;
    else falseAlarms++;
    // A threshold keeps every detection of equal score: decide only after the last of them.
    if (i + 1 < judged.length && judged[i + 1]!.score === judged[i]!.score) continue;
    const f1 = (2 * hits) / (hits + falseAlarms + positives);
    if (hits > 0 && (!best || f1 > best.f1)) best = { index: i, hits, falseAlarms, f1 };
  }
  if (!best) return undefined;
  const kept = judged[best.index]!.score;
  const dropped = judged[best.index + 1]?.score ?? floor;
  return {
    threshold: Math.max(floor, (kept + dropped) / 2),
    precision: best.hits / (best.hits + best.falseAlarms),
    recall: best.hits / positives,
    f1: best.f1,
    hits: best.hits,
    falseAlarms: best.falseAlarms,
    positives,
  };
}
