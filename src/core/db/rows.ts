import type { Split } from '../../shared/project/splits';
import type { AnnotationRecord, ClassRecord, ImageRecord } from '../../shared/project/types';

/** Column lists and row → record converters: the only place that knows column names. */

export const IMAGE_COLUMNS =
  'id, path, sha256, bytes, width, height, format, status, added_at, split';
export interface ImageRow {
  id: number;
  path: string;
  sha256: string;
  bytes: number;
  width: number;
  height: number;
  format: string;
  status: ImageRecord['status'];
  added_at: string;
  split: Split | null;
}
export function toImage(r: ImageRow): ImageRecord {
  return {
    id: r.id,
    path: r.path,
    sha256: r.sha256,
    bytes: r.bytes,
    width: r.width,
    height: r.height,
    format: r.format,
    status: r.status,
    addedAt: r.added_at,
    split: r.split,
  };
}

export const CLASS_COLUMNS = 'id, name, color, sort_order';
export interface ClassRow {
  id: number;
  name: string;
  color: string;
  sort_order: number;
}
export function toClass(r: ClassRow): ClassRecord {
  return { id: r.id, name: r.name, color: r.color, order: r.sort_order };
}

export const ANNOTATION_COLUMNS =
  'id, image_id, class_id, x1, y1, x2, y2, origin, model_id, run_id, score, review, created_at, updated_at';
export interface AnnotationRow {
  id: number;
  image_id: number;
  class_id: number;
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  origin: AnnotationRecord['origin'];
  model_id: number | null;
  run_id: number | null;
  score: number | null;
  review: AnnotationRecord['review'];
  created_at: string;
  updated_at: string;
}
export function toAnnotation(r: AnnotationRow): AnnotationRecord {
  return {
    id: r.id,
    imageId: r.image_id,
    classId: r.class_id,
    x1: r.x1,
    y1: r.y1,
    x2: r.x2,
    y2: r.y2,
    origin: r.origin,
    modelId: r.model_id,
    runId: r.run_id,
    score: r.score,
    review: r.review,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}
export function fromAnnotation(a: AnnotationRecord): AnnotationRow {
  return {
    id: a.id,
    image_id: a.imageId,
    class_id: a.classId,
    x1: a.x1,
    y1: a.y1,
    x2: a.x2,
    y2: a.y2,
    origin: a.origin,
    model_id: a.modelId,
    run_id: a.runId,
    score: a.score,
    review: a.review,
    created_at: a.createdAt,
    updated_at: a.updatedAt,
  };
}

export const now = (): string => new Date().toISOString();
