import type { ClassRecord } from '../../shared/project/types';
import type { StepWriter } from '../db/editHistory';
import type { ProjectDb } from '../db/projectDb';

/**
 * Class changes, each one undoable step in the edit history (so an undo never meets a box whose
 * class is gone). Callers check names and ids first (the backend answers with a clear message).
 */

export function createClass(project: ProjectDb, name: string, color?: string): ClassRecord {
  return project.history.record(`add class ${name}`, (w) => w.ensureClass(name, color));
}

export function renameClass(project: ProjectDb, classId: number, name: string): ClassRecord {
  return project.history.record(`rename class to ${name}`, (w) => w.updateClass(classId, { name }));
}

export function recolorClass(project: ProjectDb, classId: number, color: string): ClassRecord {
  return project.history.record('recolour class', (w) => w.updateClass(classId, { color }));
}

/** Moves every box of `fromId` to `intoId` (review states kept) and removes `fromId`. */
export function mergeClasses(project: ProjectDb, fromId: number, intoId: number): number {
  const from = project.classes.get(fromId);
  const into = project.classes.get(intoId);
  return project.history.record(
    `merge ${from?.name ?? 'class'} into ${into?.name ?? 'class'}`,
    (w) => {
      const moved = reassign(project, w, fromId, intoId);
      w.deleteClass(fromId);
      return moved;
    },
  );
}

/**
 * Removes a class. Its boxes go with it (one undoable step), or move to `reassignTo` (a merge).
 * Returns how many boxes were deleted or moved.
 */
export function deleteClass(
  project: ProjectDb,
  classId: number,
  options: { reassignTo?: number } = {},
): number {
  if (options.reassignTo !== undefined) return mergeClasses(project, classId, options.reassignTo);
  const name = project.classes.get(classId)?.name ?? 'class';
  return project.history.record(`delete class ${name}`, (w) => {
    const boxes = project.annotations.ofClass(classId);
    for (const a of boxes) w.deleteAnnotation(a.id);
    w.deleteClass(classId);
    return boxes.length;
  });
}

function reassign(project: ProjectDb, w: StepWriter, fromId: number, intoId: number): number {
  const boxes = project.annotations.ofClass(fromId);
  // A class change by merge is no review decision: the review state stays as it was.
  for (const a of boxes) w.updateAnnotation(a.id, { classId: intoId, review: a.review });
  return boxes.length;
}
