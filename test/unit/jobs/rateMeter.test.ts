import { describe, expect, it } from 'vitest';
import { RateMeter } from '../../../src/shared/jobs/rateMeter';

describe('RateMeter: the one rate and ETA of jobs', () => {
  it('knows nothing before there is progress over some time', () => {
    const m = new RateMeter();
    expect(m.estimate(100)).toEqual({ rate: null, etaSeconds: null });
    m.sample(0, 0);
    m.sample(0, 1000);
    expect(m.estimate(100)).toEqual({ rate: null, etaSeconds: null });
  });

  it('measures items per second and the time left', () => {
    const m = new RateMeter();
    for (let s = 0; s <= 4; s++) m.sample(s * 5, s * 1000); // 5 items a second
    expect(m.estimate(100)).toEqual({ rate: 5, etaSeconds: 16 });
  });

  it('follows a change of speed within its window (a resumed or slowed job)', () => {
    const m = new RateMeter(2000);
    let done = 0;
    for (let t = 0; t <= 10_000; t += 500) m.sample((done += 10), t); // 20/s
    for (let t = 10_500; t <= 20_000; t += 500) m.sample((done += 1), t); // 2/s
    expect(m.estimate(done + 10).rate).toBeCloseTo(2, 5);
    expect(m.estimate(done + 10).etaSeconds).toBeCloseTo(5, 5);
  });
});
