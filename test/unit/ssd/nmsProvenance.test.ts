import { describe, expect, it } from 'vitest';
import { selectDetections } from '../../../src/shared/ssd/nms';
import { suppressedBy } from '../../../src/shared/ssd/nmsProvenance';

const f = (...v: number[]): Float32Array => new Float32Array(v);

describe('suppressedBy', () => {
  it('credits each suppressed candidate to the first kept box that overlapped it', () => {
    // Priors 0 and 1 overlap (IoU 0.8), 2 is apart, 3 overlaps 2 a little (IoU 0.25).
    const boxes = f(0, 0, 1, 1, 0, 0, 1, 0.8, 2, 2, 3, 3, 2.75, 2, 3.75, 3);
    // Background column 0, one class in column 1.
    const scores = f(0.1, 0.9, 0.2, 0.8, 0.3, 0.7, 0.4, 0.6);
    const input = { boxes, scores, numClasses: 2, scoreThreshold: 0.5, iouThreshold: 0.45 };
    const dets = selectDetections(input);
    expect(Array.from(dets.priors)).toEqual([0, 2, 3]);
    const s = suppressedBy(input, dets);
    expect(s[0]!.map((c) => c.prior)).toEqual([1]);
    expect(s[0]![0]!.score).toBeCloseTo(0.8, 6);
    expect(s[0]![0]!.iou).toBeCloseTo(0.8, 6);
    expect(s[1]).toEqual([]);
    expect(s[2]).toEqual([]);
  });

  it('class-agnostic: one pass over each prior’s best class', () => {
    const boxes = f(0, 0, 1, 1, 0, 0, 1, 0.9);
    const scores = f(0.9, 0.1, 0.2, 0.7);
    const input = {
      boxes,
      scores,
      numClasses: 2,
      backgroundIndex: null,
      scoreThreshold: 0.5,
      iouThreshold: 0.5,
      classAgnostic: true,
    };
    const dets = selectDetections(input);
    expect(dets.count).toBe(1);
    expect(suppressedBy(input, dets)[0]!.map((c) => c.prior)).toEqual([1]);
  });
});
