import { describe, expect, it } from 'vitest';
import { boxCount, cxcywhToXyxy, validateXyxy, xyxyToCxcywh } from '../../../src/shared/ssd';

describe('box layouts', () => {
  it('converts cx,cy,w,h to x1,y1,x2,y2 and back', () => {
    const c = new Float32Array([0.5, 0.25, 0.2, 0.1, 0.1, 0.9, 0.2, 0.2]);
    const x = cxcywhToXyxy(c);
    const want = [0.4, 0.2, 0.6, 0.3, 0.0, 0.8, 0.2, 1.0];
    want.forEach((v, i) => expect(x[i]).toBeCloseTo(v, 6));
    const back = xyxyToCxcywh(x);
    for (let i = 0; i < c.length; i++) expect(back[i]).toBeCloseTo(c[i]!, 6);
  });

  it('counts boxes and rejects a length that is not a multiple of 4', () => {
    expect(boxCount(new Float32Array(12))).toBe(3);
    expect(boxCount(new Float32Array(0))).toBe(0);
    expect(() => boxCount(new Float32Array(7))).toThrow(/length 7 is not a multiple of 4/);
    expect(() => cxcywhToXyxy(new Float32Array(5))).toThrow(/multiple of 4/);
  });

  it('validateXyxy names the first bad box', () => {
    expect(() =>
      validateXyxy(new Float32Array([0, 0, 1, 1, 0.2, 0.2, 0.2, 0.2]), 'gt'),
    ).not.toThrow();
    expect(() => validateXyxy(new Float32Array([0, 0, 1, 1, 0.5, 0, 0.4, 1]), 'gt')).toThrow(
      /^gt: box 1 .*x2 < x1/,
    );
    expect(() => validateXyxy(new Float32Array([0, 0.6, 1, 0.5]), 'labels')).toThrow(
      /labels: box 0 .*y2 < y1/,
    );
    expect(() => validateXyxy(new Float32Array([0, 0, 1, 1, 0, 0, NaN, 1]), 'gt')).toThrow(
      /box 1 .*non-finite/,
    );
    expect(() => validateXyxy(new Float32Array([0, 0, Infinity, 1]), 'gt')).toThrow(/box 0/);
  });
});
