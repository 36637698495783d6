/**
 * Training reads the project's stored splits; a project (or images) without one gets it here
 * first, by the seeded split rule (src/core/project/splits.ts), and the caller says so. Every
 * shell that starts training (the CLI, the app's training job) goes through this.
 */
import type { ProjectDb } from '../db/projectDb';
import { assignMissingSplits } from '../project/splits';

/** Assigns splits to images that have none; returns what to tell the person, or null. */
export function ensureSplits(project: ProjectDb): string | null {
  const missing = project.images.splitInfo().filter((i) => i.split === null).length;
  if (missing === 0) return null;
  const r = assignMissingSplits(project);
  const c = r.counts;
  return `assigned splits to ${r.assigned} image${r.assigned === 1 ? '' : 's'} without one (seeded rule): train ${c.train}, val ${c.val}, test ${c.test}`;
}
