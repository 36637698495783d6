/**
 * Which settled images train and which validate: the project's stored splits (images.split,
 * src/core/project/splits.ts) — 'train' trains, 'val' validates, 'test' is never seen by training
 * (it is left for evaluation). An image without a stored split (the project was never split, or
 * it came in after) falls back to a deterministic hash of its path and the seed, so the same
 * project gives the same split on every run and machine. Shells assign missing splits first
 * (`ensureSplits`), so the fallback is for callers that cannot write the project.
 */
import type { Split } from '../../shared/project/splits';
import type { ProjectDb } from '../db/projectDb';
import type { SettledImage } from '../project/settledLabels';

export interface TrainValSplit {
  train: SettledImage[];
  val: SettledImage[];
}

/** Each image's stored split, by image id (null: none yet). */
export function storedSplits(project: ProjectDb): ReadonlyMap<number, Split | null> {
  return new Map(project.images.splitInfo().map((i) => [i.id, i.split]));
}

export function trainValSplit(
  images: readonly SettledImage[],
  options: { valFraction: number; seed: number; splits?: ReadonlyMap<number, Split | null> },
): TrainValSplit {
  const train: SettledImage[] = [];
  const val: SettledImage[] = [];
  for (const s of images) {
    const stored = options.splits?.get(s.image.id) ?? null;
    if (stored === 'test') continue;
    const side =
      stored ??
      (hashUnit(`${options.seed}:${s.image.path}`) < options.valFraction ? 'val' : 'train');
    (side === 'val' ? val : train).push(s);
  }
  // A tiny project still needs one image on each side.
  if (val.length === 0 && train.length > 1) val.push(train.pop()!);
  if (train.length === 0 && val.length > 1) train.push(val.pop()!);
  return { train, val };
}

/** FNV-1a of the string, as a number in [0, 1). */
function hashUnit(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) / 4294967296;
}
