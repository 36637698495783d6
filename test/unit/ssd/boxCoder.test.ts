import { describe, expect, it } from 'vitest';
import {
  BBOX_XFORM_CLIP,
  PRIOR_PRESETS,
  SsdBoxCoder,
  TfBoxCoder,
  createBoxCoder,
  generatePriors,
  type BoxCoder,
} from '../../../src/shared/ssd';

const f = (...v: number[]): Float32Array => new Float32Array(v);

// Prior (cx, cy, w, h) = (0.5, 0.5, 0.2, 0.4); gt centre (0.52, 0.46), size 0.3 × 0.2.
const PRIOR = f(0.5, 0.5, 0.2, 0.4);
const GT = f(0.37, 0.36, 0.67, 0.56);

function expectClose(actual: Float32Array, expected: number[], digits = 5): void {
  expect(actual.length).toBe(expected.length);
  expected.forEach((v, i) => expect(actual[i], `index ${i}`).toBeCloseTo(v, digits));
}

describe('SsdBoxCoder', () => {
  it('encodes a hand-computed offset (tcx, tcy, tw, th)', () => {
    // tcx = 0.02/(0.1·0.2) = 1, tcy = −0.04/(0.1·0.4) = −1, tw = ln 1.5/0.2, th = ln 0.5/0.2
    const t = new SsdBoxCoder().encode(GT, PRIOR);
    expectClose(t, [1, -1, Math.log(1.5) / 0.2, Math.log(0.5) / 0.2]);
    const t2 = new SsdBoxCoder({ variances: [1, 1] }).encode(GT, PRIOR);
    expectClose(t2, [0.1, -0.1, Math.log(1.5), Math.log(0.5)]);
  });

  it('decodes zero offsets to the prior itself', () => {
    expectClose(new SsdBoxCoder().decode(f(0, 0, 0, 0), PRIOR), [0.4, 0.3, 0.6, 0.7]);
  });
});

describe('TfBoxCoder', () => {
  it('encodes in (ty, tx, th, tw) order with scale factors 10, 10, 5, 5', () => {
    // ty = −0.04/0.4·10 = −1, tx = 0.02/0.2·10 = 1, th = 5 ln 0.5, tw = 5 ln 1.5
    const t = new TfBoxCoder().encode(GT, PRIOR);
    expectClose(t, [-1, 1, 5 * Math.log(0.5), 5 * Math.log(1.5)]);
  });

  it('decodes (ty, tx, th, tw) to x1, y1, x2, y2', () => {
    // ty = 1 moves the centre down by 0.1·ph = 0.04; tw = 5 ln 2 doubles the width.
    const b = new TfBoxCoder().decode(f(1, 0, 0, 5 * Math.log(2)), PRIOR);
    expectClose(b, [0.3, 0.34, 0.7, 0.74]);
  });
});

describe.each([
  ['SSD', new SsdBoxCoder()],
  ['SSD, custom variances', new SsdBoxCoder({ variances: [0.2, 0.5] })],
  ['TF', new TfBoxCoder()],
  ['TF, custom factors', new TfBoxCoder({ scaleFactors: [5, 4, 3, 2] })],
] as const)('%s coder', (_, coder: BoxCoder) => {
  it('decode(encode(g)) = g on random boxes against SSD300 priors', () => {
    const priors = generatePriors(PRIOR_PRESETS.ssd300).boxes;
    const n = priors.length / 4;
    let seed = 42;
    const rand = (): number => (seed = (seed * 16807) % 2147483647) / 2147483647;
    const gt = new Float32Array(4 * n);
    for (let i = 0; i < n; i++) {
      const x = rand() * 0.9;
      const y = rand() * 0.9;
      gt.set([x, y, x + 0.005 + rand() * 0.5, y + 0.005 + rand() * 0.5], 4 * i);
    }
    const back = coder.decode(coder.encode(gt, priors), priors);
    let maxErr = 0;
    for (let i = 0; i < gt.length; i++) maxErr = Math.max(maxErr, Math.abs(back[i]! - gt[i]!));
    expect(maxErr).toBeLessThan(1e-5);
  });

  it('keeps decoded boxes finite for huge offsets, clamping growth at exp(BBOX_XFORM_CLIP)', () => {
    const b = coder.decode(f(1e30, -1e30, 1e30, 1e30), PRIOR);
    for (const v of b) expect(Number.isFinite(v)).toBe(true);
    const grow = coder.decode(f(0, 0, 1e30, 1e30), PRIOR);
    expectClose(grow, [0.5 - 6.25, 0.5 - 12.5, 0.5 + 6.25, 0.5 + 12.5], 3); // 62.5 × prior
    expect(Math.exp(BBOX_XFORM_CLIP)).toBeCloseTo(62.5, 9);
  });

  it('rejects boxes it cannot encode and mismatched lengths', () => {
    expect(() =>
      coder.encode(f(0, 0, 1, 1, 0.3, 0.3, 0.3, 0.5), f(0.5, 0.5, 1, 1, 0.5, 0.5, 1, 1)),
    ).toThrow(/matched box 1 .*positive finite width and height/);
    expect(() => coder.encode(f(0, 0, 1, 1), f(0.5, 0.5, 0, 1))).toThrow(/prior 0/);
    expect(() => coder.decode(f(0, 0, 0, 0), f(0.5, 0.5, 1, 1, 0.5, 0.5, 1, 1))).toThrow(
      /1 offsets for 2 priors/,
    );
  });
});

describe('createBoxCoder', () => {
  it('builds the named coder with defaults or given parameters', () => {
    const ssd = createBoxCoder({ kind: 'ssd' });
    expect(ssd).toBeInstanceOf(SsdBoxCoder);
    expect((ssd as SsdBoxCoder).variances).toEqual([0.1, 0.2]);
    const tf = createBoxCoder({ kind: 'tf', scaleFactors: [1, 2, 3, 4] });
    expect(tf).toBeInstanceOf(TfBoxCoder);
    expect((tf as TfBoxCoder).scaleFactors).toEqual([1, 2, 3, 4]);
  });

  it('names an invalid field', () => {
    expect(() => createBoxCoder({ kind: 'ssd', variances: [0, 0.2] })).toThrow(/variances\[0\]/);
    expect(() => new TfBoxCoder({ scaleFactors: [10, 10, -5, 5] })).toThrow(
      /TF scale factors\[2\] = -5/,
    );
  });
});
