/**
 * Partial sort of candidates by score: the k best come first, in order, without sorting
 * the rest. NMS needs only the few hundred best of up to tens of thousands of priors.
 *
 * Order: descending score, ties by ascending index, so results never depend on the
 * engine's sort stability. Candidates are two parallel arrays (index, score) rather than
 * objects, permuted together.
 */

// Ranges this short are finished by insertion sort.
const INSERTION_SORT_MAX = 16;

/**
 * Reorders `idx[0..count)` and `key[0..count)` together so that the first min(k, count)
 * positions hold the best candidates in rank order; the rest are left in any order.
 * Keys must not be NaN (callers map NaN to -Infinity).
 *
 * @param idx candidate indices (distinct).
 * @param key score of each candidate, parallel to `idx`.
 * @returns min(k, count).
 */
export function partialSortByScore(
  idx: Int32Array,
  key: Float32Array,
  count: number,
  k: number,
): number {
  const kept = Math.max(0, Math.min(k, count));
  if (kept > 0) sortRange(idx, key, 0, count, kept);
  return kept;
}

/** Partial quicksort of [lo, hi): only ranges starting before `k` are sorted. */
function sortRange(idx: Int32Array, key: Float32Array, lo: number, hi: number, k: number): void {
  while (hi - lo > INSERTION_SORT_MAX) {
    // Median of three as pivot guards against already-sorted score maps.
    const mid = (lo + hi) >>> 1;
    if (before(idx, key, mid, lo)) swap(idx, key, mid, lo);
    if (before(idx, key, hi - 1, lo)) swap(idx, key, hi - 1, lo);
    if (before(idx, key, hi - 1, mid)) swap(idx, key, hi - 1, mid);
    const pk = key[mid]!;
    const pi = idx[mid]!;

    let i = lo;
    let j = hi - 1;
    while (i <= j) {
      while (key[i]! > pk || (key[i] === pk && idx[i]! < pi)) i++;
      while (pk > key[j]! || (pk === key[j] && pi < idx[j]!)) j--;
      if (i <= j) {
        swap(idx, key, i, j);
        i++;
        j--;
      }
    }
    // Now [lo, j] ranks before the pivot and [i, hi) after it. Recurse on the smaller
    // side (bounded stack), loop on the larger; skip a right side that starts past k.
    const leftSize = j + 1 - lo;
    const rightSize = i < k ? hi - i : 0;
    if (leftSize < rightSize) {
      sortRange(idx, key, lo, j + 1, k);
      lo = i;
    } else {
      if (rightSize > 0) sortRange(idx, key, i, hi, k);
      hi = j + 1;
    }
  }
  for (let a = lo + 1; a < hi; a++) {
    const ia = idx[a]!;
    const ka = key[a]!;
    let b = a - 1;
    while (b >= lo && (key[b]! < ka || (key[b] === ka && idx[b]! > ia))) {
      idx[b + 1] = idx[b]!;
      key[b + 1] = key[b]!;
      b--;
    }
    idx[b + 1] = ia;
    key[b + 1] = ka;
  }
}

/** Whether position a ranks before position b. */
function before(idx: Int32Array, key: Float32Array, a: number, b: number): boolean {
  return key[a]! > key[b]! || (key[a] === key[b] && idx[a]! < idx[b]!);
}

function swap(idx: Int32Array, key: Float32Array, a: number, b: number): void {
  const ti = idx[a]!;
  idx[a] = idx[b]!;
  idx[b] = ti;
  const tk = key[a]!;
  key[a] = key[b]!;
  key[b] = tk;
}
