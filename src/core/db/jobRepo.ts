import type {
  JobParams,
  JobFailure,
  JobKind,
  JobRecord,
  StoredJobState,
} from '../../shared/jobs/types';
import type { Db } from './openDatabase';
import { now } from './rows';

interface JobRow {
  id: number;
  kind: JobKind;
  params: string;
  state: StoredJobState;
  run_id: number | null;
  done: number;
  total: number;
  failed: number;
  message: string | null;
  created_at: string;
  updated_at: string;
  finished_at: string | null;
}

/** A stored job; `state` as stored (the runner knows whether 'running' is still true). */
export type StoredJob = Omit<JobRecord, 'state'> & { state: StoredJobState };

function toJob(r: JobRow): StoredJob {
  return {
    id: r.id,
    kind: r.kind,
    params: JSON.parse(r.params) as JobParams,
    state: r.state,
    runId: r.run_id,
    done: r.done,
    total: r.total,
    failed: r.failed,
    message: r.message,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    finishedAt: r.finished_at,
  };
}

const FINAL: readonly StoredJobState[] = ['cancelled', 'done', 'failed'];

/** The jobs table: what each job was asked, where it stands, and the files that failed. */
export class JobRepo {
  constructor(private readonly db: Db) {}

  create(kind: JobKind, params: JobParams): StoredJob {
    const t = now();
    const id = Number(
      this.db
        .prepare(
          "INSERT INTO jobs (kind, params, state, created_at, updated_at) VALUES (?, ?, 'running', ?, ?)",
        )
        .run(kind, JSON.stringify(params), t, t).lastInsertRowid,
    );
    return this.get(id)!;
  }

  get(id: number): StoredJob | undefined {
    const row = this.db.prepare('SELECT * FROM jobs WHERE id = ?').get(id) as JobRow | undefined;
    return row ? toJob(row) : undefined;
  }

  /** Newest first. */
  list(limit = 50): StoredJob[] {
    return (
      this.db.prepare('SELECT * FROM jobs ORDER BY id DESC LIMIT ?').all(limit) as JobRow[]
    ).map(toJob);
  }

  /** Jobs not finished: running (perhaps killed) or paused, oldest first. */
  unfinished(): StoredJob[] {
    return (
      this.db
        .prepare("SELECT * FROM jobs WHERE state IN ('running', 'paused') ORDER BY id")
        .all() as JobRow[]
    ).map(toJob);
  }

  /** The newest unfinished job of this kind asked exactly this, to continue instead of a new one. */
  findUnfinished(kind: JobKind, params: JobParams): StoredJob | undefined {
    const row = this.db
      .prepare(
        "SELECT * FROM jobs WHERE kind = ? AND params = ? AND state IN ('running', 'paused') ORDER BY id DESC LIMIT 1",
      )
      .get(kind, JSON.stringify(params)) as JobRow | undefined;
    return row ? toJob(row) : undefined;
  }

  setState(id: number, state: StoredJobState, message?: string): void {
    const t = now();
    this.db
      .prepare(
        'UPDATE jobs SET state = ?, message = coalesce(?, message), updated_at = ?, finished_at = ? WHERE id = ?',
      )
      .run(state, message ?? null, t, FINAL.includes(state) ? t : null, id);
  }

  linkRun(id: number, runId: number): void {
    this.db.prepare('UPDATE jobs SET run_id = ? WHERE id = ?').run(runId, id);
  }

  progress(id: number, done: number, total: number): void {
    this.db
      .prepare('UPDATE jobs SET done = ?, total = ?, updated_at = ? WHERE id = ?')
      .run(done, total, now(), id);
  }

  /** Records a failed file (once per file); call inside the transaction that marks it visited. */
  addFailure(id: number, file: string, reason: string): void {
    this.db
      .prepare('INSERT OR REPLACE INTO job_errors (job_id, file, reason) VALUES (?, ?, ?)')
      .run(id, file, reason);
    this.db
      .prepare(
        'UPDATE jobs SET failed = (SELECT count(*) FROM job_errors WHERE job_id = ?) WHERE id = ?',
      )
      .run(id, id);
  }

  /** What a job keeps beside its state (a training job: its curves), as JSON. */
  setResult(id: number, result: unknown): void {
    this.db
      .prepare('UPDATE jobs SET result = ?, updated_at = ? WHERE id = ?')
      .run(JSON.stringify(result), now(), id);
  }

  result(id: number): unknown {
    const row = this.db.prepare('SELECT result FROM jobs WHERE id = ?').get(id) as
      { result: string | null } | undefined;
    return row?.result ? (JSON.parse(row.result) as unknown) : null;
  }

  failures(id: number): JobFailure[] {
    return this.db
      .prepare('SELECT file, reason FROM job_errors WHERE job_id = ? ORDER BY file')
      .all(id) as JobFailure[];
  }
}
