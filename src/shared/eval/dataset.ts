/**
 * What the evaluator reads: ground truth and detections in COCO's terms. Boxes are COCO
 * `[x, y, width, height]` in image pixels (x2 = x + width, no ±1).
 */

/**
 * COCO image ids are integers, but pycocotools keys images by any id: any number (1.5 too) or
 * any string ('' too), sorted as Python sorts them. One file's ids are all numbers or all strings
 * (Python cannot sort a mix; pycocotools fails on it).
 */
export type ImageId = number | string;

/** `[x, y, width, height]` in image pixels. */
export type XywhBox = readonly [number, number, number, number];

export interface EvalCategory {
  id: number;
  name: string;
}

export interface EvalGroundTruth {
  /** The annotation id. pycocotools records matches by id, so id 0 never counts as matched. */
  id: number;
  imageId: ImageId;
  categoryId: number;
  bbox: XywhBox;
  /** COCO's `area` field when the file has one (pycocotools bins by it), else width × height. */
  area: number;
  /** A crowd region: never a miss, matched by any number of detections, which are then ignored. */
  iscrowd: boolean;
  /**
   * Ignored without being a crowd: what pycocotools makes of an `iscrowd` that is truthy but whose
   * int() is 0 (0.5, "0"). Never a miss, and a detection matched to it is ignored, but its IoU and
   * matching are a regular box's (one detection at most). VOC counts it as difficult. Absent: no.
   */
  ignored?: boolean;
  /** Pascal VOC's flag: neither a true nor a false positive in the VOC metric. */
  difficult: boolean;
}

export interface EvalDetection {
  imageId: ImageId;
  categoryId: number;
  bbox: XywhBox;
  score: number;
}

/**
 * One evaluation's input. `imageIds` are the images evaluated (COCO's `images` list: an image
 * without ground truth still counts, its detections are false positives); `categories` are the
 * classes evaluated (detections of other categories are not scored). Detections keep their file
 * order: ties in score are broken by it, exactly as pycocotools' stable sort does.
 */
export interface EvalDataset {
  imageIds: readonly ImageId[];
  categories: readonly EvalCategory[];
  groundTruth: readonly EvalGroundTruth[];
  detections: readonly EvalDetection[];
  /** File names of the images, where known: reports name images by them. */
  imageNames?: ReadonlyMap<ImageId, string>;
}

/** pycocotools' order of image ids: Python's `sorted()` (numbers numerically, then strings). */
export function sortedImageIds(ids: Iterable<ImageId>): ImageId[] {
  return [...new Set(ids)].sort(compareImageIds);
}

export function compareImageIds(a: ImageId, b: ImageId): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'number') return -1;
  if (typeof b === 'number') return 1;
  return compareCodePoints(a, b);
}

/**
 * Python's string order: by code point. JavaScript's `<` compares UTF-16 units, which puts a
 * character above U+FFFF (a surrogate pair, from U+D800) before U+E000–U+FFFF.
 */
function compareCodePoints(a: string, b: string): number {
  const x = a[Symbol.iterator]();
  const y = b[Symbol.iterator]();
  for (;;) {
    const p = x.next();
    const q = y.next();
    if (p.done || q.done) return p.done ? (q.done ? 0 : -1) : 1;
    const d = p.value.codePointAt(0)! - q.value.codePointAt(0)!;
    if (d !== 0) return d;
  }
}

/**
 * Indices of `scores` from highest to lowest, equal scores in their original order: numpy's
 * `argsort(-scores, kind='mergesort')`, the order pycocotools matches and accumulates in.
 */
export function stableOrderByScore(scores: ArrayLike<number>): number[] {
  const order = Array.from({ length: scores.length }, (_, i) => i);
  return order.sort((i, j) => scores[j]! - scores[i]!);
}
