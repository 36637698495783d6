import { api } from '../api';
import { getState } from '../state/store';
import { openImageById } from './navigation';
import { done, perform } from './run';

/**
 * "Next most uncertain" (U): opens the image the model doubts most — a pending box scoring
 * nearest the score threshold, then most pending boxes, then least confident (the backend's
 * review-queue order) — other than the one open now.
 */
export async function nextMostUncertain(): Promise<void> {
  const s = getState();
  const page = await perform('next most uncertain', () =>
    api.listImages({
      order: 'uncertain',
      threshold: s.threshold,
      annotationReview: 'pending',
      // Within the list's split and score band, when the person narrowed them.
      ...(s.filters.split !== 'all' ? { split: s.filters.split } : {}),
      ...(s.filters.band[0] > 0 || s.filters.band[1] < 1
        ? { scoreBand: { min: s.filters.band[0], max: s.filters.band[1] } }
        : {}),
      limit: 2,
    }),
  );
  if (!page) return;
  const next = page.items.find((i) => i.id !== s.current?.id);
  if (!next) return done('No other image has pending boxes');
  await perform('open image', () => openImageById(next.id));
}
