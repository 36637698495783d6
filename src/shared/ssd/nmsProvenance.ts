/**
 * Which candidates NMS suppressed in favour of each detection: the same passes as
 * `selectDetections` (per class, or one class-agnostic pass; candidates above the score
 * threshold, best `perClassCandidates` by score, greedy suppression at IoU > threshold), with
 * each suppressed candidate credited to the first kept box (in score order) that overlapped it.
 */
import { iouPair } from './iou';
import {
  DEFAULT_BACKGROUND_INDEX,
  DEFAULT_NMS_IOU_THRESHOLD,
  DEFAULT_PER_CLASS_CANDIDATES,
  DEFAULT_SCORE_THRESHOLD,
  DEFAULT_TOP_K,
  type Detections,
  type SelectDetectionsInput,
} from './nms';

export interface SuppressedCandidate {
  prior: number;
  score: number;
  /** IoU with the detection that suppressed it. */
  iou: number;
}

/**
 * @param dets the output of `selectDetections(input)` (classes as score columns).
 * @returns per detection, the candidates it suppressed, by descending score.
 */
export function suppressedBy(
  input: SelectDetectionsInput,
  dets: Detections,
): SuppressedCandidate[][] {
  const { boxes, scores, numClasses: c } = input;
  const n = boxes.length / 4;
  const background =
    input.backgroundIndex === undefined ? DEFAULT_BACKGROUND_INDEX : input.backgroundIndex;
  const classes =
    input.classes ?? Array.from({ length: c }, (_, k) => k).filter((k) => k !== background);
  const thr = input.scoreThreshold ?? DEFAULT_SCORE_THRESHOLD;
  const iouThr = input.iouThreshold ?? DEFAULT_NMS_IOU_THRESHOLD;
  const perClass = input.perClassCandidates ?? DEFAULT_PER_CLASS_CANDIDATES;
  const topK = input.topK ?? DEFAULT_TOP_K;
  const out: SuppressedCandidate[][] = Array.from({ length: dets.count }, () => []);
  const detOf = new Map<string, number>();
  for (let i = 0; i < dets.count; i++) {
    detOf.set(`${dets.priors[i]}:${input.classAgnostic ? '*' : dets.classes[i]}`, i);
  }

  const pass = (score: (p: number) => number, cls: number | '*'): void => {
    const cand: number[] = [];
    for (let p = 0; p < n; p++) if (score(p) > thr) cand.push(p);
    cand.sort((a, b) => score(b) - score(a) || a - b);
    const kept: number[] = [];
    for (const p of cand.slice(0, perClass)) {
      if (kept.length >= topK) break;
      const by = kept.find((q) => iouPair(boxes, p, boxes, q) > iouThr);
      if (by === undefined) {
        kept.push(p);
        continue;
      }
      const d = detOf.get(`${by}:${cls}`);
      if (d !== undefined)
        out[d]!.push({ prior: p, score: score(p), iou: iouPair(boxes, p, boxes, by) });
    }
  };
  if (input.classAgnostic) {
    pass((p) => Math.max(...classes.map((k) => scores[p * c + k]!)), '*');
  } else {
    for (const k of classes) pass((p) => scores[p * c + k]!, k);
  }
  return out;
}
