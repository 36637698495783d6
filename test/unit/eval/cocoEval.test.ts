import { describe, expect, it } from 'vitest';
import { evaluateCoco } from '../../../src/shared/eval/cocoEval';
import type {
  EvalDataset,
  EvalDetection,
  EvalGroundTruth,
  XywhBox,
} from '../../../src/shared/eval/dataset';

let nextId = 1;
function gt(
  imageId: number,
  categoryId: number,
  bbox: XywhBox,
  extra: Partial<EvalGroundTruth> = {},
): EvalGroundTruth {
  return {
    id: nextId++,
    imageId,
    categoryId,
    bbox,
    area: bbox[2] * bbox[3],
    iscrowd: false,
    difficult: false,
    ...extra,
  };
}
function dt(imageId: number, categoryId: number, bbox: XywhBox, score: number): EvalDetection {
  return { imageId, categoryId, bbox, score };
}
function dataset(
  groundTruth: EvalGroundTruth[],
  detections: EvalDetection[],
  categories = [1],
): EvalDataset {
  const imageIds = [...new Set([...groundTruth, ...detections].map((a) => a.imageId))];
  return {
    imageIds,
    categories: categories.map((id) => ({ id, name: `c${id}` })),
    groundTruth,
    detections,
  };
}

/** Rounds away the np.spacing(1) pycocotools adds to every precision denominator. */
const r = (values: number[]): number[] => values.map((v) => Math.round(v * 1e12) / 1e12);

describe('COCO evaluation (hand-checked answers)', () => {
  it('a perfect detection gives AP 1 and AR 1 at every threshold', () => {
    const s = evaluateCoco(
      dataset([gt(1, 1, [10, 10, 50, 50])], [dt(1, 1, [10, 10, 50, 50], 0.9)]),
    ).summary;
    expect(r([s.AP, s.AP50, s.AP75, s.APm, s.AR1, s.AR100])).toEqual([1, 1, 1, 1, 1, 1]);
    // 50×50 = 2500 is medium: small and large have no ground truth.
    expect(r([s.APs, s.APl, s.ARs, s.ARl])).toEqual([-1, -1, -1, -1]);
  });

  it('a false positive scored above the true one halves AP (precision envelope 0.5 at every recall)', () => {
    const s = evaluateCoco(
      dataset(
        [gt(1, 1, [10, 10, 50, 50])],
        [dt(1, 1, [200, 200, 50, 50], 0.9), dt(1, 1, [10, 10, 50, 50], 0.8)],
      ),
    ).summary;
    expect(s.AP50).toBeCloseTo(0.5, 12);
    expect(s.AR100).toBe(1);
    // With one detection per image only the false positive is kept.
    expect(s.AR1).toBe(0);
  });

  it('IoU thresholds: a box at IoU 0.6 counts at .50, .55 and .60 (3 of 10 thresholds)', () => {
    // gt [0,0,100,100], det [25,0,100,100]: IoU 75/125 = 0.6.
    const s = evaluateCoco(
      dataset([gt(1, 1, [0, 0, 100, 100])], [dt(1, 1, [25, 0, 100, 100], 0.9)]),
    ).summary;
    expect(s.AP50).toBeCloseTo(1, 12);
    expect(s.AP75).toBe(0);
    expect(s.AP).toBeCloseTo(0.3, 12); // thresholds .50, .55, .60 (0.6 ≥ 0.6): 3 of 10
  });

  it('detections inside a crowd region are ignored, not false positives, however many', () => {
    const s = evaluateCoco(
      dataset(
        [gt(1, 1, [0, 0, 40, 40]), gt(1, 1, [100, 100, 300, 300], { iscrowd: true })],
        [
          dt(1, 1, [110, 110, 50, 50], 0.95),
          dt(1, 1, [200, 200, 50, 50], 0.94),
          dt(1, 1, [0, 0, 40, 40], 0.5),
        ],
      ),
    ).summary;
    expect(s.AP).toBeCloseTo(1, 12);
    expect(s.AR100).toBe(1);
  });

  it('a box of area exactly 32² counts as small and as medium (inclusive ends)', () => {
    const s = evaluateCoco(
      dataset([gt(1, 1, [0, 0, 32, 32])], [dt(1, 1, [0, 0, 32, 32], 0.9)]),
    ).summary;
    expect(r([s.APs, s.APm, s.APl])).toEqual([1, 1, -1]);
  });

  it('ground truth is binned by its area field, detections by width × height', () => {
    // Box 40×40 = 1600 (medium) but its mask area says 1000 (small).
    const s = evaluateCoco(
      dataset([gt(1, 1, [0, 0, 40, 40], { area: 1000 })], [dt(1, 1, [0, 0, 40, 40], 0.9)]),
    ).summary;
    expect(r([s.APs, s.APm])).toEqual([1, -1]);
  });

  it('categories without ground truth are left out of the mean; one without detections counts 0', () => {
    const e = evaluateCoco(
      dataset(
        [gt(1, 1, [0, 0, 50, 50]), gt(1, 3, [100, 100, 50, 50])],
        [dt(1, 1, [0, 0, 50, 50], 0.9), dt(1, 2, [300, 300, 20, 20], 0.9)],
        [1, 2, 3],
      ),
    );
    expect(r(e.perCategoryAP)).toEqual([1, -1, 0]);
    expect(e.summary.AP).toBeCloseTo(0.5, 12);
  });

  it('maxDets: two objects, one detection allowed → AR1 = 0.5, AR10 = 1', () => {
    const s = evaluateCoco(
      dataset(
        [gt(1, 1, [0, 0, 50, 50]), gt(1, 1, [100, 100, 50, 50])],
        [dt(1, 1, [0, 0, 50, 50], 0.9), dt(1, 1, [100, 100, 50, 50], 0.8)],
      ),
    ).summary;
    expect(r([s.AR1, s.AR10, s.AR100])).toEqual([0.5, 1, 1]);
  });

  it('equal scores keep file order, as numpy mergesort does (the order changes the AP)', () => {
    const truth = [gt(1, 1, [0, 0, 50, 50])];
    const hit = dt(1, 1, [0, 0, 50, 50], 0.7);
    const miss = dt(1, 1, [300, 300, 50, 50], 0.7);
    expect(evaluateCoco(dataset(truth, [hit, miss])).summary.AP50).toBeCloseTo(1, 12);
    expect(evaluateCoco(dataset(truth, [miss, hit])).summary.AP50).toBeCloseTo(0.5, 12);
  });

  it('string image ids sort by code point, as Python does: the order decides equal scores', () => {
    // U+FF71 before U+1F600 in Python; JavaScript's < puts the surrogate pair (U+D83D…) first.
    const [early, late] = ['\uff71', '\u{1f600}'];
    const truth: EvalGroundTruth = {
      ...gt(1, 1, [10, 10, 50, 50]),
      imageId: early,
    };
    const s = evaluateCoco({
      imageIds: [late, early],
      categories: [{ id: 1, name: 'a' }],
      groundTruth: [truth],
      detections: [
        { imageId: early, categoryId: 1, bbox: [10, 10, 50, 50], score: 0.5 },
        { imageId: late, categoryId: 1, bbox: [10, 10, 50, 50], score: 0.5 },
      ],
    }).summary;
    expect(s.AP).toBeCloseTo(1, 12); // pycocotools: 1.0 (the hit is accumulated first)
  });

  it('an annotation id used twice stands for its last annotation both times, as pycocotools loads it', () => {
    const first = { ...gt(1, 1, [10, 10, 50, 50]), id: 5 };
    const second = { ...gt(1, 1, [200, 200, 50, 50]), id: 5 };
    const hitFirst = [dt(1, 1, [10, 10, 50, 50], 0.9)];
    // pycocotools: AP 0 (two copies of the second box, the detection on the first matches none).
    expect(evaluateCoco(dataset([first, second], hitFirst)).summary.AP).toBe(0);
    const hitSecond = [dt(1, 1, [200, 200, 50, 50], 0.9)];
    expect(evaluateCoco(dataset([first, second], hitSecond)).summary.AR100).toBeCloseTo(0.5, 12);
  });

  it('an ignored box that is no crowd (iscrowd 0.5 in pycocotools) ignores one detection, not a second', () => {
    const boxes = (extra: Partial<EvalGroundTruth>): EvalGroundTruth[] => [
      gt(1, 1, [0, 0, 40, 40]),
      gt(1, 1, [100, 100, 50, 50], extra),
    ];
    const dets = [
      dt(1, 1, [100, 100, 50, 50], 0.95),
      dt(1, 1, [101, 101, 50, 50], 0.94),
      dt(1, 1, [0, 0, 40, 40], 0.5),
    ];
    // ignored, false positive, true positive: precision 1/2 at recall 1, and never a miss.
    const s = evaluateCoco(dataset(boxes({ ignored: true }), dets)).summary;
    expect(s.AP50).toBeCloseTo(0.5, 12);
    expect(s.AR100).toBe(1);
    // A crowd takes both.
    expect(evaluateCoco(dataset(boxes({ iscrowd: true }), dets)).summary.AP50).toBeCloseTo(1, 12);
  });

  it('a box with a negative width overlaps nothing, as in bbIou; a detection of negative area is ignored', () => {
    // The same square written from its right edge: IoU 0, so a miss and a false positive.
    const miss = evaluateCoco(
      dataset([gt(1, 1, [50, 0, -50, 50], { area: 2500 })], [dt(1, 1, [0, 0, 50, 50], 0.9)]),
    ).summary;
    expect([miss.AP, miss.AR100]).toEqual([0, 0]);
    // Area -2500 is outside every range: never a false positive, but it takes the one place of AR1.
    const s = evaluateCoco(
      dataset(
        [gt(1, 1, [0, 0, 50, 50])],
        [dt(1, 1, [50, 0, -50, 50], 0.9), dt(1, 1, [0, 0, 50, 50], 0.8)],
      ),
    ).summary;
    expect(s.AP).toBeCloseTo(1, 12);
    expect(s.AR1).toBe(0);
  });

  it('greedy matching: the best-scoring detection takes the box, a second one on it is a false positive', () => {
    const s = evaluateCoco(
      dataset(
        [gt(1, 1, [0, 0, 50, 50])],
        [dt(1, 1, [0, 0, 50, 50], 0.9), dt(1, 1, [1, 1, 50, 50], 0.8)],
      ),
    ).summary;
    expect(s.AP50).toBeCloseTo(1, 12); // the duplicate comes after recall 1: the envelope keeps precision 1
    const later = evaluateCoco(
      dataset(
        [gt(1, 1, [0, 0, 50, 50]), gt(2, 1, [0, 0, 50, 50])],
        [
          dt(1, 1, [0, 0, 50, 50], 0.9),
          dt(1, 1, [1, 1, 50, 50], 0.8),
          dt(2, 1, [0, 0, 50, 50], 0.7),
        ],
      ),
    ).summary;
    // tp, fp, tp: precision at recall 1 is 2/3.
    expect(later.AP50).toBeCloseTo((51 * 1 + 50 * (2 / 3)) / 101, 12);
  });
});
