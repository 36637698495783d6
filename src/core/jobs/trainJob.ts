/**
 * A training job ('train'): fine-tunes a model on the project's settled labels in a worker
 * process (src/worker/trainWorker.ts through `spawnTrainer`, so the CLI and the app share the one
 * protocol), stores its curves with the job (per-step losses, per-epoch val mAP), and registers
 * the best model under the job's name when the worker ends with one. The run's files (the model
 * as written, its checkpoint) live in a folder of its own under the per-user models folder, so a
 * stopped or killed job resumes from the last finished epoch: the worker finds the checkpoint.
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { TrainJobParams, TrainMetrics, TrainStepPoint } from '../../shared/jobs/types';
import { RateMeter, type RateEstimate } from '../../shared/jobs/rateMeter';
import { NO_AUGMENTATION, PAPER_AUGMENTATION } from '../../shared/training/augment';
import type { TrainJob } from '../../shared/training/protocol';
import { TRAIN_DEFAULTS } from '../../shared/training/defaults';
import type { ProjectDb } from '../db/projectDb';
import { userModelsDir } from '../models/registry';
import { registerUserModel } from '../models/userModels';
import { ensureSplits } from '../training/ensureSplits';
import { forkWorker, spawnTrainer, type SpawnWorker } from '../training/spawnTrainer';

/** Step points kept per job (older ones are thinned: a curve needs shape, not every step). */
const MAX_STEP_POINTS = 2000;

export interface TrainJobOutcome {
  state: 'done' | 'paused' | 'cancelled';
  status: 'done' | 'early-stopped' | 'cancelled';
  epochsDone: number;
  bestEpoch: number;
  bestMap: number;
  /** The registered model, or null when no epoch finished yet. */
  model: string | null;
}

export interface TrainProgress {
  /** Steps finished over the whole run (all epochs), and how many there are. */
  done: number;
  total: number;
  estimate: RateEstimate;
  step?: TrainStepPoint;
  epoch?: TrainMetrics['epochs'][number];
}

export interface TrainJobContext {
  project: ProjectDb;
  jobId: number;
  params: TrainJobParams;
  /** True when the job starts afresh (its run folder is cleared); false when it resumes. */
  fresh: boolean;
  signal: AbortSignal;
  spawn?: SpawnWorker;
  onProgress(progress: TrainProgress): void;
}

/** The folder of one named training run: `<user models>/.training/<name>/`. */
export function trainRunDir(name: string): string {
  return path.join(userModelsDir(), '.training', name);
}

/** The curves stored with a job (empty ones for a job that has none yet). */
export function readTrainMetrics(project: ProjectDb, jobId: number): TrainMetrics {
  const stored = project.jobs.result(jobId) as Partial<TrainMetrics> | null;
  return {
    steps: stored?.steps ?? [],
    epochs: stored?.epochs ?? [],
    backend: stored?.backend ?? null,
    log: stored?.log ?? [],
    model: stored?.model ?? null,
  };
}

export async function runTrainJob(ctx: TrainJobContext): Promise<TrainJobOutcome> {
  const { project, jobId, params } = ctx;
  const dir = trainRunDir(params.name);
  if (ctx.fresh) await rm(dir, { recursive: true, force: true });
  const metrics = readTrainMetrics(project, jobId);
  let lastStored = 0;
  const store = (force: boolean): void => {
    const t = performance.now();
    if (!force && t - lastStored < 1000) return;
    lastStored = t;
    project.jobs.setResult(jobId, metrics);
  };
  const log = (line: string): void => {
    metrics.log.push(line);
    store(true);
  };

  const splitNote = ensureSplits(project);
  if (splitNote) log(splitNote);

  const job: TrainJob = {
    projectFile: project.file,
    base: params.base,
    out: path.join(dir, `${params.name}.json`),
    // Besides what the page asks, the settings `shotbox train` runs with.
    settings: {
      epochs: params.epochs,
      mode: params.mode,
      batchSize: params.batchSize ?? TRAIN_DEFAULTS.batchSize,
      learningRate: TRAIN_DEFAULTS.learningRate,
      patience: TRAIN_DEFAULTS.patience,
      valFraction: TRAIN_DEFAULTS.valFraction,
      seed: TRAIN_DEFAULTS.seed,
      augmentation: params.augmentation ? PAPER_AUGMENTATION : NO_AUGMENTATION,
      augmentedViews: params.augmentation ? TRAIN_DEFAULTS.augmentedViews : 0,
      averageDecay: TRAIN_DEFAULTS.averageDecay,
      ...(params.maxImages ? { maxImages: params.maxImages } : {}),
    },
  };

  const meter = new RateMeter();
  const handle = spawnTrainer(
    job,
    (m) => {
      if (m.type === 'backend') {
        metrics.backend = m.description;
        log(`tfjs backend: ${m.description}`);
      } else if (m.type === 'log') log(m.message);
      else if (m.type === 'step') {
        const point: TrainStepPoint = {
          epoch: m.epoch,
          step: m.step,
          steps: m.steps,
          loss: m.loss,
          loc: m.loc,
          conf: m.conf,
        };
        // A killed run resumes at its last finished epoch: its later steps are redone.
        if (m.step === 1) metrics.steps = metrics.steps.filter((p) => p.epoch < m.epoch);
        metrics.steps.push(point);
        if (metrics.steps.length > MAX_STEP_POINTS)
          metrics.steps = metrics.steps.filter((_, i) => i % 2 === 0);
        const done = (m.epoch - 1) * m.steps + m.step;
        const total = params.epochs * m.steps;
        project.jobs.progress(jobId, done, total);
        meter.sample(done, performance.now());
        store(false);
        ctx.onProgress({ done, total, estimate: meter.estimate(total), step: point });
      } else if (m.type === 'epoch') {
        // A resumed run repeats no epoch, but a killed one may have stored steps past its checkpoint.
        metrics.epochs = [...metrics.epochs.filter((e) => e.epoch < m.report.epoch), m.report];
        store(true);
        const job = project.jobs.get(jobId);
        ctx.onProgress({
          done: job?.done ?? 0,
          total: job?.total ?? 0,
          estimate: meter.estimate(job?.total ?? 0),
          epoch: m.report,
        });
      }
    },
    ctx.spawn ?? forkWorker,
  );
  const onAbort = (): void => handle.cancel();
  if (ctx.signal.aborted) onAbort();
  else ctx.signal.addEventListener('abort', onAbort, { once: true });

  try {
    const done = await handle.finished;
    let model: string | null = null;
    if (done.manifestPath) {
      // The best model so far is registered even when stopped: a resumed run replaces it.
      const entry = await registerUserModel(done.manifestPath, { replace: true });
      model = entry.manifest.name;
      metrics.model = model;
    }
    store(true);
    return {
      state: done.status === 'cancelled' ? 'paused' : 'done',
      status: done.status,
      epochsDone: done.epochsDone,
      bestEpoch: done.bestEpoch,
      bestMap: done.bestMap,
      model,
    };
  } finally {
    ctx.signal.removeEventListener('abort', onAbort);
    store(true);
  }
}
