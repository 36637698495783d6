import { describe, expect, it } from 'vitest';
import type { EvalDataset } from '../../../src/shared/eval/dataset';
import { evaluateDetections } from '../../../src/shared/eval/evaluate';
import {
  downsample,
  evaluationRecords,
  MAX_CURVE_POINTS,
  storedClasses,
} from '../../../src/shared/eval/storedEvaluation';

describe('stored evaluations', () => {
  it('downsample keeps short curves whole and cuts long ones to 101 points, both ends kept', () => {
    expect(downsample([1, 2, 3])).toEqual([1, 2, 3]);
    const long = Array.from({ length: 1000 }, (_, i) => i);
    const cut = downsample(long);
    expect(cut).toHaveLength(MAX_CURVE_POINTS);
    expect(cut[0]).toBe(0);
    expect(cut.at(-1)).toBe(999);
    expect(cut).toEqual([...cut].sort((a, b) => a - b));
  });

  it('records every wrong detection and every miss with its box in x1,y1,x2,y2', () => {
    const data: EvalDataset = {
      imageIds: [7, 8],
      categories: [
        { id: 1, name: 'face' },
        { id: 2, name: 'hand' },
      ],
      groundTruth: [
        {
          id: 1,
          imageId: 7,
          categoryId: 1,
          bbox: [10, 10, 100, 100],
          area: 1e4,
          iscrowd: false,
          difficult: false,
        },
        {
          id: 2,
          imageId: 8,
          categoryId: 1,
          bbox: [0, 0, 50, 50],
          area: 2500,
          iscrowd: false,
          difficult: false,
        },
      ],
      detections: [
        { imageId: 7, categoryId: 1, bbox: [10, 10, 100, 100], score: 0.9 }, // correct
        { imageId: 7, categoryId: 1, bbox: [12, 12, 100, 100], score: 0.8 }, // duplicate
        { imageId: 7, categoryId: 2, bbox: [10, 10, 100, 100], score: 0.7 }, // wrong class
        { imageId: 8, categoryId: 1, bbox: [300, 300, 20, 20], score: 0.6 }, // background
      ],
      imageNames: new Map([
        [7, 'a.jpg'],
        [8, 'b.jpg'],
      ]),
    };
    const result = evaluateDetections(data);
    const records = evaluationRecords(data, result);
    expect(records.map((r) => [r.image, r.className, r.kind, r.score])).toEqual([
      ['a.jpg', 'face', 'duplicate', 0.8],
      ['a.jpg', 'hand', 'wrongClass', 0.7],
      ['b.jpg', 'face', 'background', 0.6],
      ['b.jpg', 'face', 'missed', null],
    ]);
    expect(records[2]!.box).toEqual({ x1: 300, y1: 300, x2: 320, y2: 320 });
    expect(records[3]!.box).toEqual({ x1: 0, y1: 0, x2: 50, y2: 50 });
    const face = storedClasses(result).find((c) => c.name === 'face')!;
    expect(face.pr50).toHaveLength(101);
    expect(face.vocRecall).toHaveLength(face.ndet);
  });
});
