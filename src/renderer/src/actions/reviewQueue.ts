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
      limit: 2,
    }),
  );
  if (!page) return;
  const next = page.items.find((i) => i.id !== s.current?.id);
  if (!next) return done('No other image has pending boxes');
  await perform('open image', () => openImageById(next.id));
}
