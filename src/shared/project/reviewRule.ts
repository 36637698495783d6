import type { Origin, ReviewState } from './types';

/**
 * The "edited" rule, the one definition both the backend and the UI's optimistic update use: a
 * model's box whose class or geometry a person changes becomes 'edited' (a person decided it);
 * an explicit review state always wins; anything else keeps its state.
 */
export function reviewAfterEdit(
  before: { origin: Origin; review: ReviewState },
  patch: { classId?: number; box?: unknown; review?: ReviewState },
): ReviewState {
  if (patch.review !== undefined) return patch.review;
  const geometryChanged = patch.classId !== undefined || patch.box !== undefined;
  return geometryChanged && before.origin === 'model' ? 'edited' : before.review;
}

/** The review states of a label: a box a person accepted, edited or drew, or imported as a label. */
export const LABEL_REVIEWS: readonly ReviewState[] = ['accepted', 'edited'];

/** Whether a box is a label (what exports, training and evaluation treat as ground truth). */
export function isLabel(box: { review: ReviewState }): boolean {
  return LABEL_REVIEWS.includes(box.review);
}
