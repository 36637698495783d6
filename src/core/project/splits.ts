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
