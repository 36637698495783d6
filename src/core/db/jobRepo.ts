import type {
  JobParams,
  JobFailure,
  JobKind,
  JobRecord,
  StoredJobState,
} from '../../shared/jobs/types';
import type { JobOwner, StoredOwner } from '../jobs/jobOwner';
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
  owner_pid: number | null;
  owner_host: string | null;
  owner_token: string | null;
  heartbeat_at: number | null;
  stop_request: StopRequest | null;
}

/** What another process asked the owner of a running job to do. */
export type StopRequest = 'paused' | 'cancelled';

/** A stored job; `state` as stored (the runner knows whether 'running' is still true). */
export type StoredJob = Omit<JobRecord, 'state' | 'runningElsewhere'> & {
  state: StoredJobState;
  /** Who last ran it (null before migration 6 or before it first ran). */
  owner: StoredOwner | null;
  stopRequest: StopRequest | null;
};

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
    owner:
      r.owner_pid !== null && r.owner_token !== null
        ? {
            pid: r.owner_pid,
            host: r.owner_host ?? '',
            token: r.owner_token,
            heartbeatAt: r.heartbeat_at ?? 0,
          }
        : null,
    stopRequest: r.stop_request,
  };
}

const FINAL: readonly StoredJobState[] = ['cancelled', 'done', 'failed'];

/** The jobs table: what each job was asked, where it stands, and the files that failed. */
export class JobRepo {
  constructor(private readonly db: Db) {}

  /** A new job, 'running' and owned by `owner` from its first moment. */
  create(kind: JobKind, params: JobParams, owner: JobOwner): StoredJob {
    const t = now();
    const id = Number(
      this.db
        .prepare(
          "INSERT INTO jobs (kind, params, state, created_at, updated_at, owner_pid, owner_host, owner_token, heartbeat_at) VALUES (?, ?, 'running', ?, ?, ?, ?, ?, ?)",
        )
        .run(kind, JSON.stringify(params), t, t, owner.pid, owner.host, owner.token, Date.now())
        .lastInsertRowid,
    );
    return this.get(id)!;
  }

  /**
   * Makes `owner` the job's runner ('running', fresh heartbeat, no stop request) unless `taken`
   * says its current owner still runs it; the check and the claim are one write transaction, so
   * two processes resuming the same job cannot both win. Returns the job as found when refused.
   */
  claim(
    id: number,
    owner: JobOwner,
    taken: (job: StoredJob) => boolean,
  ): { claimed: true } | { claimed: false; job: StoredJob } {
    return this.db
      .transaction((): { claimed: true } | { claimed: false; job: StoredJob } => {
        const job = this.get(id)!;
        if (taken(job)) return { claimed: false, job };
        this.db
          .prepare(
            "UPDATE jobs SET state = 'running', owner_pid = ?, owner_host = ?, owner_token = ?, heartbeat_at = ?, stop_request = NULL, updated_at = ?, finished_at = NULL WHERE id = ?",
          )
          .run(owner.pid, owner.host, owner.token, Date.now(), now(), id);
        return { claimed: true };
      })
      .immediate();
  }

  /**
   * Refreshes the heartbeat of the jobs `token` runs; returns the stop requests other processes
   * left on them.
   */
  heartbeat(ids: readonly number[], token: string): Map<number, StopRequest> {
    const asked = new Map<number, StopRequest>();
    this.db.transaction(() => {
      for (const id of ids) {
        const row = this.db
          .prepare(
            "UPDATE jobs SET heartbeat_at = ? WHERE id = ? AND owner_token = ? AND state = 'running' RETURNING stop_request",
          )
          .get(Date.now(), id, token) as { stop_request: StopRequest | null } | undefined;
        if (row?.stop_request) asked.set(id, row.stop_request);
      }
    })();
    return asked;
  }

  /** Asks the owner of a running job (another process) to pause or cancel it. */
  requestStop(id: number, as: StopRequest): boolean {
    return (
      this.db
        .prepare("UPDATE jobs SET stop_request = ? WHERE id = ? AND state = 'running'")
        .run(as, id).changes > 0
    );
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
        'UPDATE jobs SET state = ?, message = coalesce(?, message), updated_at = ?, finished_at = ?, stop_request = NULL WHERE id = ?',
      )
      .run(state, message ?? null, t, FINAL.includes(state) ? t : null, id);
  }

  linkRun(id: number, runId: number): void {
    this.db.prepare('UPDATE jobs SET run_id = ? WHERE id = ?').run(runId, id);
  }

  /** Stored by the job's owner: it is a heartbeat too. */
  progress(id: number, done: number, total: number): void {
    this.db
      .prepare('UPDATE jobs SET done = ?, total = ?, updated_at = ?, heartbeat_at = ? WHERE id = ?')
      .run(done, total, now(), Date.now(), id);
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
