/**
 * Which settled images train and which validate. Until the project has stored splits (the jobs
 * and splits issue), this is a deterministic split by a hash of each image's path and a seed:
 * the same project gives the same split on every run and machine, and adding images does not
 * move the ones already placed. The one place the lead points at the real splits later.
 */
import type { SettledImage } from '../project/settledLabels';

export interface TrainValSplit {
  train: SettledImage[];
  val: SettledImage[];
}

export function trainValSplit(
  images: readonly SettledImage[],
  options: { valFraction: number; seed: number },
): TrainValSplit {
  const train: SettledImage[] = [];
  const val: SettledImage[] = [];
  for (const s of images) {
    (hashUnit(`${options.seed}:${s.image.path}`) < options.valFraction ? val : train).push(s);
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
