/**
 * Ground-truth to prior matching, as the original Caffe SSD does it
 * (`MatchBBox` with `match_type: PER_PREDICTION`, bipartite step first).
 *
 * 1. Bipartite: repeatedly take the highest remaining IoU in the gt×prior matrix, give
 *    that prior to that gt and retire both, until every gt has a prior. Two gts whose
 *    best prior is the same each end up with a prior of their own (ssd.pytorch's
 *    per-gt argmax lets the later gt overwrite the earlier one instead).
 * 2. Every other prior whose best IoU with any gt is >= threshold goes to that best gt.
 *
 * A gt that overlaps no prior at all (best IoU 0) is not forced onto an arbitrary prior;
 * it is reported in `unmatchedGt`. (Caffe likewise only pairs overlaps above zero.)
 */
import { boxCount, validateXyxy, type BoxArray } from './boxes';
import { iouMatrix64 } from './iou';

/** `matches[p]` for a prior left as background (negative). */
export const BELOW_THRESHOLD = -1;

/** The paper's positive-match IoU threshold. */
export const DEFAULT_MATCH_THRESHOLD = 0.5;

/**
 * IoUs are compared after rounding to this grid (2⁻⁴⁰ ≈ 1e-12). Two priors placed
 * symmetrically about a box have the same IoU in exact arithmetic but may differ in the last
 * bits depending on how their centres were rounded; rounding makes them a tie again, settled
 * by the lowest prior index as in Caffe, whatever the float noise of the prior generator.
 */
export const IOU_RESOLUTION = 2 ** -40;

/** Rounds an IoU to {@link IOU_RESOLUTION}. */
export function snapIou(v: number): number {
  return Math.round(v / IOU_RESOLUTION) * IOU_RESOLUTION;
}

export interface MatchOptions {
  /** A non-forced prior is positive when its best IoU is >= this. Default 0.5. */
  threshold?: number;
}

export interface MatchResult {
  /** Per prior: the matched gt index, or {@link BELOW_THRESHOLD}. */
  matches: Int32Array;
  /** Per prior: IoU with its matched gt, or its best IoU with any gt when unmatched. */
  ious: Float32Array;
  /** Per prior: 1 where the bipartite step assigned it (whatever its IoU), else 0. */
  forced: Uint8Array;
  /**
   * Gts the bipartite step could not give a prior, ascending: those overlapping no prior
   * at all (IoU 0 everywhere), or, rarer, only priors already taken by other gts.
   */
  unmatchedGt: number[];
}

/**
 * Matches ground-truth boxes to priors.
 *
 * Ties: the bipartite step takes the pair with the highest IoU, then the lowest prior
 * index, then the lowest gt index (Caffe's scan order); a prior's best gt is the lowest
 * gt index among equals.
 *
 * Cost: one G×P IoU matrix plus O(G·P) per bipartite round only for gts whose best prior
 * was just taken; typically O(G·P) overall.
 *
 * @param gtXyxy G ground-truth boxes, 4G numbers `(x1, y1, x2, y2)`, normalised.
 * @param priorsXyxy P priors, 4P numbers `(x1, y1, x2, y2)` (convert with `cxcywhToXyxy`).
 * @throws Error naming a bad gt box, or a threshold outside (0, 1].
 */
export function matchPriors(
  gtXyxy: BoxArray,
  priorsXyxy: BoxArray,
  options: MatchOptions = {},
): MatchResult {
  const threshold = options.threshold ?? DEFAULT_MATCH_THRESHOLD;
  if (!(threshold > 0 && threshold <= 1)) {
    throw new Error(`match threshold ${threshold} is outside (0, 1]`);
  }
  validateXyxy(gtXyxy, 'ground-truth boxes');
  const g = boxCount(gtXyxy);
  const p = boxCount(priorsXyxy);
  // G×P, double precision and snapped (IOU_RESOLUTION), so that ties and the threshold are
  // decided on the geometry rather than on rounding noise.
  const iou = iouMatrix64(gtXyxy, priorsXyxy);
  for (let k = 0; k < iou.length; k++) iou[k] = snapIou(iou[k]!);

  const matches = new Int32Array(p).fill(BELOW_THRESHOLD);
  const ious = new Float64Array(p);
  const forced = new Uint8Array(p);

  // Best gt per prior (lowest gt index on ties).
  const bestGt = new Int32Array(p).fill(BELOW_THRESHOLD);
  for (let gi = 0; gi < g; gi++) {
    const row = gi * p;
    for (let pi = 0; pi < p; pi++) {
      const v = iou[row + pi]!;
      if (v > ious[pi]!) {
        ious[pi] = v;
        bestGt[pi] = gi;
      }
    }
  }

  // Bipartite step. bestPrior[gi] is gi's best prior still free (lowest index on ties),
  // BELOW_THRESHOLD once gi has nothing left with positive IoU.
  const priorTaken = new Uint8Array(p);
  const gtDone = new Uint8Array(g);
  const bestPrior = new Int32Array(g);
  const bestPriorIou = new Float64Array(g);
  const refreshBest = (gi: number): void => {
    const row = gi * p;
    let best = BELOW_THRESHOLD;
    let bestV = 0;
    for (let pi = 0; pi < p; pi++) {
      const v = iou[row + pi]!;
      if (v > bestV && priorTaken[pi] === 0) {
        bestV = v;
        best = pi;
      }
    }
    bestPrior[gi] = best;
    bestPriorIou[gi] = bestV;
  };
  for (let gi = 0; gi < g; gi++) refreshBest(gi);

  for (let round = 0; round < g; round++) {
    let pickGt = BELOW_THRESHOLD;
    for (let gi = 0; gi < g; gi++) {
      if (gtDone[gi] === 1 || bestPrior[gi] === BELOW_THRESHOLD) continue;
      if (
        pickGt === BELOW_THRESHOLD ||
        bestPriorIou[gi]! > bestPriorIou[pickGt]! ||
        (bestPriorIou[gi] === bestPriorIou[pickGt] && bestPrior[gi]! < bestPrior[pickGt]!)
      ) {
        pickGt = gi;
      }
    }
    if (pickGt === BELOW_THRESHOLD) break; // the rest overlap no free prior
    const pickPrior = bestPrior[pickGt]!;
    matches[pickPrior] = pickGt;
    ious[pickPrior] = bestPriorIou[pickGt]!;
    forced[pickPrior] = 1;
    priorTaken[pickPrior] = 1;
    gtDone[pickGt] = 1;
    for (let gi = 0; gi < g; gi++) {
      if (gtDone[gi] === 0 && bestPrior[gi] === pickPrior) refreshBest(gi);
    }
  }

  // Threshold step for the priors the bipartite step left free.
  for (let pi = 0; pi < p; pi++) {
    if (forced[pi] === 0 && bestGt[pi] !== BELOW_THRESHOLD && ious[pi]! >= threshold) {
      matches[pi] = bestGt[pi]!;
    }
  }

  const unmatchedGt: number[] = [];
  for (let gi = 0; gi < g; gi++) if (gtDone[gi] === 0) unmatchedGt.push(gi);
  return { matches, ious: Float32Array.from(ious), forced, unmatchedGt };
}
