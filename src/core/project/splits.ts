import {
  assignSplits,
  DEFAULT_RATIOS,
  type Split,
  type SplitRatios,
} from '../../shared/project/splits';
import type { ProjectDb } from '../db/projectDb';

export interface SplitReport {
  assigned: number;
  counts: Record<Split | 'none', number>;
}

/**
 * Gives every image without a split one: identical files (same sha256) form one group that always
 * shares a split — a group member that already has a split brings the others along — and groups
 * are stratified by their rarest labelled class (unlabelled groups form their own stratum), then
 * assigned by the seeded rule of src/shared/project/splits.ts. Splits already set (imported or
 * chosen) are kept. This fills in a default rather than editing labels, so it is not an undo step.
 */
export function assignMissingSplits(
  project: ProjectDb,
  options: { seed?: number; ratios?: SplitRatios; reassign?: boolean } = {},
): SplitReport {
  return project.transaction(() => {
    const images = project.images.splitInfo();
    const classFrequency = new Map<number, number>();
    for (const img of images)
      for (const c of img.classIds) classFrequency.set(c, (classFrequency.get(c) ?? 0) + 1);
    const groups = new Map<string, { ids: number[]; split: Split | null; classIds: Set<number> }>();
    for (const img of images) {
      const g = groups.get(img.sha256) ?? { ids: [], split: null, classIds: new Set<number>() };
      g.ids.push(img.id);
      if (!options.reassign && img.split && !g.split) g.split = img.split;
      for (const c of img.classIds) g.classIds.add(c);
      groups.set(img.sha256, g);
    }
    const open = [...groups].filter(([, g]) => g.split === null);
    const rarest = (ids: Set<number>): string => {
      let best: number | undefined;
      for (const c of ids)
        if (
          best === undefined ||
          classFrequency.get(c)! < classFrequency.get(best)! ||
          (classFrequency.get(c) === classFrequency.get(best) && c < best)
        )
          best = c;
      return best === undefined ? 'unlabelled' : `class ${best}`;
    };
    const chosen = assignSplits(
      open.map(([key, g]) => ({ key, stratum: rarest(g.classIds) })),
      options.seed ?? 0,
      options.ratios ?? DEFAULT_RATIOS,
    );
    let assigned = 0;
    const current = new Map(images.map((i) => [i.id, i.split]));
    for (const [key, g] of groups) {
      const split = g.split ?? chosen.get(key)!;
      for (const id of g.ids)
        if (current.get(id) !== split) {
          project.images.setSplit(id, split);
          assigned++;
        }
    }
    return { assigned, counts: project.images.splitCounts() };
  });
}

/** A split a file (or the person) asks for one image, and where it was asked (for messages). */
export interface WantedSplit {
  split: Split;
  where: string;
}

/** Which split identical files named with different splits share: the training side wins. */
const TWIN_PRECEDENCE: readonly Split[] = ['train', 'val', 'test'];

/**
 * Sets the splits a dataset's files give (called inside the import's transaction). Identical
 * files (same sha256) always share one split: twins the file names with different splits all get
 * the one earliest in train → val → test (an image also used for training was never held out, so
 * keeping it out of val/test is what keeps the evaluation honest), and twins the file does not
 * name follow the named one. Each such decision is a warning naming the files. Not an undo step:
 * like the rest of an import it is a bulk write from a file that can be repeated.
 */
export function applyWantedSplits(
  project: ProjectDb,
  wanted: ReadonlyMap<number, WantedSplit>,
): { set: number; warnings: { where: string; message: string }[] } {
  const warnings: { where: string; message: string }[] = [];
  if (wanted.size === 0) return { set: 0, warnings };
  const info = project.images.splitInfo();
  const pathOf = new Map(project.images.all().map((i) => [i.id, i.path]));
  const bySha = new Map<string, typeof info>();
  for (const img of info) bySha.set(img.sha256, [...(bySha.get(img.sha256) ?? []), img]);
  let set = 0;
  for (const group of bySha.values()) {
    const named = group.filter((g) => wanted.has(g.id));
    if (named.length === 0) continue;
    const asked = new Set(named.map((g) => wanted.get(g.id)!.split));
    const split = TWIN_PRECEDENCE.find((s) => asked.has(s))!;
    if (asked.size > 1) {
      warnings.push({
        where: named.map((g) => wanted.get(g.id)!.where).join(', '),
        message: `identical files ${named.map((g) => `'${pathOf.get(g.id)}' (${wanted.get(g.id)!.split})`).join(', ')} must share a split: all ${split}`,
      });
    }
    for (const g of group) {
      if (!wanted.has(g.id) && g.split !== split) {
        warnings.push({
          where: wanted.get(named[0]!.id)!.where,
          message: `'${pathOf.get(g.id)}' is identical to '${pathOf.get(named[0]!.id)}': split ${split}${g.split ? ` (was ${g.split})` : ''}`,
        });
      }
      if (g.split !== split) {
        project.images.setSplit(g.id, split);
        set++;
      }
    }
  }
  return { set, warnings };
}
