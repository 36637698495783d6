import { describe, expect, it } from 'vitest';
import { ssdLoss, type SsdLossInput } from '../../../src/shared/training/ssdLoss';

// Four priors, background + one class; prior 0 is the only positive.
function fourPriors(overrides: Partial<SsdLossInput> = {}): SsdLossInput {
  return {
    loc: new Float32Array([0, 0, 0, 0, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9]),
    logits: new Float32Array([0, 0, 0, 2, 0, -1, 1, 1]),
    numClasses: 2,
    targets: {
      positive: new Uint8Array([1, 0, 0, 0]),
      classes: new Int32Array([1, 0, 0, 0]),
      loc: new Float32Array([0.5, -2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
      numPositives: 1,
    },
    activation: 'softmax',
    backgroundIndex: 0,
    ...overrides,
  };
}

describe('ssdLoss', () => {
  it('matches the hand computation: smooth L1 on positives, softmax CE on positives and hard negatives', () => {
    const r = ssdLoss(fourPriors({ negPosRatio: 2 }));
    // loc: d = (-0.5, 2, 0, 0) → 0.125 + 1.5; negatives' loc outputs (9s) carry no loss.
    expect(r.loc).toBeCloseTo(1.625, 6);
    // conf: positive −log softmax([0,0])[1] = ln 2; the 2 hardest negatives are priors 1
    // (ln(1+e²)) and 3 (ln 2); prior 2 (ln(1+e⁻¹)) is left out.
    expect(r.conf).toBeCloseTo(Math.LN2 + Math.log(1 + Math.E ** 2) + Math.LN2, 5);
    expect(r.total).toBeCloseTo(r.conf + r.loc, 6);
    expect(r.numNegatives).toBe(2);
    expect(Array.from(r.gradLoc.subarray(0, 4))).toEqual([-0.5, 1, 0, 0]);
    expect(Array.from(r.gradLoc.subarray(4))).toEqual(new Array(12).fill(0));
    const p1 = 1 / (1 + Math.E ** 2);
    expect(r.gradLogits[2]).toBeCloseTo(p1 - 1, 6);
    expect(r.gradLogits[3]).toBeCloseTo(1 - p1, 6);
    expect(r.gradLogits[4]).toBe(0); // prior 2 not mined
    expect(r.gradLogits[5]).toBe(0);
  });

  it('keeps 3 negatives per positive by default and divides by the number of positives', () => {
    const one = ssdLoss(fourPriors());
    expect(one.numNegatives).toBe(3);
    const two = ssdLoss(
      fourPriors({
        targets: {
          positive: new Uint8Array([1, 0, 0, 1]),
          classes: new Int32Array([1, 0, 0, 1]),
          loc: new Float32Array(16),
          numPositives: 2,
        },
        loc: new Float32Array(16),
      }),
    );
    // positives: ln 2 (prior 0) and −log softmax([1,1])[1] = ln 2 (prior 3); negatives: both left.
    const sum = 2 * Math.LN2 + Math.log(1 + Math.E ** 2) + Math.log(1 + Math.E ** -1);
    expect(two.conf).toBeCloseTo(sum / 2, 5);
    expect(two.loc).toBe(0);
  });

  it('gives 0 and finite gradients for an image without positives', () => {
    const r = ssdLoss(
      fourPriors({
        targets: {
          positive: new Uint8Array(4),
          classes: new Int32Array(4),
          loc: new Float32Array(16),
          numPositives: 0,
        },
      }),
    );
    expect(r.total).toBe(0);
    expect(r.numNegatives).toBe(0);
    expect([...r.gradLogits, ...r.gradLoc].every((g) => g === 0)).toBe(true);
  });

  it('sigmoid models: BCE per class column, background column untrained; gradient matches finite differences', () => {
    const input = fourPriors({
      activation: 'sigmoid',
      numClasses: 3,
      logits: new Float32Array([0.3, -0.2, 0.5, 0.1, 1.5, -2, 0.2, 0.4, 0.9, -1, 0.1, -0.3]),
      targets: {
        positive: new Uint8Array([1, 0, 0, 0]),
        classes: new Int32Array([2, 0, 0, 0]),
        loc: new Float32Array([0.5, -2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
        numPositives: 1,
      },
    });
    const r = ssdLoss(input);
    const sp = (x: number): number => Math.log(1 + Math.exp(x));
    // positive prior 0, class column 2: sp(−0.2) + sp(0.5) − 0.5; negatives: all three (3:1).
    const expected =
      sp(-0.2) + sp(0.5) - 0.5 + sp(1.5) + sp(-2) + sp(0.4) + sp(0.9) + sp(0.1) + sp(-0.3);
    expect(r.conf).toBeCloseTo(expected, 5);
    for (let i = 0; i < 12; i++) {
      const h = 1e-3;
      const plus = new Float32Array(input.logits);
      const minus = new Float32Array(input.logits);
      plus[i]! += h;
      minus[i]! -= h;
      const numeric =
        (ssdLoss({ ...input, logits: plus }).total - ssdLoss({ ...input, logits: minus }).total) /
        (2 * h);
      expect(r.gradLogits[i]).toBeCloseTo(numeric, 3);
    }
    expect(r.gradLogits[0]).toBe(0); // background column
  });

  it('rejects outputs that do not fit the priors', () => {
    expect(() => ssdLoss(fourPriors({ loc: new Float32Array(8) }))).toThrow(/8 location outputs/);
  });
});
