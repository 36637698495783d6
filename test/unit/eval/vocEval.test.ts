import { describe, expect, it } from 'vitest';
import type { EvalDataset, XywhBox } from '../../../src/shared/eval/dataset';
import { evaluateVoc, vocAp11, vocApAll, vocIou } from '../../../src/shared/eval/vocEval';

describe('VOC AP (hand-checked answers)', () => {
  it('11-point and all-point AP of recall [0.5, 1], precision [1, 0.5]', () => {
    // 11-point: recall 0…0.5 (6 points) precision 1, 0.6…1 (5 points) 0.5 → 8.5 / 11.
    expect(vocAp11([0.5, 1], [1, 0.5])).toBeCloseTo(8.5 / 11, 12);
    // All points: 0.5 × 1 + 0.5 × 0.5.
    expect(vocApAll([0.5, 1], [1, 0.5])).toBeCloseTo(0.75, 12);
  });

  it("IoU uses the devkit's inclusive pixels (+1 on each side)", () => {
    // x 0..10 and 5..15: 6 × 11 = 66 shared pixels of 121 + 121 − 66.
    expect(vocIou([0, 0, 10, 10], [5, 0, 10, 10])).toBeCloseTo(66 / 176, 12);
    expect(vocIou([3, 4, 10, 20], [3, 4, 10, 20])).toBe(1);
  });

  const box = (imageId: number, bbox: XywhBox, difficult = false) => ({
    id: 1,
    imageId,
    categoryId: 1,
    bbox,
    area: bbox[2] * bbox[3],
    iscrowd: false,
    difficult,
  });

  it('a detection on a difficult box is neither true nor false positive', () => {
    const data: EvalDataset = {
      imageIds: [1],
      categories: [{ id: 1, name: 'a' }],
      groundTruth: [box(1, [0, 0, 50, 50]), box(1, [100, 100, 50, 50], true)],
      detections: [
        { imageId: 1, categoryId: 1, bbox: [100, 100, 50, 50], score: 0.9 },
        { imageId: 1, categoryId: 1, bbox: [0, 0, 50, 50], score: 0.8 },
      ],
    };
    const r = evaluateVoc(data);
    expect(r.perClass[0]!.npos).toBe(1);
    expect(r.perClass[0]!.apAll).toBe(1);
    expect(r.perClass[0]!.ap11).toBeCloseTo(1, 12);
  });

  it('boxes of negative size: the +1 formula as voc_eval has it, and a 0/0 IoU makes the detection a false positive (np.max is NaN)', () => {
    // Width -0.5 is 0.5 inclusive pixels: two equal such boxes overlap at IoU 1. Against the
    // second box (width -2, height 0: area (−1)·1) the union is 1 − 1 − 0 = 0.
    expect(vocIou([300, 300, -0.5, 1], [300, 300, -0.5, 1])).toBe(1);
    expect(vocIou([300, 300, -0.5, 1], [300, 300, -2, 0])).toBeNaN();
    const det = { imageId: 1, categoryId: 1, bbox: [300, 300, -0.5, 1] as XywhBox, score: 0.9 };
    const alone: EvalDataset = {
      imageIds: [1],
      categories: [{ id: 1, name: 'a' }],
      groundTruth: [box(1, [300, 300, -0.5, 1])],
      detections: [det],
    };
    expect(evaluateVoc(alone).perClass[0]!.apAll).toBe(1);
    const withNaN = { ...alone, groundTruth: [...alone.groundTruth, box(1, [300, 300, -2, 0])] };
    expect(evaluateVoc(withNaN).perClass[0]!.apAll).toBe(0);
  });

  it('the IoU must exceed 0.5 strictly; a second detection on a found box is a false positive', () => {
    const data: EvalDataset = {
      imageIds: [1],
      categories: [
        { id: 1, name: 'a' },
        { id: 2, name: 'b' },
      ],
      groundTruth: [box(1, [0, 0, 99, 99])],
      detections: [
        // 100-pixel-wide boxes shifted by 100/3 pixels: IoU = (200/3) / (400/3) = 0.5 exactly.
        { imageId: 1, categoryId: 1, bbox: [100 / 3, 0, 99, 99], score: 0.9 },
        { imageId: 1, categoryId: 1, bbox: [0, 0, 99, 99], score: 0.8 },
        { imageId: 1, categoryId: 1, bbox: [1, 0, 99, 99], score: 0.7 },
      ],
    };
    const r = evaluateVoc(data);
    const a = r.perClass[0]!;
    expect(a.recall).toEqual([0, 1, 1]);
    expect(a.precision.map((p) => +p.toFixed(12))).toEqual([0, 0.5, +(1 / 3).toFixed(12)]);
    // Class b has no ground truth: no AP, and it is left out of the mean.
    expect(r.perClass[1]!.apAll).toBe(-1);
    expect(r.mAPAll).toBeCloseTo(0.5, 12);
  });
});
