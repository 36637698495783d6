import type { Split } from '../../shared/project/splits';
import type { AnnotationRecord, Box, ClassRecord, ReviewState } from '../../shared/project/types';
import { reviewAfterEdit } from '../../shared/project/reviewRule';
import type { NewAnnotation } from './annotationRepo';
import { CLASS_PALETTE } from './classRepo';
import { refreshImageStates } from './imageState';
import type { Db } from './openDatabase';
import {
  ANNOTATION_COLUMNS,
  CLASS_COLUMNS,
  fromAnnotation,
  now,
  toAnnotation,
  toClass,
  type AnnotationRow,
  type ClassRow,
} from './rows';

export interface AnnotationPatch {
  classId?: number;
  box?: Box;
  review?: ReviewState;
}

/**
 * What the history keeps of an image: the person's mark, whether the model ran on it, and its
 * split. (Steps recorded before splits were edited lack `split`: they leave it as it is.)
 */
export interface ImageMarks {
  id: number;
  reviewedMark: 0 | 1;
  detected: 0 | 1;
  split?: Split | null;
}

type Kind = 'annotation' | 'class' | 'image';
type Row = AnnotationRecord | ClassRecord | ImageMarks;

export interface HistoryStep {
  batch: number;
  label: string;
  /** The image whose boxes the step touched (the UI goes there). */
  imageId: number | null;
  /** Annotations the step touched (the UI re-selects them). */
  annotationIds: number[];
  /** Every image whose boxes or marks the step touched (their state may have changed). */
  imageIds: number[];
  /** True when the step touched classes (the UI reloads its class list). */
  classesChanged: boolean;
}

/** A step that could not be undone or redone: dropped from the history, the rest goes on. */
export interface SkippedStep {
  label: string;
  reason: string;
}

export interface HistoryOutcome {
  step?: HistoryStep;
  skipped?: SkippedStep;
}

/** Groups consecutive calls into one step ("detect 160 images") while nothing else came between. */
export interface StepGroup {
  batch?: number;
  /** Calls that recorded something in the current batch. */
  count: number;
  /** The step's label for that many calls. */
  label: (count: number) => string;
}

class StepConflict extends Error {}

/**
 * The writes a step may make. Each one changes the database and records the row before and
 * after, so the step can be undone and redone exactly.
 */
export interface StepWriter {
  insertAnnotation(input: NewAnnotation): AnnotationRecord;
  updateAnnotation(id: number, patch: AnnotationPatch): AnnotationRecord;
  deleteAnnotation(id: number): void;
  /** The id of the class with this name, creating it (next colour, last in order) if needed. */
  ensureClass(name: string, color?: string): ClassRecord;
  updateClass(id: number, patch: { name?: string; color?: string }): ClassRecord;
  deleteClass(id: number): void;
  setImageMarks(
    id: number,
    marks: { reviewedMark?: 0 | 1; detected?: 0 | 1; split?: Split | null },
  ): void;
}

/**
 * The edit history behind undo/redo (DESIGN.md §6). Each step is one batch in the `edits` table
 * with the full rows before and after (annotations, classes, image marks), written in the same
 * transaction as the change itself and as the image-state rule — so undo and redo survive a
 * restart and a crash never leaves an edit without its history. Ids are never reused
 * (AUTOINCREMENT), so a restored row can only be the row that was there. A step that can no longer
 * apply (its rows changed since) is rolled back, dropped and reported; the stack never sticks.
 */
export class EditHistory {
  constructor(private readonly db: Db) {}

  /**
   * Runs `fn` as one undoable step. A step that records nothing is no step (it neither clears
   * the redo stack nor appears in the history). With `group`, consecutive calls share one step
   * as long as no other step came between them.
   */
  record<T>(label: string, fn: (w: StepWriter) => T, group?: StepGroup): T {
    return this.db.transaction(() => {
      let batch: number | undefined;
      const touchedImages = new Set<number>();
      const insert = this.db.prepare(
        'INSERT INTO edits (batch, label, kind, row_id, before, after, at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      );
      const at = now();
      const log = (kind: Kind, id: number, before: Row | null, after: Row | null): void => {
        if (batch === undefined) {
          const reuse =
            group?.batch !== undefined &&
            group.batch === this.lastDone() &&
            this.firstUndone() === undefined;
          if (reuse) batch = group.batch;
          else {
            // A new edit discards what could have been redone, as in every editor.
            this.db.prepare('DELETE FROM edits WHERE undone = 1').run();
            batch = (
              this.db.prepare('SELECT coalesce(max(batch), 0) + 1 AS b FROM edits').get() as {
                b: number;
              }
            ).b;
            if (group) group.count = 0;
          }
          if (group) {
            group.batch = batch;
            group.count++;
          }
        }
        insert.run(
          batch,
          label,
          kind,
          id,
          before && JSON.stringify(before),
          after && JSON.stringify(after),
          at,
        );
        for (const r of [before, after])
          if (r) for (const img of imagesOf(kind, r)) touchedImages.add(img);
      };
      const result = fn(this.writer(log));
      if (batch !== undefined && group?.batch === batch)
        this.db
          .prepare(
            'UPDATE edits SET label = ? WHERE id = (SELECT min(id) FROM edits WHERE batch = ?)',
          )
          .run(group.label(group.count), batch);
      refreshImageStates(this.db, touchedImages);
      return result;
    })();
  }

  create(input: NewAnnotation, label = 'add box'): AnnotationRecord {
    return this.record(label, (w) => w.insertAnnotation(input));
  }

  /** Changes class, box or review state (the "edited" rule: `reviewAfterEdit`). */
  update(id: number, patch: AnnotationPatch, label = 'edit box'): AnnotationRecord {
    return this.updateMany([id], () => patch, label)[0]!;
  }

  /** One step over several annotations (e.g. "accept all shown"). */
  updateMany(
    ids: readonly number[],
    patchFor: (a: AnnotationRecord) => AnnotationPatch,
    label: string,
  ): AnnotationRecord[] {
    return this.record(label, (w) =>
      ids.map((id) => {
        const before = this.readAnnotation(id);
        if (!before) throw new Error(`annotation ${id} does not exist`);
        return w.updateAnnotation(id, patchFor(before));
      }),
    );
  }

  remove(ids: readonly number[], label = 'delete box'): void {
    this.record(label, (w) => {
      for (const id of ids) w.deleteAnnotation(id);
    });
  }

  canUndo(): boolean {
    return this.lastDone() !== undefined;
  }

  canRedo(): boolean {
    return this.firstUndone() !== undefined;
  }

  /** Reverts the latest step; an empty outcome when there is nothing to undo. */
  undo(): HistoryOutcome {
    return this.db.transaction((): HistoryOutcome => {
      const batch = this.lastDone();
      if (batch === undefined) return {};
      const edits = this.editsOf(batch);
      try {
        this.db.transaction(() => {
          for (const e of [...edits].reverse()) this.restore(e, 'undo');
        })();
      } catch (err) {
        // It can never apply: drop it (and nothing else); older steps stay undoable.
        this.db.prepare('DELETE FROM edits WHERE batch = ?').run(batch);
        return { skipped: { label: edits[0]?.label ?? '', reason: reasonOf(err) } };
      }
      this.db.prepare('UPDATE edits SET undone = 1 WHERE batch = ?').run(batch);
      return { step: this.finish(batch, edits) };
    })();
  }

  /** Re-applies the step undone last; an empty outcome when there is nothing to redo. */
  redo(): HistoryOutcome {
    return this.db.transaction((): HistoryOutcome => {
      const batch = this.firstUndone();
      if (batch === undefined) return {};
      const edits = this.editsOf(batch);
      try {
        this.db.transaction(() => {
          for (const e of edits) this.restore(e, 'redo');
        })();
      } catch (err) {
        // Later undone steps were made on top of this one: none of them can apply either.
        this.db.prepare('DELETE FROM edits WHERE undone = 1').run();
        return { skipped: { label: edits[0]?.label ?? '', reason: reasonOf(err) } };
      }
      this.db.prepare('UPDATE edits SET undone = 0 WHERE batch = ?').run(batch);
      return { step: this.finish(batch, edits) };
    })();
  }

  private finish(batch: number, edits: EditRow[]): HistoryStep {
    const step = stepOf(batch, edits);
    refreshImageStates(this.db, step.imageIds);
    return step;
  }

  private writer(
    log: (kind: Kind, id: number, before: Row | null, after: Row | null) => void,
  ): StepWriter {
    const db = this.db;
    return {
      insertAnnotation: (input) => {
        const t = now();
        const info = db
          .prepare(
            `INSERT INTO annotations (image_id, class_id, x1, y1, x2, y2, origin, model_id, run_id, score, review, created_at, updated_at)
             VALUES (@imageId, @classId, @x1, @y1, @x2, @y2, @origin, @modelId, @runId, @score, @review, @t, @t)`,
          )
          .run({ modelId: null, runId: null, score: null, ...input, t });
        const created = this.readAnnotation(Number(info.lastInsertRowid))!;
        log('annotation', created.id, null, created);
        return created;
      },
      updateAnnotation: (id, patch) => {
        const before = this.readAnnotation(id);
        if (!before) throw new Error(`annotation ${id} does not exist`);
        const after: AnnotationRecord = {
          ...before,
          ...(patch.classId !== undefined ? { classId: patch.classId } : {}),
          ...(patch.box
            ? { x1: patch.box.x1, y1: patch.box.y1, x2: patch.box.x2, y2: patch.box.y2 }
            : {}),
          review: reviewAfterEdit(before, patch),
          updatedAt: now(),
        };
        this.writeAnnotation(after);
        log('annotation', id, before, after);
        return after;
      },
      deleteAnnotation: (id) => {
        const before = this.readAnnotation(id);
        if (!before) throw new Error(`annotation ${id} does not exist`);
        db.prepare('DELETE FROM annotations WHERE id = ?').run(id);
        log('annotation', id, before, null);
      },
      ensureClass: (name, color) => {
        const existing = db
          .prepare(`SELECT ${CLASS_COLUMNS} FROM classes WHERE name = ?`)
          .get(name) as ClassRow | undefined;
        if (existing) return toClass(existing);
        const { n, o } = db
          .prepare('SELECT count(*) AS n, coalesce(max(sort_order) + 1, 0) AS o FROM classes')
          .get() as { n: number; o: number };
        const info = db
          .prepare('INSERT INTO classes (name, color, sort_order) VALUES (?, ?, ?)')
          .run(name, color ?? CLASS_PALETTE[n % CLASS_PALETTE.length]!, o);
        const created = this.readClass(Number(info.lastInsertRowid))!;
        log('class', created.id, null, created);
        return created;
      },
      updateClass: (id, patch) => {
        const before = this.readClass(id);
        if (!before) throw new Error(`class ${id} does not exist`);
        const after: ClassRecord = { ...before, ...patch };
        db.prepare('UPDATE classes SET name = ?, color = ? WHERE id = ?').run(
          after.name,
          after.color,
          id,
        );
        log('class', id, before, after);
        return after;
      },
      deleteClass: (id) => {
        const before = this.readClass(id);
        if (!before) throw new Error(`class ${id} does not exist`);
        db.prepare('DELETE FROM classes WHERE id = ?').run(id);
        log('class', id, before, null);
      },
      setImageMarks: (id, marks) => {
        const before = this.readImageMarks(id);
        if (!before) throw new Error(`image ${id} does not exist`);
        const after: ImageMarks = { ...before, ...marks };
        if (
          after.reviewedMark === before.reviewedMark &&
          after.detected === before.detected &&
          after.split === before.split
        )
          return;
        db.prepare('UPDATE images SET reviewed_mark = ?, detected = ?, split = ? WHERE id = ?').run(
          after.reviewedMark,
          after.detected,
          after.split ?? null,
          id,
        );
        log('image', id, before, after);
      },
    };
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

  private editsOf(batch: number): EditRow[] {
    return this.db
      .prepare('SELECT kind, row_id, label, before, after FROM edits WHERE batch = ? ORDER BY id')
      .all(batch) as EditRow[];
  }

  /**
   * Puts one row back to its recorded state. The row must be exactly as the step left it (undo)
   * or found it (redo); otherwise something changed it since and the step cannot apply.
   */
  private restore(e: EditRow, direction: 'undo' | 'redo'): void {
    const expected = direction === 'undo' ? e.after : e.before;
    const target = direction === 'undo' ? e.before : e.after;
    const current = this.readKind(e.kind, e.row_id);
    if (!sameRow(current, expected)) {
      throw new StepConflict(
        `${e.kind} ${e.row_id} ${current ? 'was changed' : 'is gone'} since (${direction} would overwrite it)`,
      );
    }
    if (e.kind === 'annotation') this.restoreAnnotation(e.row_id, target);
    else if (e.kind === 'class') this.restoreClass(e.row_id, target);
    else if (target) {
      const m = JSON.parse(target) as ImageMarks;
      this.db
        .prepare(
          'UPDATE images SET reviewed_mark = ?, detected = ?, split = CASE WHEN ? THEN ? ELSE split END WHERE id = ?',
        )
        .run(m.reviewedMark, m.detected, m.split !== undefined ? 1 : 0, m.split ?? null, e.row_id);
    }
  }

  private restoreAnnotation(id: number, state: string | null): void {
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

  private restoreClass(id: number, state: string | null): void {
    if (state === null) {
      this.db.prepare('DELETE FROM classes WHERE id = ?').run(id);
      return;
    }
    const c = JSON.parse(state) as ClassRecord;
    this.db
      .prepare(
        `INSERT INTO classes (${CLASS_COLUMNS}) VALUES (@id, @name, @color, @order)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, color = excluded.color, sort_order = excluded.sort_order`,
      )
      .run(c);
  }

  private readKind(kind: Kind, id: number): Row | undefined {
    if (kind === 'annotation') return this.readAnnotation(id);
    if (kind === 'class') return this.readClass(id);
    return this.readImageMarks(id);
  }

  private readAnnotation(id: number): AnnotationRecord | undefined {
    const row = this.db
      .prepare(`SELECT ${ANNOTATION_COLUMNS} FROM annotations WHERE id = ?`)
      .get(id) as AnnotationRow | undefined;
    return row && toAnnotation(row);
  }

  private readClass(id: number): ClassRecord | undefined {
    const row = this.db.prepare(`SELECT ${CLASS_COLUMNS} FROM classes WHERE id = ?`).get(id) as
      ClassRow | undefined;
    return row && toClass(row);
  }

  private readImageMarks(id: number): ImageMarks | undefined {
    const row = this.db
      .prepare('SELECT id, reviewed_mark, detected, split FROM images WHERE id = ?')
      .get(id) as
      { id: number; reviewed_mark: 0 | 1; detected: 0 | 1; split: Split | null } | undefined;
    return (
      row && {
        id: row.id,
        reviewedMark: row.reviewed_mark,
        detected: row.detected,
        split: row.split,
      }
    );
  }

  private writeAnnotation(a: AnnotationRecord): void {
    this.db
      .prepare(
        'UPDATE annotations SET class_id = @class_id, x1 = @x1, y1 = @y1, x2 = @x2, y2 = @y2, review = @review, updated_at = @updated_at WHERE id = @id',
      )
      .run(fromAnnotation(a));
  }
}

interface EditRow {
  kind: Kind;
  row_id: number;
  label: string;
  before: string | null;
  after: string | null;
}

/** Rows compared by value, key order aside (JSON from SQLite and from a record agree on fields). */
function sameRow(current: Row | undefined, recorded: string | null): boolean {
  if (!current) return recorded === null;
  if (recorded === null) return false;
  const a = current as unknown as Record<string, unknown>;
  const b = JSON.parse(recorded) as Record<string, unknown>;
  // Fields a recorded row lacks (an image step from before splits were recorded) are not compared.
  for (const k of Object.keys(b)) if (a[k] !== b[k]) return false;
  for (const k of Object.keys(a))
    if (!(k in b) && k !== 'split' && a[k] !== undefined) return false;
  return true;
}

function imagesOf(kind: Kind, r: Row): number[] {
  if (kind === 'annotation') return [(r as AnnotationRecord).imageId];
  if (kind === 'image') return [(r as ImageMarks).id];
  return [];
}

function reasonOf(err: unknown): string {
  if (err instanceof StepConflict) return err.message;
  return err instanceof Error ? err.message : String(err);
}

function stepOf(batch: number, edits: EditRow[]): HistoryStep {
  const imageIds = new Set<number>();
  const annotationIds: number[] = [];
  let classesChanged = false;
  for (const e of edits) {
    if (e.kind === 'class') classesChanged = true;
    if (e.kind === 'annotation') annotationIds.push(e.row_id);
    for (const s of [e.before, e.after])
      if (s) for (const img of imagesOf(e.kind, JSON.parse(s) as Row)) imageIds.add(img);
  }
  return {
    batch,
    label: edits[0]?.label ?? '',
    imageId: imageIds.size > 0 ? [...imageIds][0]! : null,
    annotationIds,
    imageIds: [...imageIds],
    classesChanged,
  };
}
