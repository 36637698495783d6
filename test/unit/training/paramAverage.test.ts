import { describe, expect, it } from 'vitest';
import { ParamAverage } from '../../../src/shared/training/paramAverage';

const w = (...v: number[]): Float32Array => Float32Array.from(v);

describe('weight average', () => {
  it('ramps the decay as (1 + t) / (10 + t) before reaching the set decay', () => {
    const avg = new ParamAverage(0.99, { a: w(0) });
    avg.update({ a: w(10) }); // d = 0.1 → 0.1·0 + 0.9·10
    expect(avg.value().a![0]).toBeCloseTo(9, 5);
    avg.update({ a: w(0) }); // d = 2/11
    expect(avg.value().a![0]).toBeCloseTo((2 / 11) * 9, 5);
    expect(avg.count).toBe(2);
  });

  it('holds the set decay once the ramp passes it', () => {
    const avg = new ParamAverage(0.5, { a: w(0, 0) }, 100);
    avg.update({ a: w(4, -2) });
    expect(Array.from(avg.value().a!)).toEqual([2, -1]);
  });

  it('smooths weights that oscillate around a value, which the last weights do not', () => {
    const avg = new ParamAverage(0.95, { a: w(1) });
    let last = 0;
    for (let t = 0; t < 400; t++) {
      last = t % 2 === 0 ? 3 : -1; // swings ±2 around 1
      avg.update({ a: w(last) });
    }
    expect(Math.abs(avg.value().a![0]! - 1)).toBeLessThan(0.1);
    expect(Math.abs(last - 1)).toBe(2);
  });

  it('with decay 0 is just the latest weights, and its value is a copy', () => {
    const avg = new ParamAverage(0, { a: w(1, 2) });
    avg.update({ a: w(5, 6) });
    const v = avg.value();
    v.a![0] = 99;
    expect(Array.from(avg.value().a!)).toEqual([5, 6]);
  });

  it('refuses a decay outside [0, 1) and a parameter of another shape', () => {
    expect(() => new ParamAverage(1, { a: w(0) })).toThrow(/\[0, 1\)/);
    expect(() => new ParamAverage(-0.1, { a: w(0) })).toThrow(/\[0, 1\)/);
    const avg = new ParamAverage(0.9, { a: w(0, 0) });
    expect(() => avg.update({ a: w(1) })).toThrow(/a changed shape/);
    expect(() => avg.update({})).toThrow(/a changed shape/);
  });
});
