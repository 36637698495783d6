import { statSync } from 'node:fs';
import path from 'node:path';
import type {
  DetectJobParams,
  EvaluateJobParams,
  ImportJobParams,
  JobFailure,
  JobKind,
  JobRecord,
  TrainJobParams,
  TrainMetrics,
} from '../../shared/jobs/types';
import type { EvaluationResult } from '../../shared/eval/evaluate';
import { isResumable } from '../../shared/jobs/types';
import { ShotboxError } from '../../shared/api/errors';
import { RateMeter } from '../../shared/jobs/rateMeter';
import type { ProjectDb } from '../db/projectDb';
import type { StoredJob } from '../db/jobRepo';
import type { Detector } from '../detector/detector';
import { prewarmImagePreparer } from '../detector/imagePreparer';
import { detectIntoProject, type ProjectDetectReport } from '../project/detectIntoProject';
import {
  importFolder,
  outsideRootReason,
  relativeToRoot,
  type NewFile,
} from '../project/importFolder';
import { runProjectEvaluation, storeProjectEvaluation } from '../eval/projectEvaluation';
import { listModels } from '../models/registry';
import { WorkerExitError, type SpawnWorker } from '../training/spawnTrainer';
import { HEARTBEAT_EVERY_MS, newJobOwner, ownerIsLive, type JobOwner } from './jobOwner';
import {
  readTrainMetrics,
  runTrainJob,
  type TrainJobOutcome,
  type TrainProgress,
} from './trainJob';

/** What a job tells its watchers; every job ends with exactly one 'done' or 'error'. */
export type JobEvent =
  | {
      type: 'progress';
      jobId: number;
      kind: JobKind;
      phase: 'import' | 'detect' | 'evaluate' | 'train';
      done: number;
      total: number;
      failed: number;
      rate: number | null;
      etaSeconds: number | null;
      /** A training job's newest step or epoch (its curves grow from these). */
      train?: Pick<TrainProgress, 'step' | 'epoch'>;
    }
  | {
      type: 'done';
      jobId: number;
      job: JobRecord;
      report: DetectJobOutcome;
      /** Evaluate jobs: the stored evaluation. */
      evaluationId?: number;
    }
  | { type: 'train-done'; jobId: number; job: JobRecord; report: TrainJobOutcome }
  | { type: 'error'; jobId: number; job: JobRecord; message: string };

/** What one session of a detect job did (a resumed job counts only what this session did). */
export interface DetectJobOutcome {
  processed: number;
  detections: number;
  /** Older pending predictions of the same model that new ones replaced. */
  replaced: number;
  merged: number;
  skippedReviewed: number;
  /** Images the job had finished before this session (it resumed). */
  alreadyDone: number;
  imported: number;
  failures: JobFailure[];
  state: JobRecord['state'];
}

/**
 * What one session of an import job did: `imported` images recorded, `processed` files looked at
 * (recorded or already known).
 */
export interface ImportJobOutcome extends DetectJobOutcome {
  /** Files already in the project (same path, size and modification time): not read again. */
  alreadyKnown: number;
  /** Recorded images whose content equals another image's (each path kept). */
  duplicates: { file: string; of: string }[];
}

/** What an evaluate job did: `processed` images scored, `detections` made, and its result. */
export interface EvaluateJobOutcome extends DetectJobOutcome {
  /** The stored evaluation (absent when stopped before the end). */
  evaluationId?: number;
  result?: EvaluationResult;
}

export class JobError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JobError';
  }
}

/**
 * The job is run by another live process (jobOwner.ts): nothing here may resume or restart it.
 * A conflict in the one error shape, so the server answers 409 with this message.
 */
export class JobRunningElsewhereError extends ShotboxError {
  constructor(
    readonly jobId: number,
    readonly owner: { pid: number; host: string },
    self: JobOwner,
  ) {
    super(
      'conflict',
      `job ${jobId} is running in another shotbox process (pid ${owner.pid}` +
        `${owner.host !== self.host ? ` on ${owner.host}` : ''}); wait for it or cancel it ` +
        "(Ctrl+C there pauses it; the app's jobs panel can pause or cancel it)",
      'JobRunningElsewhereError',
    );
  }
}

interface LiveJob {
  abort: AbortController;
  /** What stopping should leave the job as. */
  stopAs: 'paused' | 'cancelled';
  finished?: Promise<JobOutcome>;
}

export type JobOutcome = DetectJobOutcome | ImportJobOutcome | EvaluateJobOutcome | TrainJobOutcome;

export interface JobRunnerOptions {
  /**
   * The detector for a job's model (the shell owns loading and caching). Without it, the runner
   * runs only jobs that need no model (import) and lists jobs; a detect or evaluate job fails.
   */
  detector?: (model: string | undefined) => Promise<Detector>;
  onEvent?: (event: JobEvent) => void;
  /** How often progress is stored and reported at most (ms); the last image always is. */
  progressEveryMs?: number;
  /** Starts the training worker (Electron passes utilityProcess.fork; default child_process). */
  spawnWorker?: SpawnWorker;
}

/**
 * Runs persistent jobs on a project: each job is a row of the jobs table (src/core/db/jobRepo),
 * its work resumable because a detection run records every finished image in the same
 * transaction as its boxes. A job killed with its process stays 'running' in the file and is
 * reported as 'interrupted'; `resume` continues it, skipping what was done. One detect job runs at
 * a time (the model uses every core). Shells (backend, CLI) call this and never run jobs
 * themselves.
 */
export class JobRunner {
  private readonly live = new Map<number, LiveJob>();
  private readonly emit: (event: JobEvent) => void;
  /** This runner as the owner of the jobs it runs (jobOwner.ts). */
  private readonly owner = newJobOwner();
  private heartbeat: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly project: ProjectDb,
    private readonly options: JobRunnerOptions,
  ) {
    this.emit = options.onEvent ?? (() => {});
  }

  private loadDetector(model: string | undefined): Promise<Detector> {
    return this.options.detector
      ? this.options.detector(model)
      : Promise.reject(new Error('this runner was started for jobs that run no model'));
  }

  /** Jobs newest first, with 'interrupted' for a 'running' job no process of ours runs. */
  list(limit = 50): JobRecord[] {
    return this.project.jobs.list(limit).map((j) => this.view(j));
  }

  get(jobId: number): (JobRecord & { failures: JobFailure[] }) | undefined {
    const job = this.project.jobs.get(jobId);
    return job ? { ...this.view(job), failures: this.project.jobs.failures(jobId) } : undefined;
  }

  /** Jobs a restart can continue: interrupted by a kill or paused. */
  resumable(): JobRecord[] {
    return this.project.jobs
      .unfinished()
      .map((j) => this.view(j))
      .filter((j) => isResumable(j.state));
  }

  isRunning(jobId: number): boolean {
    return this.live.has(jobId);
  }

  /**
   * Starts a detect job, or continues the unfinished one asked exactly the same (so running the
   * same command after a kill resumes rather than starting over). Returns at once; `finished`
   * settles when the job stops.
   */
  startDetect(params: DetectJobParams): {
    job: JobRecord;
    /** An unfinished job asked the same was continued. */
    resumed: boolean;
    finished: Promise<DetectJobOutcome>;
  } {
    const clean = normaliseParams(params);
    const existing = this.project.jobs.findUnfinished('detect', clean);
    if (existing && this.live.has(existing.id))
      throw new JobError(`job ${existing.id} is already running this`);
    if (existing) this.refuseIfRunningElsewhere(existing);
    // A killed job's stored progress may lag: a resumed job starts from the run's own count.
    if (existing) this.syncDetectProgress(existing.id);
    const job = existing
      ? this.project.jobs.get(existing.id)!
      : this.project.jobs.create('detect', clean, this.owner);
    const view = this.view(job);
    return {
      job: view,
      resumed: existing !== undefined,
      finished: this.launch(job.id) as Promise<DetectJobOutcome>,
    };
  }

  /**
   * Starts an import job, or continues the unfinished one asked the same: files already recorded
   * are not read again, so a resumed import does nothing twice. Returns at once.
   */
  startImport(params: ImportJobParams): {
    job: JobRecord;
    resumed: boolean;
    finished: Promise<ImportJobOutcome>;
  } {
    const clean: ImportJobParams = { inputs: normaliseInputs(params.inputs) };
    const root = this.project.imageRoot;
    for (const input of clean.inputs) {
      const outside = outsideRootReason(root, path.resolve(root, ...input.split('/')));
      if (outside) throw new JobError(outside);
    }
    const existing = this.project.jobs.findUnfinished('import', clean);
    if (existing && this.live.has(existing.id))
      throw new JobError(`job ${existing.id} is already running this`);
    if (existing) this.refuseIfRunningElsewhere(existing);
    if (this.live.size > 0) throw new JobError(RUNNING);
    const job = existing ?? this.project.jobs.create('import', clean, this.owner);
    return {
      job: this.view(job),
      resumed: existing !== undefined,
      finished: this.launch(job.id) as Promise<ImportJobOutcome>,
    };
  }

  /**
   * Starts a training job, or continues the unfinished one asked exactly the same (from its last
   * checkpoint). A new job's name must not be a registered model's.
   */
  startTrain(params: TrainJobParams): {
    job: JobRecord;
    resumed: boolean;
    finished: Promise<TrainJobOutcome>;
  } {
    const clean: TrainJobParams = {
      base: params.base,
      name: params.name,
      mode: params.mode,
      epochs: params.epochs,
      augmentation: params.augmentation,
      split: params.split,
      ...(params.maxImages ? { maxImages: params.maxImages } : {}),
      ...(params.batchSize ? { batchSize: params.batchSize } : {}),
    };
    const existing = this.project.jobs.findUnfinished('train', clean);
    if (existing && this.live.has(existing.id))
      throw new JobError(`job ${existing.id} is already running this`);
    if (existing) this.refuseIfRunningElsewhere(existing);
    if (!existing && listModels().models.some((m) => m.manifest.name === clean.name))
      throw new JobError(
        `a model named '${clean.name}' is already registered: choose another name`,
      );
    if (this.live.size > 0) throw new JobError(RUNNING);
    const job = existing ?? this.project.jobs.create('train', clean, this.owner);
    return {
      job: this.view(job),
      resumed: existing !== undefined,
      finished: this.launch(job.id, existing === undefined) as Promise<TrainJobOutcome>,
    };
  }

  /** A training job's curves (per-step losses, per-epoch val mAP) and its registered model. */
  trainMetrics(jobId: number): TrainMetrics {
    const job = this.project.jobs.get(jobId);
    if (!job || job.kind !== 'train') throw new JobError(`job ${jobId} is not a training job`);
    return readTrainMetrics(this.project, jobId);
  }

  /**
   * Starts an evaluate job: the model over the settled images of a split (or all), the result
   * stored in the project (src/core/eval/projectEvaluation.ts). Nothing is stored until the end,
   * so a stopped evaluate job that is resumed runs again from the start.
   */
  startEvaluate(params: EvaluateJobParams): {
    job: JobRecord;
    finished: Promise<EvaluateJobOutcome>;
  } {
    const clean: EvaluateJobParams = {
      ...(params.model !== undefined ? { model: params.model } : {}),
      ...(params.split !== undefined ? { split: params.split } : {}),
      ...(params.scoreThreshold !== undefined ? { scoreThreshold: params.scoreThreshold } : {}),
    };
    if (this.live.size > 0) throw new JobError(RUNNING);
    const job = this.project.jobs.create('evaluate', clean, this.owner);
    return {
      job: this.view(job),
      finished: this.launch(job.id) as Promise<EvaluateJobOutcome>,
    };
  }

  /** Continues a paused or interrupted job. */
  resume(jobId: number): { job: JobRecord; finished: Promise<JobOutcome> } {
    const job = this.project.jobs.get(jobId);
    if (!job) throw new JobError(`job ${jobId} does not exist`);
    this.refuseIfRunningElsewhere(job);
    const state = this.view(job).state;
    if (!isResumable(state)) throw new JobError(`job ${jobId} is ${state}: nothing to resume`);
    return { job: this.view(job), finished: this.launch(jobId) };
  }

  /**
   * Stops a running job after the image in flight; a paused job can be resumed. A job another
   * process runs is asked to pause (its owner stops at its next heartbeat).
   */
  pause(jobId: number): boolean {
    return this.stop(jobId, 'paused') || this.askOwner(jobId, 'paused');
  }

  /** Stops a job for good (boxes stored so far stay); a paused or interrupted one is closed. */
  cancel(jobId: number): boolean {
    if (this.stop(jobId, 'cancelled') || this.askOwner(jobId, 'cancelled')) return true;
    const job = this.project.jobs.get(jobId);
    if (!job || !isResumable(this.view(job).state)) return false;
    this.project.jobs.setState(jobId, 'cancelled', 'cancelled');
    return true;
  }

  /** Pauses every running job and waits for them (the app is closing: they resume next time). */
  async dispose(): Promise<void> {
    const waiting = [...this.live.entries()].map(([id, j]) => {
      this.stop(id, 'paused');
      return j.finished?.catch(() => undefined);
    });
    await Promise.all(waiting);
  }

  private stop(jobId: number, as: 'paused' | 'cancelled'): boolean {
    const job = this.live.get(jobId);
    if (!job) return false;
    job.stopAs = as;
    job.abort.abort();
    return true;
  }

  /**
   * A stored 'running' job this runner does not run is either run by another live process (it
   * stays 'running', with who runs it) or was left by one that died ('interrupted').
   */
  private view(job: StoredJob): JobRecord {
    const { owner, stopRequest: _asked, ...record } = job;
    if (job.state !== 'running' || this.live.has(job.id)) return record;
    if (owner && ownerIsLive(owner, this.owner, Date.now()))
      return { ...record, runningElsewhere: { pid: owner.pid, host: owner.host } };
    return { ...record, state: 'interrupted' };
  }

  /**
   * Progress is stored at most every progressEveryMs; the detection run's own table says exactly
   * which images a detect job finished, so a stopped or killed job's count is taken from there.
   */
  private syncDetectProgress(jobId: number): void {
    const job = this.project.jobs.get(jobId);
    if (job?.runId == null) return;
    const done = this.project.runs.doneImageIds(job.runId).size;
    if (done !== job.done) this.project.jobs.progress(jobId, done, job.total);
  }

  /** True when another live process runs this job (see jobOwner.ts). */
  private runningElsewhere(job: StoredJob): boolean {
    return (
      job.state === 'running' &&
      !this.live.has(job.id) &&
      ownerIsLive(job.owner, this.owner, Date.now())
    );
  }

  private refuseIfRunningElsewhere(job: StoredJob): void {
    if (this.runningElsewhere(job))
      throw new JobRunningElsewhereError(job.id, job.owner!, this.owner);
  }

  /** Leaves a pause or cancel request for the process that runs the job. */
  private askOwner(jobId: number, as: 'paused' | 'cancelled'): boolean {
    const job = this.project.jobs.get(jobId);
    return (
      job !== undefined && this.runningElsewhere(job) && this.project.jobs.requestStop(jobId, as)
    );
  }

  private launch(jobId: number, fresh = false): Promise<JobOutcome> {
    if (this.live.size > 0) throw new JobError(RUNNING);
    // Checked and claimed in one write transaction: of two processes resuming the same job at
    // the same moment, one runs it and the other is refused.
    const claim = this.project.jobs.claim(jobId, this.owner, (j) => this.runningElsewhere(j));
    if (!claim.claimed) throw new JobRunningElsewhereError(jobId, claim.job.owner!, this.owner);
    const live: LiveJob = { abort: new AbortController(), stopAs: 'paused' };
    this.live.set(jobId, live);
    this.startHeartbeat();
    const kind = this.project.jobs.get(jobId)!.kind;
    const run: Promise<JobOutcome> =
      kind === 'train'
        ? this.runTrain(jobId, live, fresh)
        : kind === 'evaluate'
          ? this.runEvaluate(jobId, live)
          : kind === 'import'
            ? this.runImport(jobId, live)
            : this.runDetect(jobId, live);
    const finished = run.finally(() => {
      this.live.delete(jobId);
      if (this.live.size === 0) this.stopHeartbeat();
    });
    live.finished = finished;
    return finished;
  }

  /**
   * While jobs run, their heartbeat is refreshed (so other processes see them live) and stop
   * requests other processes left are carried out. Unref'd: it never keeps a process alive.
   */
  private startHeartbeat(): void {
    if (this.heartbeat) return;
    this.heartbeat = setInterval(() => this.beat(), HEARTBEAT_EVERY_MS);
    this.heartbeat.unref();
  }

  private stopHeartbeat(): void {
    clearInterval(this.heartbeat);
    this.heartbeat = undefined;
  }

  private beat(): void {
    let asked: Map<number, 'paused' | 'cancelled'>;
    try {
      asked = this.project.jobs.heartbeat([...this.live.keys()], this.owner.token);
    } catch {
      // The project is busy (or closing): the next beat tries again, well inside the stale window.
      return;
    }
    for (const [id, as] of asked) this.stop(id, as);
  }

  /**
   * Progress of one job, stored and emitted at most every `progressEveryMs` (and always when
   * forced, or at the end of a phase), with one rate meter; `restart` starts the meter again
   * (a new phase counts other things).
   */
  private progressReporter(jobId: number, kind: JobKind) {
    const every = this.options.progressEveryMs ?? 250;
    let meter = new RateMeter();
    let last = 0;
    return {
      report: (
        phase: 'import' | 'detect' | 'evaluate',
        done: number,
        total: number,
        options: { force?: boolean; failed?: number } = {},
      ): void => {
        const t = performance.now();
        meter.sample(done, t);
        if (!options.force && done < total && t - last < every) return;
        last = t;
        this.project.jobs.progress(jobId, done, total);
        this.emit({
          type: 'progress',
          jobId,
          kind,
          phase,
          done,
          total,
          failed: options.failed ?? this.project.jobs.get(jobId)?.failed ?? 0,
          ...meter.estimate(total),
        });
      },
      restart: (): void => {
        meter = new RateMeter();
      },
    };
  }

  /** Marks a job failed with the error's message, tells the watchers, and rethrows. */
  private fail(jobId: number, err: unknown): never {
    const message = err instanceof Error ? err.message : String(err);
    this.project.jobs.setState(jobId, 'failed', message);
    this.emit({ type: 'error', jobId, job: this.get(jobId)!, message });
    throw err;
  }

  private async runEvaluate(jobId: number, live: LiveJob): Promise<EvaluateJobOutcome> {
    const { project } = this;
    const params = project.jobs.get(jobId)!.params as EvaluateJobParams;
    const signal = live.abort.signal;
    const progress = this.progressReporter(jobId, 'evaluate');
    try {
      prewarmImagePreparer();
      const detector = await this.loadDetector(params.model);
      const evaluation = await runProjectEvaluation(project, detector, {
        ...(params.split ? { split: params.split } : {}),
        ...(params.scoreThreshold !== undefined ? { scoreThreshold: params.scoreThreshold } : {}),
        signal,
        onProgress: (done, total, failed) => progress.report('evaluate', done, total, { failed }),
      });
      const { input, result } = evaluation;
      project.transaction(() => {
        for (const f of input.failures)
          project.jobs.addFailure(
            jobId,
            relativeToRoot(project.imageRoot, f.file) ?? f.file,
            f.reason,
          );
      });
      const evaluationId = result
        ? await storeProjectEvaluation(
            project,
            detector,
            { input, result },
            {
              jobId,
              split: params.split ?? null,
              ...(params.scoreThreshold !== undefined
                ? { scoreThreshold: params.scoreThreshold }
                : {}),
            },
          )
        : undefined;
      const state = result ? 'done' : live.stopAs;
      const outcome: EvaluateJobOutcome = {
        processed: input.images,
        detections: result?.detections ?? 0,
        replaced: 0,
        merged: 0,
        skippedReviewed: 0,
        alreadyDone: 0,
        imported: 0,
        failures: project.jobs.failures(jobId),
        state,
        ...(evaluationId !== undefined && result ? { evaluationId, result } : {}),
      };
      project.jobs.setState(
        jobId,
        state,
        result
          ? `${state}: ${input.images} images evaluated, AP ${fmt(result.coco.AP)}, AP50 ${fmt(result.coco.AP50)}` +
              (input.failures.length ? `, ${input.failures.length} failed` : '')
          : `${state}: nothing stored (an evaluation is kept only when it finishes)`,
      );
      this.emit({
        type: 'done',
        jobId,
        job: this.get(jobId)!,
        report: outcome,
        ...(evaluationId !== undefined ? { evaluationId } : {}),
      });
      return outcome;
    } catch (err) {
      this.fail(jobId, err);
    }
  }

  private async runTrain(jobId: number, live: LiveJob, fresh: boolean): Promise<TrainJobOutcome> {
    const { project } = this;
    const params = project.jobs.get(jobId)!.params as TrainJobParams;
    try {
      const outcome = await runTrainJob({
        project,
        jobId,
        params,
        fresh,
        signal: live.abort.signal,
        ...(this.options.spawnWorker ? { spawn: this.options.spawnWorker } : {}),
        onProgress: (p) =>
          this.emit({
            type: 'progress',
            jobId,
            kind: 'train',
            phase: 'train',
            done: p.done,
            total: p.total,
            failed: 0,
            ...p.estimate,
            train: { ...(p.step ? { step: p.step } : {}), ...(p.epoch ? { epoch: p.epoch } : {}) },
          }),
      });
      const state: TrainJobOutcome['state'] = outcome.status === 'cancelled' ? live.stopAs : 'done';
      const final: TrainJobOutcome = { ...outcome, state };
      const best = outcome.bestMap < 0 ? '–' : outcome.bestMap.toFixed(3);
      project.jobs.setState(
        jobId,
        state,
        `${state}: ${outcome.epochsDone} epoch${outcome.epochsDone === 1 ? '' : 's'}, best val AP@0.5 ${best}` +
          (outcome.model ? `, model ${outcome.model}` : ''),
      );
      this.emit({ type: 'train-done', jobId, job: this.get(jobId)!, report: final });
      return final;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (err instanceof WorkerExitError) {
        // The worker died (killed, out of memory): the checkpoint of its last epoch stays, so the
        // job waits to be resumed rather than failing.
        project.jobs.setState(jobId, 'paused', `${message}; resume continues from the last epoch`);
      } else project.jobs.setState(jobId, 'failed', message);
      this.emit({ type: 'error', jobId, job: this.get(jobId)!, message });
      throw err;
    }
  }

  /**
   * Records the images under `inputs` (folders or files under the image root; a file brings its
   * folder in, known files are not read again), each unreadable file a failure of the job.
   * Progress counts the files of every input together. With `deferNew`, files at new paths are
   * returned unread instead (see FolderImportOptions.deferNew).
   */
  private async importInputs(
    jobId: number,
    inputs: readonly string[],
    signal: AbortSignal,
    onProgress: (done: number, total: number) => void,
    deferNew = false,
  ): Promise<{
    added: number;
    alreadyKnown: number;
    duplicates: { file: string; of: string }[];
    deferred: NewFile[];
  }> {
    const { project } = this;
    const sum = {
      added: 0,
      alreadyKnown: 0,
      duplicates: [] as { file: string; of: string }[],
      deferred: [] as NewFile[],
    };
    let before = 0;
    for (const input of inputs) {
      if (signal.aborted) break;
      const abs = path.resolve(project.imageRoot, ...input.split('/'));
      const folder = statSync(abs, { throwIfNoEntry: false })?.isFile() ? path.dirname(abs) : abs;
      let seen = 0;
      const r = await importFolder(project, folder, {
        signal,
        deferNew,
        onProgress: (done, total) => {
          seen = total;
          onProgress(before + done, before + total);
        },
      });
      before += seen;
      sum.added += r.added;
      sum.alreadyKnown += r.alreadyKnown;
      sum.duplicates.push(...r.duplicates);
      sum.deferred.push(...r.deferred);
      project.transaction(() => {
        for (const p of r.problems)
          project.jobs.addFailure(
            jobId,
            relativeToRoot(project.imageRoot, p.file) ?? p.file,
            p.reason,
          );
      });
    }
    return sum;
  }

  private async runImport(jobId: number, live: LiveJob): Promise<ImportJobOutcome> {
    const { project } = this;
    const params = project.jobs.get(jobId)!.params as ImportJobParams;
    const signal = live.abort.signal;
    const progress = this.progressReporter(jobId, 'import');
    try {
      const r = await this.importInputs(jobId, params.inputs, signal, (done, total) =>
        progress.report('import', done, total),
      );
      const state = signal.aborted ? live.stopAs : 'done';
      const outcome: ImportJobOutcome = {
        processed: r.added + r.alreadyKnown,
        detections: 0,
        replaced: 0,
        merged: 0,
        skippedReviewed: 0,
        alreadyDone: 0,
        imported: r.added,
        alreadyKnown: r.alreadyKnown,
        duplicates: r.duplicates,
        failures: project.jobs.failures(jobId),
        state,
      };
      const parts = [`${r.added} image${r.added === 1 ? '' : 's'} imported`];
      if (r.alreadyKnown) parts.push(`${r.alreadyKnown} already in the project`);
      if (r.duplicates.length) parts.push(`${r.duplicates.length} identical to another`);
      if (outcome.failures.length) parts.push(`${outcome.failures.length} failed`);
      project.jobs.setState(jobId, state, `${state}: ${parts.join(', ')}`);
      this.emit({ type: 'done', jobId, job: this.get(jobId)!, report: outcome });
      return outcome;
    } catch (err) {
      this.fail(jobId, err);
    }
  }

  private async runDetect(jobId: number, live: LiveJob): Promise<DetectJobOutcome> {
    const { project } = this;
    const job = project.jobs.get(jobId)!;
    const params = job.params as DetectJobParams;
    const signal = live.abort.signal;
    const progress = this.progressReporter(jobId, 'detect');
    const report = (phase: 'import' | 'detect', done: number, total: number, force: boolean) =>
      progress.report(phase, done, total, { force });

    // The model loads while the folders are walked. Awaited, and its error reported, after that.
    prewarmImagePreparer();
    const detectorReady = this.loadDetector(params.model);
    detectorReady.catch(() => undefined);
    try {
      let imported = 0;
      let imageIds = params.imageIds;
      let admit: NewFile[] = [];
      if (params.inputs !== undefined) {
        const prefixes = params.inputs;
        // New files are not read here: detection reads and decodes each once, and that decode is
        // the import's check (detectIntoProject's `admit`), so a new photo costs one decode, not
        // two, and detection starts without waiting for an import pass.
        const r = await this.importInputs(
          jobId,
          prefixes,
          signal,
          (done, total) => report('import', done, total, done === total),
          true,
        );
        imported = r.added;
        admit = r.deferred;
        imageIds = project.images
          .all()
          .filter((i) =>
            prefixes.some((p) => p === '' || i.path === p || i.path.startsWith(`${p}/`)),
          )
          .map((i) => i.id);
        progress.restart();
      }
      let result: ProjectDetectReport | undefined;
      let base = 0;
      let total = 0;
      if (!signal.aborted) {
        const detector = await detectorReady;
        result = await detectIntoProject(project, detector, {
          ...(imageIds ? { imageIds } : {}),
          ...(params.scoreThreshold !== undefined ? { scoreThreshold: params.scoreThreshold } : {}),
          ...(params.iouThreshold !== undefined ? { iouThreshold: params.iouThreshold } : {}),
          ...(params.includeReviewed ? { includeReviewed: true } : {}),
          ...(admit.length > 0 ? { admit } : {}),
          signal,
          ...(job.runId !== null ? { runId: job.runId } : {}),
          onStart: ({ runId, alreadyDone, toDo }) => {
            project.jobs.linkRun(jobId, runId);
            base = alreadyDone;
            total = alreadyDone + toDo;
            report('detect', base, total, true);
          },
          onFailure: (file, reason) => project.jobs.addFailure(jobId, file, reason),
          onProgress: (done, all) => report('detect', base + done, total, done === all),
        });
      }
      const stopped = signal.aborted && (result === undefined || result.interrupted);
      const state = stopped ? live.stopAs : 'done';
      // The last images before a pause are past the last (throttled) progress write.
      if (stopped) this.syncDetectProgress(jobId);
      const outcome: DetectJobOutcome = {
        processed: result?.processed ?? 0,
        detections: result?.detections ?? 0,
        replaced: result?.replaced ?? 0,
        merged: result?.merged ?? 0,
        skippedReviewed: result?.skippedReviewed ?? 0,
        alreadyDone: result?.alreadyDone ?? 0,
        imported: imported + (result?.imported ?? 0),
        failures: project.jobs.failures(jobId),
        state,
      };
      project.jobs.setState(jobId, state, summarise(outcome));
      this.emit({ type: 'done', jobId, job: this.get(jobId)!, report: outcome });
      return outcome;
    } catch (err) {
      this.fail(jobId, err);
    }
  }
}

const RUNNING = 'a job is already running (pause or cancel it first)';

/** Inputs in one spelling (no trailing '/', each once, sorted). */
function normaliseInputs(inputs: readonly string[]): string[] {
  return [...new Set(inputs.map((i) => i.replace(/\/+$/, '')))].sort();
}

/** One spelling per request, so the same request finds its unfinished job. */
function normaliseParams(p: DetectJobParams): DetectJobParams {
  return {
    ...(p.inputs ? { inputs: normaliseInputs(p.inputs) } : {}),
    ...(p.imageIds ? { imageIds: [...new Set(p.imageIds)].sort((a, b) => a - b) } : {}),
    ...(p.model !== undefined ? { model: p.model } : {}),
    ...(p.scoreThreshold !== undefined ? { scoreThreshold: p.scoreThreshold } : {}),
    ...(p.iouThreshold !== undefined ? { iouThreshold: p.iouThreshold } : {}),
    ...(p.includeReviewed ? { includeReviewed: true } : {}),
  };
}

/** A metric as a job message writes it ('—' where it is undefined, −1). */
function fmt(v: number): string {
  return v < 0 ? '—' : v.toFixed(3);
}

function summarise(o: DetectJobOutcome): string {
  const parts = [`${o.processed} image${o.processed === 1 ? '' : 's'} detected`];
  if (o.alreadyDone) parts.push(`${o.alreadyDone} done before`);
  if (o.imported) parts.push(`${o.imported} imported`);
  parts.push(`${o.detections} boxes`);
  if (o.merged) parts.push(`${o.merged} merged`);
  if (o.skippedReviewed) parts.push(`${o.skippedReviewed} reviewed skipped`);
  if (o.failures.length) parts.push(`${o.failures.length} failed`);
  return `${o.state}: ${parts.join(', ')}`;
}
