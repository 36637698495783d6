import type { Split } from '../../shared/project/splits';
import type { ProjectDb } from '../db/projectDb';

export interface SplitChange {
  /** Images whose split changed: those asked for and their identical twins. */
  changed: number[];
  /** Of those, twins (same sha256) that were not asked for but must share the split. */
  twins: number[];
}

/**
 * The person sets the split of some images: one undoable step ("set split to test"). Identical
 * files always share a split, so each image's twins (same sha256) change with it in the same step.
 * Images already in that split are left alone; a step that changes nothing is no step.
 */
export function setImageSplit(
  project: ProjectDb,
  imageIds: readonly number[],
  split: Split,
): SplitChange {
  const info = project.images.splitInfo();
  const byId = new Map(info.map((i) => [i.id, i]));
  const asked = new Set(imageIds);
  const shas = new Set(imageIds.map((id) => byId.get(id)?.sha256).filter((s) => s !== undefined));
  const targets = info.filter((i) => shas.has(i.sha256) && i.split !== split);
  return project.history.record(`set split to ${split}`, (w) => {
    for (const t of targets) w.setImageMarks(t.id, { split });
    return {
      changed: targets.map((t) => t.id),
      twins: targets.filter((t) => !asked.has(t.id)).map((t) => t.id),
    };
  });
}
