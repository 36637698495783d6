/**
 * Training targets of one image: what the SSD loss is computed against, and what the lens
 * shows. Priors + ground truth → the Caffe-style match (`matchPriors`) → per prior a class
 * target, a positive flag and, for positives, the location target encoded by the model's own
 * box coder (variances included).
 */
import { boxCount, cxcywhToXyxy64, type BoxArray } from './boxes';
import type { BoxCoder } from './boxCoder';
import { matchPriors, type MatchOptions, type MatchResult } from './matching';

/** Class target of a background (negative) prior unless told otherwise: the paper's class 0. */
export const DEFAULT_BACKGROUND_CLASS = 0;

export interface TargetsInput {
  /** P priors, 4P numbers `(cx, cy, w, h)`, normalised. */
  priorsCxcywh: BoxArray;
  /** G ground-truth boxes, 4G numbers `(x1, y1, x2, y2)`, normalised to the same canvas. */
  gtXyxy: BoxArray;
  /** G class targets (the score column each gt trains, e.g. 1..C with background 0). */
  gtClasses: ArrayLike<number>;
  coder: BoxCoder;
  /** Match options (threshold, default 0.5). */
  match?: MatchOptions;
  /** Class target of negatives. Default {@link DEFAULT_BACKGROUND_CLASS}. */
  backgroundClass?: number;
}

export interface TrainingTargets {
  match: MatchResult;
  /** P: 1 where the prior is positive (matched to a gt), else 0. */
  positive: Uint8Array;
  numPositives: number;
  /** P class targets: the matched gt's class, or the background class. */
  classes: Int32Array;
  /** 4P location targets in the coder's layout; zero for negatives (they carry no loc loss). */
  loc: Float32Array;
}

/**
 * @throws Error when gtClasses has not one entry per gt, or (from the matcher) naming a bad gt.
 */
export function computeTargets(input: TargetsInput): TrainingTargets {
  const { priorsCxcywh, gtXyxy, gtClasses, coder } = input;
  const p = boxCount(priorsCxcywh);
  const g = boxCount(gtXyxy);
  if (gtClasses.length !== g) {
    throw new Error(`${gtClasses.length} class targets for ${g} ground-truth boxes`);
  }
  const match = matchPriors(gtXyxy, cxcywhToXyxy64(priorsCxcywh), input.match);
  const background = input.backgroundClass ?? DEFAULT_BACKGROUND_CLASS;
  const positive = new Uint8Array(p);
  const classes = new Int32Array(p).fill(background);
  const posIndex: number[] = [];
  for (let i = 0; i < p; i++) {
    const gi = match.matches[i]!;
    if (gi < 0) continue;
    positive[i] = 1;
    classes[i] = gtClasses[gi]!;
    posIndex.push(i);
  }
  // Encode only the positives: negatives have no matched box (and would waste the work).
  const matched = new Float32Array(4 * posIndex.length);
  const priors = new Float32Array(4 * posIndex.length);
  posIndex.forEach((i, k) => {
    const gi = match.matches[i]!;
    matched.set(gtXyxy.subarray(4 * gi, 4 * gi + 4), 4 * k);
    priors.set(priorsCxcywh.subarray(4 * i, 4 * i + 4), 4 * k);
  });
  const encoded = coder.encode(matched, priors);
  const loc = new Float32Array(4 * p);
  posIndex.forEach((i, k) => loc.set(encoded.subarray(4 * k, 4 * k + 4), 4 * i));
  return { match, positive, numPositives: posIndex.length, classes, loc };
}
