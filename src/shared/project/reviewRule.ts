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
