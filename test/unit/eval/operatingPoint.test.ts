import { describe, expect, it } from 'vitest';
import type { EvalDataset, EvalDetection, XywhBox } from '../../../src/shared/eval/dataset';
import { errorBreakdown } from '../../../src/shared/eval/errorBreakdown';
import { bestF1OperatingPoint } from '../../../src/shared/eval/operatingPoint';
import { seededRandom } from '../../../src/core/bench/seededRandom';

const gt = (id: number, imageId: number, bbox: XywhBox, iscrowd = false) => ({
  id,
  imageId,
  categoryId: 1,
  bbox,
  area: bbox[2] * bbox[3],
  iscrowd,
  difficult: false,
});
const det = (imageId: number, bbox: XywhBox, score: number): EvalDetection => ({
  imageId,
  categoryId: 1,
  bbox,
  score,
});
const dataset = (groundTruth: EvalDataset['groundTruth'], detections: EvalDetection[]) => ({
  imageIds: [1, 2],
  categories: [{ id: 1, name: 'raccoon' }],
  groundTruth,
  detections,
});

/** F1 at threshold t, by filtering the detections and matching them afresh. */
function f1At(data: EvalDataset, t: number): number {
  const kept = { ...data, detections: data.detections.filter((d) => d.score >= t) };
  const r = errorBreakdown(kept);
  const hits = r.counts.correct;
  const alarms = kept.detections.length - hits - r.counts.ignored;
  return (2 * hits) / (hits + alarms + r.counts.correct + r.counts.missed);
}

describe('the operating point of best F1', () => {
  it('keeps the detections down to the score where F1 peaks, and sets the threshold midway below it', () => {
    const data = dataset(
      [gt(1, 1, [0, 0, 100, 100]), gt(2, 1, [300, 0, 100, 100]), gt(3, 2, [0, 0, 50, 50])],
      [
        det(1, [0, 0, 100, 100], 0.9), // hit
        det(1, [700, 700, 50, 50], 0.8), // background
        det(1, [300, 0, 100, 100], 0.7), // hit
        det(1, [2, 2, 100, 100], 0.6), // duplicate
        det(2, [0, 0, 50, 50], 0.3), // hit
        det(2, [400, 400, 50, 50], 0.2), // background
      ],
    );
    // F1 down the scores: .5, .4, .667, .571, .75 (3 hits, 2 false alarms), .667.
    const p = bestF1OperatingPoint(data, 0.01)!;
    expect(p.threshold).toBeCloseTo(0.25, 12);
    expect(p).toMatchObject({ hits: 3, falseAlarms: 2, positives: 3 });
    expect(p.precision).toBeCloseTo(0.6, 12);
    expect(p.recall).toBe(1);
    expect(p.f1).toBeCloseTo(0.75, 12);
  });

  it('decides equal scores together, never between them; a detection on a crowd counts for nothing', () => {
    const data = dataset(
      [gt(1, 1, [0, 0, 100, 100]), gt(2, 1, [500, 500, 200, 200], true)],
      [
        det(1, [0, 0, 100, 100], 0.5), // hit
        det(1, [300, 0, 50, 50], 0.5), // background, same score
        det(1, [520, 520, 50, 50], 0.9), // inside the crowd: ignored
      ],
    );
    const p = bestF1OperatingPoint(data)!;
    expect(p).toMatchObject({ hits: 1, falseAlarms: 1, positives: 1 });
    expect(p.threshold).toBe(0.25); // midway to the floor: nothing lower was seen
  });

  it('has no operating point without boxes to find or without a single hit', () => {
    expect(bestF1OperatingPoint(dataset([], [det(1, [0, 0, 10, 10], 0.9)]))).toBeUndefined();
    expect(
      bestF1OperatingPoint(
        dataset([gt(1, 1, [0, 0, 100, 100])], [det(1, [500, 500, 10, 10], 0.9)]),
      ),
    ).toBeUndefined();
  });

  it('is the best F1 over every threshold, as matching each filtered set afresh finds it', () => {
    const rand = seededRandom(7);
    for (let trial = 0; trial < 40; trial++) {
      const boxes: XywhBox[] = Array.from({ length: 6 }, () => [
        Math.round(rand() * 400),
        Math.round(rand() * 400),
        20 + Math.round(rand() * 80),
        20 + Math.round(rand() * 80),
      ]);
      const groundTruth = boxes.map((b, i) =>
        gt(i + 1, (i % 2) + 1, b, i === 5 && trial % 3 === 0),
      );
      const detections = Array.from({ length: 14 }, (_, k) => {
        const near = boxes[k % boxes.length]!;
        const jitter = () => Math.round((rand() - 0.5) * 40);
        const box: XywhBox =
          rand() < 0.7
            ? [near[0] + jitter(), near[1] + jitter(), near[2], near[3]]
            : [rand() * 400, rand() * 400, 30, 30];
        // Scores on a coarse grid, so that ties happen.
        return det((k % 2) + 1, box, Math.round(rand() * 10) / 10);
      });
      const data = dataset(groundTruth, detections);
      const p = bestF1OperatingPoint(data);
      const scores = [...new Set(detections.map((d) => d.score))];
      const brute = Math.max(0, ...scores.map((s) => f1At(data, s)));
      if (!p) {
        expect(brute).toBe(0);
        continue;
      }
      expect(p.f1).toBeCloseTo(brute, 12);
      expect(f1At(data, p.threshold)).toBeCloseTo(p.f1, 12);
    }
  });
});
