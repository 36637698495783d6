import { describe, expect, it } from 'vitest';
import type { EvalDataset, XywhBox } from '../../../src/shared/eval/dataset';
import { errorBreakdown } from '../../../src/shared/eval/errorBreakdown';

const gt = (id: number, categoryId: number, bbox: XywhBox, iscrowd = false) => ({
  id,
  imageId: 1,
  categoryId,
  bbox,
  area: bbox[2] * bbox[3],
  iscrowd,
  difficult: false,
});

describe('error breakdown', () => {
  it('names each kind of detection and the missed box', () => {
    const data: EvalDataset = {
      imageIds: [1],
      categories: [
        { id: 1, name: 'cat' },
        { id: 2, name: 'dog' },
      ],
      groundTruth: [
        gt(1, 1, [0, 0, 100, 100]),
        gt(2, 2, [300, 300, 100, 100]),
        gt(3, 1, [600, 0, 100, 100], true),
      ],
      detections: [
        { imageId: 1, categoryId: 1, bbox: [0, 0, 100, 100], score: 0.9 }, // correct
        { imageId: 1, categoryId: 1, bbox: [5, 5, 100, 100], score: 0.8 }, // duplicate
        { imageId: 1, categoryId: 2, bbox: [0, 0, 100, 100], score: 0.7 }, // wrong class
        { imageId: 1, categoryId: 1, bbox: [60, 0, 100, 100], score: 0.6 }, // IoU 40/160: localisation
        { imageId: 1, categoryId: 1, bbox: [1000, 1000, 10, 10], score: 0.5 }, // background
        { imageId: 1, categoryId: 1, bbox: [610, 10, 50, 50], score: 0.4 }, // inside the crowd
      ],
    };
    const r = errorBreakdown(data);
    const kinds = r.verdicts.sort((a, b) => a.detection - b.detection).map((v) => v.kind);
    expect(kinds).toEqual([
      'correct',
      'duplicate',
      'wrongClass',
      'localisation',
      'background',
      'ignored',
    ]);
    expect(r.missed).toEqual([1]); // the dog (index 1); the crowd is never missed
    expect(r.counts.missed).toBe(1);
    expect(r.perCategory.get(2)).toMatchObject({ wrongClass: 1, missed: 1 });
  });
});
