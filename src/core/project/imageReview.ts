import type { ProjectDb } from '../db/projectDb';

/**
 * "This image is done" (Ctrl+Enter), one undoable step: boxes still pending (e.g. hidden below
 * the score threshold) are rejected, since a reviewed image holds no open question, and the
 * image carries the reviewed mark (so an image without any box can be a reviewed negative).
 * Returns how many pending boxes were rejected.
 */
export function markReviewed(project: ProjectDb, imageId: number): number {
  return project.history.record('mark reviewed', (w) => {
    const pending = project.annotations.ofImage(imageId).filter((a) => a.review === 'pending');
    for (const a of pending) w.updateAnnotation(a.id, { review: 'rejected' });
    w.setImageMarks(imageId, { reviewedMark: 1 });
    return pending.length;
  });
}

/** Takes the reviewed mark away (undoable); boxes a person decided on still count as reviewed. */
export function reopenImage(project: ProjectDb, imageId: number): void {
  project.history.record('reopen image', (w) => w.setImageMarks(imageId, { reviewedMark: 0 }));
}
