import { describe, expect, it } from 'vitest';
import { partialSortByScore } from '../../../src/shared/ssd';

describe('partialSortByScore', () => {
  it('puts the k best first, by score descending then index ascending, for any k', () => {
    let seed = 11;
    const rand = (): number => (seed = (seed * 16807) % 2147483647) / 2147483647;
    for (const n of [0, 1, 5, 17, 100, 2000]) {
      // Few distinct scores, so ties are common.
      const scores = Array.from({ length: n }, () => Math.floor(rand() * 20) / 20);
      const want = Array.from({ length: n }, (_, i) => i).sort(
        (a, b) => scores[b]! - scores[a]! || a - b,
      );
      for (const k of [0, 1, 3, 16, 400, n]) {
        // Shuffled input order must not matter.
        const idx = Int32Array.from(want).sort(() => rand() - 0.5);
        const key = Float32Array.from(idx, (i) => scores[i]!);
        const kept = partialSortByScore(idx, key, n, k);
        expect(kept).toBe(Math.min(k, n));
        expect(Array.from(idx.subarray(0, kept))).toEqual(want.slice(0, kept));
        expect(Array.from(key.subarray(0, kept))).toEqual(
          want.slice(0, kept).map((i) => Math.fround(scores[i]!)),
        );
      }
    }
  });

  it('handles already-sorted and reversed input', () => {
    const n = 1000;
    const asc = Int32Array.from({ length: n }, (_, i) => i);
    const kAsc = Float32Array.from(asc, (i) => i);
    partialSortByScore(asc, kAsc, n, 10);
    expect(Array.from(asc.subarray(0, 10))).toEqual([
      999, 998, 997, 996, 995, 994, 993, 992, 991, 990,
    ]);
  });
});
