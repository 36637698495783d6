import type { Split } from './splits';
/**
 * What a project holds, as the backend returns it and the UI shows it. Boxes are x1,y1,x2,y2 in
 * image pixels (the one canonical format, DESIGN.md §11).
 */

/**
 * The state of an image, derived in core (src/core/db/imageState.ts) after every change:
 * 'unreviewed' (the model never ran on it and nobody labelled it), 'nothing-found' (the model ran
 * and found nothing), 'predicted' (it holds pending predictions), 'reviewed' (nothing pending and
 * a person decided on its boxes, marked it reviewed, or its labels were imported).
 */
export const IMAGE_STATUSES = ['unreviewed', 'nothing-found', 'predicted', 'reviewed'] as const;
export type ImageStatus = (typeof IMAGE_STATUSES)[number];

export const ORIGINS = ['manual', 'model', 'imported'] as const;
export type Origin = (typeof ORIGINS)[number];

export const REVIEW_STATES = ['pending', 'accepted', 'rejected', 'edited'] as const;
export type ReviewState = (typeof REVIEW_STATES)[number];

export interface ImageRecord {
  id: number;
  /** Relative to the project's image root, '/' separators. */
  path: string;
  sha256: string;
  bytes: number;
  /** As displayed (EXIF orientation applied). */
  width: number;
  height: number;
  format: string;
  status: ImageStatus;
  addedAt: string;
  /** train/val/test; null until assigned (src/core/project/splits.ts), imported or chosen. */
  split: Split | null;
}

export interface ImageListItem extends ImageRecord {
  /** Annotations of this image that are not rejected. */
  annotationCount: number;
  pendingCount: number;
}

export interface ClassRecord {
  id: number;
  name: string;
  /** CSS colour, e.g. "#1f77b4". */
  color: string;
  order: number;
}

export interface ClassListItem extends ClassRecord {
  /** Boxes of this class that are not rejected. */
  boxCount: number;
}

export interface Box {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

export interface AnnotationRecord extends Box {
  id: number;
  imageId: number;
  classId: number;
  origin: Origin;
  modelId: number | null;
  runId: number | null;
  score: number | null;
  review: ReviewState;
  createdAt: string;
  updatedAt: string;
}

export interface ProjectStats {
  images: number;
  imagesByStatus: Record<ImageStatus, number>;
  /** Images whose labels are not settled (not reviewed and no imported labels): exports skip them. */
  imagesNeverReviewed: number;
  annotations: number;
  byClass: { name: string; count: number }[];
  byOrigin: Record<Origin, number>;
  byReview: Record<ReviewState, number>;
  runs: number;
}
