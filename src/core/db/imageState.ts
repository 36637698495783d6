import { LABEL_REVIEWS } from '../../shared/project/reviewRule';
import type { Db } from './openDatabase';

/**
 * The image-state rule (DESIGN.md §6), the one place it is written. Core applies it in the same
 * transaction as every change that can alter it (edits, detection, import, undo/redo), whatever
 * shell made the change, so `images.status` is always what this rule says:
 *
 *   has a pending box                                   → 'predicted'
 *   else marked reviewed, or holds any decided box      → 'reviewed' (imported labels count)
 *   else the model ran on it                            → 'nothing-found'
 *   else                                                → 'unreviewed'
 */
const STATE_OF_IMAGE = `CASE
    WHEN EXISTS (SELECT 1 FROM annotations a WHERE a.image_id = images.id AND a.review = 'pending') THEN 'predicted'
    WHEN images.reviewed_mark = 1 OR EXISTS (SELECT 1 FROM annotations a WHERE a.image_id = images.id) THEN 'reviewed'
    WHEN images.detected = 1 THEN 'nothing-found'
    ELSE 'unreviewed' END`;

/** A box that is a label: a person accepted, edited or drew it, or it was imported as a label. */
export const LABEL_BOX = `review IN (${LABEL_REVIEWS.map((r) => `'${r}'`).join(', ')})`;

/**
 * An image whose labels are settled (what exports and training read): reviewed, or holding
 * imported labels. `i` is the images alias of the query.
 */
export const SETTLED_IMAGE = `(i.status = 'reviewed' OR EXISTS (
    SELECT 1 FROM annotations s WHERE s.image_id = i.id AND s.origin = 'imported' AND s.${LABEL_BOX}))`;

/** Re-derives the state of these images (call inside the transaction that changed them). */
export function refreshImageStates(db: Db, imageIds: Iterable<number>): void {
  const update = db.prepare(`UPDATE images SET status = ${STATE_OF_IMAGE} WHERE id = ?`);
  for (const id of new Set(imageIds)) update.run(id);
}

/** Re-derives the state of every image (bulk imports). */
export function refreshAllImageStates(db: Db): void {
  db.prepare(`UPDATE images SET status = ${STATE_OF_IMAGE}`).run();
}
