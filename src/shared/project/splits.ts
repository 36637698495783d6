/** Train/val/test splits: the assignment rule, pure (src/core/project/splits.ts applies it). */

export const SPLITS = ['train', 'val', 'test'] as const;
export type Split = (typeof SPLITS)[number];

export function isSplit(value: unknown): value is Split {
  return (SPLITS as readonly unknown[]).includes(value);
}

export interface SplitRatios {
  train: number;
  val: number;
  test: number;
}

export const DEFAULT_RATIOS: SplitRatios = { train: 0.7, val: 0.15, test: 0.15 };

/** A unit that must stay in one split (identical files), with what it is stratified by. */
export interface SplitGroup {
  key: string;
  /** The stratum: e.g. the group's rarest class; groups of one stratum are split in ratio. */
  stratum: string;
}

/** FNV-1a of seed and key: a stable pseudo-random order that does not depend on input order. */
function rank(seed: number, key: string): number {
  let h = 0x811c9dc5 ^ seed;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  // A final avalanche so that nearby keys do not keep nearby ranks.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  return h >>> 0;
}

/**
 * Assigns each group a split: within each stratum, groups in a seeded order take train, val and
 * test by the ratios (largest-remainder rounding, so small strata still get a test share when
 * they can). The same groups, seed and ratios always give the same answer.
 */
export function assignSplits(
  groups: readonly SplitGroup[],
  seed: number,
  ratios: SplitRatios = DEFAULT_RATIOS,
): Map<string, Split> {
  const total = ratios.train + ratios.val + ratios.test;
  const byStratum = new Map<string, SplitGroup[]>();
  for (const g of groups) {
    const list = byStratum.get(g.stratum) ?? [];
    list.push(g);
    byStratum.set(g.stratum, list);
  }
  const out = new Map<string, Split>();
  for (const [, list] of [...byStratum].sort(([a], [b]) => (a < b ? -1 : 1))) {
    list.sort((a, b) => rank(seed, a.key) - rank(seed, b.key) || (a.key < b.key ? -1 : 1));
    const n = list.length;
    const exact = SPLITS.map((s) => (n * ratios[s]) / total);
    const counts = exact.map(Math.floor);
    const order = [2, 1, 0].sort((a, b) => exact[b]! - counts[b]! - (exact[a]! - counts[a]!));
    for (let left = n - counts.reduce((a, b) => a + b, 0), i = 0; left > 0; left--, i++)
      counts[order[i % 3]!]!++;
    let i = 0;
    SPLITS.forEach((split, s) => {
      for (let c = 0; c < counts[s]!; c++) out.set(list[i++]!.key, split);
    });
  }
  return out;
}
