import { describe, expect, it } from 'vitest';
import {
  BELOW_THRESHOLD,
  PRIOR_PRESETS,
  cxcywhToXyxy,
  generatePriors,
  iouMatrix,
  matchPriors,
} from '../../../src/shared/ssd';

const f = (...v: number[]): Float32Array => new Float32Array(v);

/**
 * ssd.pytorch's `match`: per-gt argmax prior, then `best_truth_idx[best_prior_idx[j]] = j`
 * for j in order, so a later gt overwrites an earlier one sharing its best prior.
 */
function naiveArgmaxMatch(gt: Float32Array, priors: Float32Array, threshold: number): Int32Array {
  const g = gt.length / 4;
  const p = priors.length / 4;
  const iou = iouMatrix(gt, priors);
  const bestTruth = new Int32Array(p);
  const bestTruthIou = new Float32Array(p);
  for (let pi = 0; pi < p; pi++) {
    for (let gi = 0; gi < g; gi++) {
      if (iou[gi * p + pi]! > bestTruthIou[pi]!) {
        bestTruthIou[pi] = iou[gi * p + pi]!;
        bestTruth[pi] = gi;
      }
    }
  }
  for (let gi = 0; gi < g; gi++) {
    let best = 0;
    for (let pi = 1; pi < p; pi++) if (iou[gi * p + pi]! > iou[gi * p + best]!) best = pi;
    bestTruthIou[best] = 2;
    bestTruth[best] = gi;
  }
  return bestTruth.map((gi, pi) => (bestTruthIou[pi]! >= threshold ? gi : BELOW_THRESHOLD));
}

function priorsPerGt(matches: Int32Array, g: number): number[] {
  const counts = new Array<number>(g).fill(0);
  for (const m of matches) if (m >= 0) counts[m]!++;
  return counts;
}

describe('matchPriors', () => {
  // Both gts have P0 as their best prior. A's only other overlap (P1, IoU 0.6) is closer
  // to B (0.667), so without the bipartite step A would own no prior at all.
  const gtA = [0, 0, 0.4, 0.4]; // IoU 1 with P0, 0.6 with P1
  const gtB = [0.02, 0, 0.42, 0.4]; // IoU 0.905 with P0, 0.667 with P1
  const p0 = [0, 0, 0.4, 0.4];
  const p1 = [0.1, 0, 0.5, 0.4];
  const p2 = [0.8, 0.8, 1, 1]; // far away
  const gt = f(...gtA, ...gtB);
  const priors = f(...p0, ...p1, ...p2);

  it('gives two gts that share a best prior a prior each', () => {
    const r = matchPriors(gt, priors);
    expect(Array.from(r.matches)).toEqual([0, 1, BELOW_THRESHOLD]);
    expect(Array.from(r.forced)).toEqual([1, 1, 0]);
    expect(r.ious[0]).toBe(1);
    expect(r.ious[1]).toBeCloseTo(0.128 / 0.192, 5);
    expect(r.ious[2]).toBe(0);
    expect(r.unmatchedGt).toEqual([]);
  });

  it('where naive per-gt argmax (ssd.pytorch) loses gt A', () => {
    const naive = naiveArgmaxMatch(gt, priors, 0.5);
    expect(Array.from(naive)).toEqual([1, 1, BELOW_THRESHOLD]);
    expect(priorsPerGt(naive, 2)).toEqual([0, 2]);
    expect(priorsPerGt(matchPriors(gt, priors).matches, 2)).toEqual([1, 1]);
  });

  it('matches at IoU exactly 0.5, not at 0.49', () => {
    const g = f(0, 0, 0.5, 0.5);
    const same = [0, 0, 0.5, 0.5]; // forced, IoU 1
    const half = [0, 0, 0.5, 0.25]; // IoU 0.125/0.25 = 0.5 exactly
    const under = [0, 0, 0.5, 0.245]; // IoU 0.49
    const p = f(...same, ...half, ...under);
    const r = matchPriors(g, p);
    expect(r.ious[1]).toBe(0.5);
    expect(Array.from(r.matches)).toEqual([0, 0, BELOW_THRESHOLD]);
    expect(Array.from(r.forced)).toEqual([1, 0, 0]);
    expect(r.ious[2]).toBeCloseTo(0.49, 5);
    expect(Array.from(matchPriors(g, p, { threshold: 0.6 }).matches)).toEqual([0, -1, -1]);
  });

  it('forces the best prior even below the threshold, and flags it', () => {
    const g = f(0, 0, 0.3, 0.3);
    const p = f(0, 0, 0.6, 0.6, 0.5, 0.5, 1, 1); // IoU 0.25, 0
    const r = matchPriors(g, p);
    expect(Array.from(r.matches)).toEqual([0, BELOW_THRESHOLD]);
    expect(Array.from(r.forced)).toEqual([1, 0]);
    expect(r.ious[0]).toBeCloseTo(0.25, 6);
  });

  it('reports a gt overlapping no prior instead of forcing it', () => {
    const g = f(0, 0, 0.2, 0.2, 0.9, 0.9, 1, 1, 0.05, 0, 0.25, 0.2);
    const p = f(0, 0, 0.2, 0.2, 0, 0, 0.5, 0.5);
    const r = matchPriors(g, p);
    expect(r.unmatchedGt).toEqual([1]);
    expect(Array.from(r.matches)).not.toContain(1);
    expect(Array.from(r.matches)).toEqual([0, 2]);
  });

  it('handles no gts', () => {
    const r = matchPriors(new Float32Array(0), f(0, 0, 1, 1));
    expect(Array.from(r.matches)).toEqual([BELOW_THRESHOLD]);
    expect(r.unmatchedGt).toEqual([]);
  });

  it('rejects bad input with the offending box or value', () => {
    expect(() => matchPriors(f(0, 0, 1, 1, 0.5, 0, 0.4, 1), f(0, 0, 1, 1))).toThrow(
      /ground-truth boxes: box 1 .*x2 < x1/,
    );
    expect(() => matchPriors(f(0, 0, 1, 1), f(0, 0, 1, 1), { threshold: 0 })).toThrow(
      /threshold 0/,
    );
  });

  it('matches 50 gts to the 24564 SSD512 priors quickly, every gt getting its own prior', () => {
    const priors = cxcywhToXyxy(generatePriors(PRIOR_PRESETS.ssd512).boxes);
    let seed = 7;
    const rand = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const g = new Float32Array(200);
    for (let i = 0; i < 50; i++) {
      const x = rand() * 0.8;
      const y = rand() * 0.8;
      g.set([x, y, x + 0.02 + rand() * 0.2, y + 0.02 + rand() * 0.2], 4 * i);
    }
    const t0 = performance.now();
    const r = matchPriors(g, priors);
    const ms = performance.now() - t0;
    expect(r.unmatchedGt).toEqual([]);
    let forced = 0;
    for (const v of r.forced) forced += v;
    expect(forced).toBe(50);
    expect(new Set(Array.from(r.matches).filter((_, i) => r.forced[i] === 1)).size).toBe(50);
    expect(ms).toBeLessThan(1000);
  });
});
