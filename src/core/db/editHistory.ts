import type { AnnotationRecord, Box, ReviewState } from '../../shared/project/types';
import type { NewAnnotation } from './annotationRepo';
import type { Db } from './openDatabase';
import { ANNOTATION_COLUMNS, fromAnnotation, now, toAnnotation, type AnnotationRow } from './rows';

export interface AnnotationPatch {
  classId?: number;
  box?: Box;
  review?: ReviewState;
}

export interface HistoryStep {
  batch: number;
  label: string;
  /** The image whose boxes the step touched (the UI goes there). */
  imageId: number | null;
  /** Annotations the step touched (the UI re-selects them). */
  annotationIds: number[];
}

/**
 * Undoable edits of annotations. Each public call is one step ("batch") recorded in the `edits`
 * table with full before/after rows, inside one transaction with the change itself — so undo and
 * redo survive a restart, and a crash never leaves an edit without its history or vice versa.
 */
export class EditHistory {
  constructor(private readonly db: Db) {}

  create(input: NewAnnotation, label = 'add box'): AnnotationRecord {
    return this.step(label, (record) => {
      const t = now();
      const info = this.db
        .prepare(
          `INSERT INTO annotations (image_id, class_id, x1, y1, x2, y2, origin, model_id, run_id, score, review, created_at, updated_at)
           VALUES (@imageId, @classId, @x1, @y1, @x2, @y2, @origin, @modelId, @runId, @score, @review, @t, @t)`,
        )
        .run({ modelId: null, runId: null, score: null, ...input, t });
      const created = this.read(Number(info.lastInsertRowid))!;
      record(created.id, null, created);
      return created;
    });
  }

  /** Changes class, box or review state. A model box whose class or box changes becomes 'edited'. */
  update(id: number, patch: AnnotationPatch, label = 'edit box'): AnnotationRecord {
    return this.updateMany([id], () => patch, label)[0]!;
  }

  /** One step over several annotations (e.g. "accept all shown"). */
  updateMany(
    ids: readonly number[],
    patchFor: (a: AnnotationRecord) => AnnotationPatch,
    label: string,
  ): AnnotationRecord[] {
    return this.step(label, (record) =>
      ids.map((id) => {
        const before = this.read(id);
        if (!before) throw new Error(`annotation ${id} does not exist`);
        const patch = patchFor(before);
        const geometryChanged = patch.classId !== undefined || patch.box !== undefined;
        const review =
          patch.review ?? (geometryChanged && before.origin === 'model' ? 'edited' : before.review);
        const after: AnnotationRecord = {
          ...before,
          ...(patch.classId !== undefined ? { classId: patch.classId } : {}),
          ...(patch.box ?? {}),
          review,
          updatedAt: now(),
        };
        this.write(after);
        record(id, before, after);
        return after;
      }),
    );
  }

  remove(ids: readonly number[], label = 'delete box'): void {
    this.step(label, (record) => {
      for (const id of ids) {
        const before = this.read(id);
        if (!before) throw new Error(`annotation ${id} does not exist`);
        this.db.prepare('DELETE FROM annotations WHERE id = ?').run(id);
        record(id, before, null);
      }
    });
  }

  canUndo(): boolean {
    return this.lastDone() !== undefined;
  }

  canRedo(): boolean {
    return this.firstUndone() !== undefined;
  }

  /** Reverts the latest step; undefined when there is nothing to undo. */
  undo(): HistoryStep | undefined {
    return this.db.transaction(() => {
      const batch = this.lastDone();
      if (batch === undefined) return undefined;
      const edits = this.editsOf(batch).reverse();
      for (const e of edits) this.restore(e.annotation_id, e.before);
      this.db.prepare('UPDATE edits SET undone = 1 WHERE batch = ?').run(batch);
      return stepOf(batch, edits);
    })();
  }

  /** Re-applies the step undone last; undefined when there is nothing to redo. */
  redo(): HistoryStep | undefined {
    return this.db.transaction(() => {
      const batch = this.firstUndone();
      if (batch === undefined) return undefined;
      const edits = this.editsOf(batch);
      for (const e of edits) this.restore(e.annotation_id, e.after);
      this.db.prepare('UPDATE edits SET undone = 0 WHERE batch = ?').run(batch);
      return stepOf(batch, edits);
    })();
  }

  private step<T>(
    label: string,
    fn: (
      record: (id: number, before: AnnotationRecord | null, after: AnnotationRecord | null) => void,
    ) => T,
  ): T {
    return this.db.transaction(() => {
      // A new edit discards what could have been redone, as in every editor.
      this.db.prepare('DELETE FROM edits WHERE undone = 1').run();
      const { b } = this.db.prepare('SELECT coalesce(max(batch), 0) + 1 AS b FROM edits').get() as {
        b: number;
      };
      const insert = this.db.prepare(
        'INSERT INTO edits (batch, label, annotation_id, before, after, at) VALUES (?, ?, ?, ?, ?, ?)',
      );
      const at = now();
      return fn((id, before, after) => {
        insert.run(
          b,
          label,
          id,
          before && JSON.stringify(before),
          after && JSON.stringify(after),
          at,
        );
      });
    })();
  }

  private lastDone(): number | undefined {
    return (
      (
        this.db.prepare('SELECT max(batch) AS b FROM edits WHERE undone = 0').get() as {
          b: number | null;
        }
      ).b ?? undefined
    );
  }

  private firstUndone(): number | undefined {
    return (
      (
        this.db.prepare('SELECT min(batch) AS b FROM edits WHERE undone = 1').get() as {
          b: number | null;
        }
      ).b ?? undefined
    );
  }

  private editsOf(
    batch: number,
  ): { annotation_id: number; label: string; before: string | null; after: string | null }[] {
    return this.db
      .prepare('SELECT annotation_id, label, before, after FROM edits WHERE batch = ? ORDER BY id')
      .all(batch) as {
      annotation_id: number;
      label: string;
      before: string | null;
      after: string | null;
    }[];
  }

  /** Puts an annotation back to a recorded state (null: it did not exist). */
  private restore(id: number, state: string | null): void {
    if (state === null) {
      this.db.prepare('DELETE FROM annotations WHERE id = ?').run(id);
      return;
    }
    const row = fromAnnotation(JSON.parse(state) as AnnotationRecord);
    this.db
      .prepare(
        `INSERT INTO annotations (${ANNOTATION_COLUMNS})
         VALUES (@id, @image_id, @class_id, @x1, @y1, @x2, @y2, @origin, @model_id, @run_id, @score, @review, @created_at, @updated_at)
         ON CONFLICT (id) DO UPDATE SET class_id = excluded.class_id, x1 = excluded.x1, y1 = excluded.y1,
           x2 = excluded.x2, y2 = excluded.y2, review = excluded.review, score = excluded.score,
           updated_at = excluded.updated_at`,
      )
      .run(row);
  }

  private read(id: number): AnnotationRecord | undefined {
    const row = this.db
      .prepare(`SELECT ${ANNOTATION_COLUMNS} FROM annotations WHERE id = ?`)
      .get(id) as AnnotationRow | undefined;
    return row && toAnnotation(row);
  }

  private write(a: AnnotationRecord): void {
    this.db
      .prepare(
        'UPDATE annotations SET class_id = @class_id, x1 = @x1, y1 = @y1, x2 = @x2, y2 = @y2, review = @review, updated_at = @updated_at WHERE id = @id',
      )
      .run(fromAnnotation(a));
  }
}

type EditRow = {
  annotation_id: number;
  label: string;
  before: string | null;
  after: string | null;
};

function stepOf(batch: number, edits: EditRow[]): HistoryStep {
  const first = edits[0];
  const row = first
    ? (JSON.parse(first.before ?? first.after ?? 'null') as AnnotationRecord | null)
    : null;
  return {
    batch,
    label: first?.label ?? '',
    imageId: row?.imageId ?? null,
    annotationIds: edits.map((e) => e.annotation_id),
  };
}
