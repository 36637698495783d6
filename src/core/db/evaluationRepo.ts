import type { EvaluationSummaryJson } from '../../shared/eval/evaluate';
import { RECALL_THRESHOLDS } from '../../shared/eval/cocoEval';
import type {
  ErrorCounts,
  EvaluationRecord,
  EvaluationRecordKind,
  EvaluationSummary,
  StoredEvaluation,
  StoredEvaluationClass,
} from '../../shared/eval/storedEvaluation';
import type { Split } from '../../shared/project/splits';
import type { Db } from './openDatabase';
import { now } from './rows';

interface EvaluationRow {
  id: number;
  job_id: number | null;
  model: string;
  model_sha256: string;
  split: Split | null;
  created_at: string;
  images: number;
  ground_truth: number;
  detections: number;
  summary: string;
}

interface RecordRow {
  image_id: number;
  path: string;
  class_name: string;
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  kind: EvaluationRecordKind;
  score: number | null;
  iou: number | null;
}

/** What storing an evaluation takes (src/core/eval/projectEvaluation.ts builds it). */
export interface NewEvaluation {
  jobId: number | null;
  model: string;
  modelSha256: string;
  split: Split | null;
  params: Record<string, unknown>;
  images: number;
  groundTruth: number;
  detections: number;
  summary: EvaluationSummaryJson;
  errorCounts: ErrorCounts;
  classes: StoredEvaluationClass[];
  records: EvaluationRecord[];
}

function toSummary(r: EvaluationRow): EvaluationSummary {
  const s = JSON.parse(r.summary) as EvaluationSummaryJson;
  return {
    id: r.id,
    model: r.model,
    modelSha256: r.model_sha256,
    split: r.split,
    createdAt: r.created_at,
    jobId: r.job_id,
    images: r.images,
    groundTruth: r.ground_truth,
    detections: r.detections,
    AP: s.coco.AP,
    AP50: s.coco.AP50,
    mAPAll: s.voc.mAPAll,
  };
}

function toRecord(r: RecordRow): EvaluationRecord {
  return {
    imageId: r.image_id,
    image: r.path,
    className: r.class_name,
    box: { x1: r.x1, y1: r.y1, x2: r.x2, y2: r.y2 },
    kind: r.kind,
    score: r.score,
    iou: r.iou,
  };
}

/** Stored evaluations (migration 5): derived data, written once per evaluate job, never edited. */
export class EvaluationRepo {
  constructor(private readonly db: Db) {}

  /** Stores one evaluation with all its records; call inside a transaction. Returns its id. */
  insert(e: NewEvaluation): number {
    const id = Number(
      this.db
        .prepare(
          `INSERT INTO evaluations (job_id, model, model_sha256, split, params, created_at, images,
             ground_truth, detections, summary, error_counts, classes)
           VALUES (@jobId, @model, @modelSha256, @split, @params, @createdAt, @images,
             @groundTruth, @detections, @summary, @errorCounts, @classes)`,
        )
        .run({
          jobId: e.jobId,
          model: e.model,
          modelSha256: e.modelSha256,
          split: e.split,
          params: JSON.stringify(e.params),
          createdAt: now(),
          images: e.images,
          groundTruth: e.groundTruth,
          detections: e.detections,
          summary: JSON.stringify(e.summary),
          errorCounts: JSON.stringify(e.errorCounts),
          classes: JSON.stringify(e.classes),
        }).lastInsertRowid,
    );
    const add = this.db.prepare(
      `INSERT INTO evaluation_records (evaluation_id, seq, image_id, class_name, x1, y1, x2, y2,
         kind, score, iou) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    e.records.forEach((r, seq) =>
      add.run(
        id,
        seq,
        r.imageId,
        r.className,
        r.box.x1,
        r.box.y1,
        r.box.x2,
        r.box.y2,
        r.kind,
        r.score,
        r.iou,
      ),
    );
    return id;
  }

  /** Newest first. */
  list(): EvaluationSummary[] {
    return (
      this.db
        .prepare(
          `SELECT id, job_id, model, model_sha256, split, created_at, images, ground_truth,
             detections, summary FROM evaluations ORDER BY id DESC`,
        )
        .all() as EvaluationRow[]
    ).map(toSummary);
  }

  /** One evaluation, its record lists cut at `limit` each (false positives by score, misses by image). */
  get(id: number, limit: number): StoredEvaluation | undefined {
    const row = this.db.prepare('SELECT * FROM evaluations WHERE id = ?').get(id) as
      (EvaluationRow & { error_counts: string; classes: string }) | undefined;
    if (!row) return undefined;
    const records = (missed: boolean): { items: EvaluationRecord[]; total: number } => {
      const where = `r.evaluation_id = ? AND (r.kind = 'missed') = ?`;
      const items = (
        this.db
          .prepare(
            `SELECT r.image_id, i.path, r.class_name, r.x1, r.y1, r.x2, r.y2, r.kind, r.score, r.iou
             FROM evaluation_records r JOIN images i ON i.id = r.image_id
             WHERE ${where} ORDER BY ${missed ? 'i.sort_key, r.seq' : 'r.score DESC, r.seq'}
             LIMIT ?`,
          )
          .all(id, missed ? 1 : 0, limit) as RecordRow[]
      ).map(toRecord);
      const total = (
        this.db
          .prepare(`SELECT count(*) AS n FROM evaluation_records r WHERE ${where}`)
          .get(id, missed ? 1 : 0) as { n: number }
      ).n;
      return { items, total };
    };
    const fp = records(false);
    const miss = records(true);
    return {
      ...toSummary(row),
      summary: JSON.parse(row.summary) as EvaluationSummaryJson,
      errorCounts: JSON.parse(row.error_counts) as ErrorCounts,
      recallThresholds: [...RECALL_THRESHOLDS],
      classes: JSON.parse(row.classes) as StoredEvaluationClass[],
      falsePositives: fp.items,
      falsePositiveTotal: fp.total,
      misses: miss.items,
      missTotal: miss.total,
    };
  }

  /** Deletes an evaluation and its records; false when there was none. */
  delete(id: number): boolean {
    return this.db.prepare('DELETE FROM evaluations WHERE id = ?').run(id).changes > 0;
  }
}
