import { describe, expect, it } from 'vitest';
import {
  PRIOR_PRESETS,
  SsdBoxCoder,
  cxcywhToXyxy64,
  generatePriors,
  matchPriors,
} from '../../../src/shared/ssd';
import { canvasFor, canvasToImage, imageToCanvas } from '../../../src/shared/ssd/canvasMapping';
import { computeCoverage } from '../../../src/shared/ssd/coverage';
import {
  backgroundConfidenceLoss,
  selectHardNegatives,
} from '../../../src/shared/ssd/hardNegatives';
import { buildPriorIndex, expandMatch, matchSparse } from '../../../src/shared/ssd/priorIndex';
import {
  cellAt,
  describePrior,
  priorsAtPoint,
  priorsOfCell,
} from '../../../src/shared/ssd/priorLookup';
import { computeTargets } from '../../../src/shared/ssd/targets';

const f = (...v: number[]): Float32Array => new Float32Array(v);

/** A small deterministic generator (mulberry32), so random cases are reproducible. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomBoxes(
  rand: () => number,
  n: number,
  minSide: number,
  maxSide: number,
): Float32Array {
  const out = new Float32Array(4 * n);
  for (let i = 0; i < n; i++) {
    const w = minSide + rand() * (maxSide - minSide);
    const h = minSide + rand() * (maxSide - minSide);
    const x = rand() * (1 - w);
    const y = rand() * (1 - h);
    out.set([x, y, x + w, y + h], 4 * i);
  }
  return out;
}

const ssd300 = generatePriors(PRIOR_PRESETS.ssd300);

describe('priorsOfCell / describePrior', () => {
  it('finds the paper layout: conv4_3 has 4 boxes per cell, fc7 starts at 5776', () => {
    expect(priorsOfCell(ssd300, 0, 0, 0)).toEqual([0, 1, 2, 3]);
    expect(priorsOfCell(ssd300, 0, 1, 2)).toEqual([
      4 * (38 + 2),
      4 * (38 + 2) + 1,
      4 * 40 + 2,
      4 * 40 + 3,
    ]);
    expect(priorsOfCell(ssd300, 1, 0, 0)).toEqual([5776, 5777, 5778, 5779, 5780, 5781]);
    expect(priorsOfCell(ssd300, 5, 0, 0)).toEqual([8728, 8729, 8730, 8731]);
    expect(() => priorsOfCell(ssd300, 0, 38, 0)).toThrow(/outside layer conv4_3/);
  });

  it('describes a prior: cell, size in pixels, aspect ratio', () => {
    // Cell (1, 2) of conv4_3, third box: ratio 2 at minSize 30 → 42.43 × 21.21 px.
    const p = describePrior(ssd300, 4 * 40 + 2);
    expect(p).toMatchObject({ layer: 0, layerName: 'conv4_3', row: 1, col: 2, box: 2 });
    expect(p.widthPx).toBeCloseTo(30 * Math.SQRT2, 4);
    expect(p.heightPx).toBeCloseTo(30 / Math.SQRT2, 4);
    expect(p.aspectRatio).toBeCloseTo(2, 5);
    expect(p.cxcywh[0]).toBeCloseTo((2.5 * 8) / 300, 6);
    // The extra box of fc7: sqrt(60·111) px square.
    const e = describePrior(ssd300, 5777);
    expect(e.widthPx).toBeCloseTo(Math.sqrt(60 * 111), 3);
    expect(e.aspectRatio).toBeCloseTo(1, 5);
  });

  it('finds the cell under a point in every layer', () => {
    // Pixel (100, 20) of 300: conv4_3 centres at 4 + 8k → col 12 (100), row 2 (20).
    expect(cellAt(ssd300, 0, 100 / 300, 20 / 300)).toEqual({ row: 2, col: 12 });
    const perLayer = priorsAtPoint(ssd300, 0.5, 0.5);
    expect(perLayer).toHaveLength(6);
    expect(perLayer[5]).toEqual([8728, 8729, 8730, 8731]);
    expect(perLayer[0]).toHaveLength(4);
  });
});

describe('canvas mapping', () => {
  it('imageToCanvas inverts canvasToImage for every resize mode', () => {
    const px = [10, 20, 150, 90];
    for (const mode of ['stretch', 'pad-square', 'letterbox'] as const) {
      for (const padAnchor of ['top-left', 'center'] as const) {
        const c = canvasFor(200, 100, 300, 300, { mode, padAnchor });
        const n = imageToCanvas(px, c);
        const back = new Float32Array(n);
        canvasToImage(back, c, 200, 100);
        expect(Array.from(back).map((v) => Math.round(v * 1000) / 1000)).toEqual(px);
      }
    }
    // pad-square puts a 200×100 image in a 200×200 canvas: y halves.
    const c = canvasFor(200, 100, 512, 512, { mode: 'pad-square', padAnchor: 'top-left' });
    expect(Array.from(imageToCanvas([0, 0, 200, 100], c))).toEqual([0, 0, 1, 0.5]);
  });
});

describe('sparse matching over the prior index', () => {
  it('gives exactly matchPriors on all priors (random images, SSD300 and SSD512)', () => {
    const rand = rng(7);
    for (const set of [ssd300, generatePriors(PRIOR_PRESETS.ssd512)]) {
      const index = buildPriorIndex(set);
      const all = cxcywhToXyxy64(set.boxes64);
      for (let t = 0; t < 60; t++) {
        // Large, small and thin boxes, up to 12 per image (crowded images test the bipartite step).
        const [lo, hi] = (
          [
            [0.01, 0.8],
            [0.002, 0.05],
            [0.001, 0.3],
          ] as const
        )[t % 3]!;
        const gt = randomBoxes(rand, 1 + Math.floor(rand() * 12), lo, hi);
        const full = matchPriors(gt, all, { threshold: 0.5 });
        const sparse = expandMatch(matchSparse(index, gt, { threshold: 0.5 }), set.count);
        expect(Array.from(sparse.matches)).toEqual(Array.from(full.matches));
        expect(Array.from(sparse.forced)).toEqual(Array.from(full.forced));
        expect(sparse.unmatchedGt).toEqual(full.unmatchedGt);
      }
    }
  });

  it('reports per gt the matched priors, the forced one and the best IoU', () => {
    const index = buildPriorIndex(ssd300);
    // Exactly prior 0 (30 px square at (4, 4)) plus a box that overlaps nothing (empty).
    const gt = f(-11 / 300, -11 / 300, 19 / 300, 19 / 300, 0.5, 0.5, 0.5, 0.5);
    const { gts } = matchSparse(index, gt);
    expect(gts[0]!.forced).toBe(0);
    expect(gts[0]!.bestIou).toBeCloseTo(1, 5);
    expect(gts[0]!.priors[0]).toBe(0);
    expect(gts[1]).toEqual({ priors: [], ious: [], forced: null, bestIou: 0, bestPrior: null });
  });
});

describe('training targets', () => {
  it('encodes positives with the coder and variances, background elsewhere', () => {
    // Two priors; gt equals prior 1 shifted right by 0.1·w → tcx = 0.1/0.1 = 1.
    const priors = f(0.25, 0.25, 0.2, 0.2, 0.75, 0.75, 0.4, 0.2);
    const gt = f(0.59, 0.65, 0.99, 0.85);
    const t = computeTargets({
      priorsCxcywh: priors,
      gtXyxy: gt,
      gtClasses: [3],
      coder: new SsdBoxCoder(),
    });
    expect(Array.from(t.positive)).toEqual([0, 1]);
    expect(t.numPositives).toBe(1);
    expect(Array.from(t.classes)).toEqual([0, 3]);
    expect(Array.from(t.loc.subarray(0, 4))).toEqual([0, 0, 0, 0]);
    expect(t.loc[4]).toBeCloseTo(1, 4); // (0.79 − 0.75)/(0.1·0.4)
    expect(t.loc[5]).toBeCloseTo(0, 5);
    expect(t.loc[6]).toBeCloseTo(0, 5); // log(1)/0.2
    expect(t.loc[7]).toBeCloseTo(0, 5);
  });

  it('a gt overlapping no prior trains nothing', () => {
    const t = computeTargets({
      priorsCxcywh: f(0.1, 0.1, 0.1, 0.1),
      gtXyxy: f(0.8, 0.8, 0.9, 0.9),
      gtClasses: [1],
      coder: new SsdBoxCoder(),
    });
    expect(t.numPositives).toBe(0);
    expect(t.match.unmatchedGt).toEqual([0]);
  });
});

describe('hard negatives', () => {
  it('keeps 3 negatives per positive, highest loss first, ties by prior index', () => {
    const loss = f(0.5, 9, 0.7, 0.7, 0.1, 0.7, 0.2, 0.3);
    const positive = new Uint8Array([0, 1, 0, 0, 0, 0, 0, 0]);
    expect(Array.from(selectHardNegatives(loss, positive))).toEqual([2, 3, 5]);
    const two = new Uint8Array([0, 1, 0, 0, 0, 0, 0, 1]);
    // 6 wanted, 6 negatives available: all of them, loss order.
    expect(Array.from(selectHardNegatives(loss, two))).toEqual([2, 3, 5, 0, 6, 4]);
    expect(Array.from(selectHardNegatives(loss, new Uint8Array(8)))).toEqual([]);
  });

  it('computes the background loss of softmax and sigmoid heads', () => {
    // softmax over [0, ln 3]: p(bg) = 1/4 → loss ln 4.
    const sm = backgroundConfidenceLoss(f(0, Math.log(3)), 1, 2, 'softmax', 0);
    expect(sm[0]).toBeCloseTo(Math.log(4), 5);
    // sigmoid(0) = 0.5 → −log(0.5).
    const sg = backgroundConfidenceLoss(f(0), 1, 1, 'sigmoid', null);
    expect(sg[0]).toBeCloseTo(Math.log(2), 6);
  });
});

describe('coverage', () => {
  it('counts boxes at best IoU ≥ t, positives per layer and the worst boxes', () => {
    const index = buildPriorIndex(ssd300);
    const exact = f(-11 / 300, -11 / 300, 19 / 300, 19 / 300); // prior 0 exactly
    const thin = f(0.5, 0.1, 0.502, 0.9); // 0.6 px wide: no prior near IoU 0.5
    const stats = computeCoverage(index, [{ gtXyxy: exact }, { gtXyxy: thin }], { threshold: 0.5 });
    expect(stats.boxes).toBe(2);
    expect(stats.matchedFraction).toBe(0.5);
    expect(stats.worst[0]).toMatchObject({ image: 1, gt: 0 });
    expect(stats.worst[0]!.bestIou).toBeLessThan(0.1);
    expect(stats.perLayer[0]!.positives).toBeGreaterThanOrEqual(1);
    expect(stats.bestIouHistogram.counts.reduce((a, b) => a + b, 0)).toBe(2);
    expect(stats.bestIouHistogram.counts[19]).toBe(1);
  });
});
