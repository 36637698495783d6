import { describe, expect, it } from 'vitest';
import { boxArea, iouMatrix, iouPair } from '../../../src/shared/ssd';

const f = (...v: number[]): Float32Array => new Float32Array(v);
const iou1 = (a: Float32Array, b: Float32Array): number => iouMatrix(a, b)[0]!;

describe('boxArea', () => {
  it('is w·h, and 0 for degenerate or inverted boxes', () => {
    const a = boxArea(f(0, 0, 0.5, 0.25, 0.3, 0.3, 0.3, 0.9, 0.6, 0.6, 0.5, 0.7));
    expect(Array.from(a)).toEqual([0.125, 0, 0]);
  });
});

describe('iouMatrix', () => {
  it('disjoint and edge-touching boxes give 0', () => {
    expect(iou1(f(0, 0, 0.2, 0.2), f(0.5, 0.5, 0.7, 0.7))).toBe(0);
    expect(iou1(f(0, 0, 0.5, 0.5), f(0.5, 0, 1, 0.5))).toBe(0);
  });

  it('identical boxes give 1', () => {
    expect(iou1(f(0.1, 0.2, 0.6, 0.9), f(0.1, 0.2, 0.6, 0.9))).toBe(1);
  });

  it('a nested box gives the area ratio', () => {
    expect(iou1(f(0, 0, 1, 1), f(0.25, 0.25, 0.75, 0.75))).toBeCloseTo(0.25, 7);
  });

  it('half-shifted boxes give 1/3', () => {
    // inter 0.25·0.5 = 0.125, union 0.25 + 0.25 − 0.125 = 0.375
    expect(iou1(f(0, 0, 0.5, 0.5), f(0.25, 0, 0.75, 0.5))).toBeCloseTo(1 / 3, 6);
  });

  it('zero-area boxes give 0, never NaN', () => {
    expect(iou1(f(0.3, 0.3, 0.3, 0.5), f(0, 0, 1, 1))).toBe(0);
    expect(iou1(f(0.3, 0.3, 0.3, 0.3), f(0.3, 0.3, 0.3, 0.3))).toBe(0);
    expect(iouPair(f(0.3, 0.3, 0.3, 0.3), 0, f(0.3, 0.3, 0.3, 0.3), 0)).toBe(0);
  });

  it('is Na×Nb row-major', () => {
    const a = f(0, 0, 0.5, 0.5, 0.5, 0.5, 1, 1);
    const b = f(0.5, 0.5, 1, 1, 0, 0, 0.5, 0.5, 0, 0, 1, 1);
    const m = iouMatrix(a, b);
    expect(m.length).toBe(6);
    expect(Array.from(m)).toEqual([0, 1, 0.25, 1, 0, 0.25]);
    expect(iouPair(a, 1, b, 2)).toBe(0.25);
  });
});
