import type { AnnotationRecord, Box, Origin, ReviewState } from '../../shared/project/types';
import { LABEL_BOX } from './imageState';
import type { Db } from './openDatabase';
import { ANNOTATION_COLUMNS, now, toAnnotation, type AnnotationRow } from './rows';

export interface NewAnnotation extends Box {
  imageId: number;
  classId: number;
  origin: Origin;
  review: ReviewState;
  modelId?: number | null;
  runId?: number | null;
  score?: number | null;
}

export interface ModelBox extends Box {
  classId: number;
  score: number;
}

/** Annotation rows. Bulk import writes live here; every other change goes through EditHistory. */
export class AnnotationRepo {
  constructor(private readonly db: Db) {}

  get(id: number): AnnotationRecord | undefined {
    const row = this.db
      .prepare(`SELECT ${ANNOTATION_COLUMNS} FROM annotations WHERE id = ?`)
      .get(id) as AnnotationRow | undefined;
    return row && toAnnotation(row);
  }

  /** All boxes of one image, rejected ones included (the UI hides or greys them). */
  ofImage(imageId: number): AnnotationRecord[] {
    return (
      this.db
        .prepare(`SELECT ${ANNOTATION_COLUMNS} FROM annotations WHERE image_id = ? ORDER BY id`)
        .all(imageId) as AnnotationRow[]
    ).map(toAnnotation);
  }

  /** Every box of one class (merges and class deletes). */
  ofClass(classId: number): AnnotationRecord[] {
    return (
      this.db
        .prepare(`SELECT ${ANNOTATION_COLUMNS} FROM annotations WHERE class_id = ? ORDER BY id`)
        .all(classId) as AnnotationRow[]
    ).map(toAnnotation);
  }

  /** One page of an image's boxes (by id), and how many it has in all. */
  pageOfImage(
    imageId: number,
    offset: number,
    limit: number,
  ): { total: number; items: AnnotationRecord[] } {
    const { n } = this.db
      .prepare('SELECT count(*) AS n FROM annotations WHERE image_id = ?')
      .get(imageId) as { n: number };
    const rows = this.db
      .prepare(
        `SELECT ${ANNOTATION_COLUMNS} FROM annotations WHERE image_id = ? ORDER BY id LIMIT ? OFFSET ?`,
      )
      .all(imageId, limit, offset) as AnnotationRow[];
    return { total: n, items: rows.map(toAnnotation) };
  }

  private insertStatement?: ReturnType<Db['prepare']>;

  insert(a: NewAnnotation): number {
    const t = now();
    // Prepared once: bulk imports insert hundreds of thousands of rows.
    this.insertStatement ??= this.db.prepare(
      `INSERT INTO annotations (image_id, class_id, x1, y1, x2, y2, origin, model_id, run_id, score, review, created_at, updated_at)
         VALUES (@imageId, @classId, @x1, @y1, @x2, @y2, @origin, @modelId, @runId, @score, @review, @t, @t)`,
    );
    const info = this.insertStatement.run({ modelId: null, runId: null, score: null, ...a, t });
    return Number(info.lastInsertRowid);
  }

  /** Every box with its image path, for exports; `only: 'accepted'` keeps labels only. */
  forExport(only: 'accepted' | 'all'): (AnnotationRecord & { path: string })[] {
    const filter = only === 'accepted' ? `a.${LABEL_BOX}` : "a.review <> 'rejected'";
    const cols = ANNOTATION_COLUMNS.split(', ')
      .map((c) => `a.${c}`)
      .join(', ');
    const rows = this.db
      .prepare(
        `SELECT ${cols}, i.path FROM annotations a JOIN images i ON i.id = a.image_id WHERE ${filter} ORDER BY i.path, a.id`,
      )
      .all() as (AnnotationRow & { path: string })[];
    return rows.map((r) => ({ ...toAnnotation(r), path: r.path }));
  }
}
