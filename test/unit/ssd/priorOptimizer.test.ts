import { describe, expect, it } from 'vitest';
import { PRIOR_PRESETS, generatePriors } from '../../../src/shared/ssd';
import { buildPriorIndex } from '../../../src/shared/ssd/priorIndex';
import { computeCoverage } from '../../../src/shared/ssd/coverage';
import { optimizePriors } from '../../../src/shared/ssd/priorOptimizer';

describe('optimizePriors', () => {
  it('finds a wide ratio for wide boxes, within the budget, measured by the real matcher', () => {
    // 400 wide, flat boxes (about 60×12 px on the 300 px canvas) at random places.
    let a = 5;
    const rand = (): number => {
      a = (a * 16807) % 2147483647;
      return a / 2147483647;
    };
    const gt = new Float64Array(4 * 400);
    for (let i = 0; i < 400; i++) {
      const w = (50 + rand() * 20) / 300;
      const h = w / (4.5 + rand());
      const x = rand() * (1 - w);
      const y = rand() * (1 - h);
      gt.set([x, y, x + w, y + h], 4 * i);
    }
    const base = generatePriors(PRIOR_PRESETS.ssd300);
    const r = optimizePriors(base, gt);
    expect(r.count).toBeLessThanOrEqual(8732);
    expect(r.count).toBeGreaterThanOrEqual(Math.floor(0.9 * 8732));
    const after = generatePriors(r.config);
    expect(after.count).toBe(r.count);
    expect(after.layers.map((l) => l.featureMap)).toEqual(base.layers.map((l) => l.featureMap));
    // Some layer now has a ratio ≥ 3 wide (w/h), which the preset's fc7 has only at 3.
    expect(
      r.config.convention === 'caffe' &&
        r.config.layers.some((l) => l.aspectRatios.some((x) => x >= 3.9)),
    ).toBe(true);
    const images = Array.from({ length: 400 }, (_, i) => ({
      gtXyxy: gt.subarray(4 * i, 4 * i + 4),
    }));
    const before = computeCoverage(buildPriorIndex(base), images).matchedFraction;
    const now = computeCoverage(buildPriorIndex(after), images).matchedFraction;
    expect(now).toBeGreaterThan(before);
    // The fast scorer is exact for unclipped priors: it agrees with the matcher's best IoUs.
    expect(r.sampleAfter).toBeCloseTo(now, 10);
    expect(r.sampleBefore).toBeCloseTo(before, 10);
  });
});
