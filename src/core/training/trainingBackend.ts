/**
 * The training page's backend methods (trainingContract.ts), over the JobRunner: a training run
 * is a job of kind 'train', so it is listed, stopped and resumed like every job, and its curves
 * are stored with it.
 */
import type { ParsedRequestOf, ResponseOf } from '../../shared/api/contract';
import type { TrainingComparison } from '../../shared/api/trainingContract';
import { evaluateDetections } from '../../shared/eval/evaluate';
import type { JobRecord, TrainJobParams } from '../../shared/jobs/types';
import { MODEL_NAME } from '../../shared/models/modelName';
import type { ProjectDb } from '../db/projectDb';
import type { Detector } from '../detector/detector';
import { evaluationInputFromProject } from '../eval/evaluateProjectModel';
import type { JobRunner } from '../jobs/jobRunner';
import { DEFAULT_MODEL, listModels } from '../models/registry';
import { fullModeAvailability } from './fullModeSupport';

export interface TrainingBackendDeps {
  needProject(): ProjectDb;
  needRunner(): JobRunner;
  /** The backend's loaded model by name (shared with detection). */
  detector(name: string): Promise<Detector>;
  /** Runs a job call, turning job rules broken (one at a time, name taken) into a 400. */
  jobCall<T>(fn: () => T): T;
  notFound(message: string): Error;
  invalid(message: string): Error;
}

/**
 * `<project>-<base>-<n>`, with the first n not taken by a registered model or another job's run,
 * in the characters a model name may have.
 */
export function suggestTrainedName(
  projectName: string,
  base: string,
  taken: ReadonlySet<string>,
): string {
  const clean = (t: string): string =>
    t
      .toLowerCase()
      .replace(/[^a-z0-9._-]+/g, '-')
      .replace(/^[^a-z0-9]+/, '')
      .replace(/-+$/, '');
  const stem = `${clean(projectName) || 'project'}-${clean(base) || 'model'}`.slice(0, 90);
  for (let n = 1; ; n++) {
    const name = `${stem}-${n}`;
    if (!taken.has(name) && MODEL_NAME.test(name)) return name;
  }
}

/** What the training page shows for `full` mode (the same rule the CLI applies). */
function fullModeView(): { available: boolean; reason: string | null } {
  const support = fullModeAvailability();
  return support.available
    ? { available: true, reason: null }
    : { available: false, reason: support.reason };
}

export function createTrainingMethods(deps: TrainingBackendDeps) {
  const trainJobOf = (runner: JobRunner, jobId: string | undefined): JobRecord | null => {
    if (jobId === undefined) return runner.list(200).find((j) => j.kind === 'train') ?? null;
    const id = Number(jobId);
    const job = Number.isSafeInteger(id) && id > 0 ? runner.get(id) : undefined;
    if (!job || job.kind !== 'train') throw deps.notFound(`training job ${jobId} does not exist`);
    return job;
  };
  const takenNames = (runner: JobRunner): Set<string> =>
    new Set([
      ...listModels().models.map((m) => m.manifest.name),
      ...runner
        .list(1000)
        .filter((j) => j.kind === 'train')
        .map((j) => (j.params as TrainJobParams).name),
    ]);
  const projectName = (p: ProjectDb): string =>
    p.file
      .split(/[\\/]/)
      .pop()!
      .replace(/\.shotbox$/, '');

  return {
    async startTraining(
      req: ParsedRequestOf<'startTraining'>,
    ): Promise<ResponseOf<'startTraining'>> {
      const p = deps.needProject();
      const runner = deps.needRunner();
      if (p.readOnlyReason) throw deps.invalid(`the project is read-only: ${p.readOnlyReason}`);
      if (req.mode === 'full') {
        const full = fullModeView();
        if (!full.available) throw deps.invalid(full.reason ?? 'full mode cannot run here');
      }
      const base = listModels().models.find((m) => m.manifest.name === req.base);
      if (!base) throw deps.notFound(`no model named '${req.base}' is registered`);
      if (!base.ready) throw deps.invalid(`model '${req.base}' is not built`);
      if (p.classes.list().length === 0)
        throw deps.invalid('the project has no classes to train: add a class and label some boxes');
      const name = req.name ?? suggestTrainedName(projectName(p), req.base, takenNames(runner));
      const params: TrainJobParams = {
        base: req.base,
        name,
        mode: req.mode,
        epochs: req.epochs,
        augmentation: req.augmentation,
        split: req.split,
        ...(req.maxImages ? { maxImages: req.maxImages } : {}),
        ...(req.batchSize ? { batchSize: req.batchSize } : {}),
      };
      const r = deps.jobCall(() => runner.startTrain(params));
      r.finished.catch(() => {}); // reported as a job-error event
      return { jobId: String(r.job.id), name, ...(r.resumed ? { resumed: true } : {}) };
    },

    async stopTraining({ jobId }: ParsedRequestOf<'stopTraining'>) {
      const runner = deps.needRunner();
      const job = trainJobOf(runner, jobId)!;
      return { stopped: runner.pause(job.id) };
    },

    async getTraining(req: ParsedRequestOf<'getTraining'>): Promise<ResponseOf<'getTraining'>> {
      const p = deps.needProject();
      const runner = deps.needRunner();
      const job = trainJobOf(runner, req.jobId);
      const counts: Record<'train' | 'val' | 'test' | 'none', number> = {
        train: 0,
        val: 0,
        test: 0,
        none: 0,
      };
      const splitOf = new Map(p.images.splitInfo().map((i) => [i.id, i.split]));
      for (const image of p.images.settled()) counts[splitOf.get(image.id) ?? 'none']++;
      return {
        job,
        metrics: job ? runner.trainMetrics(job.id) : null,
        classes: p.classes.list().map((c) => c.name),
        settled: counts,
        suggestedName: suggestTrainedName(
          projectName(p),
          req.base ?? DEFAULT_MODEL,
          takenNames(runner),
        ),
        fullMode: fullModeView(),
      };
    },

    async compareTrained({
      jobId,
    }: ParsedRequestOf<'compareTrained'>): Promise<TrainingComparison> {
      const p = deps.needProject();
      const runner = deps.needRunner();
      const job = trainJobOf(runner, jobId)!;
      const params = job.params as TrainJobParams;
      const trained = runner.trainMetrics(job.id).model;
      const result: TrainingComparison = {
        split: 'test',
        images: 0,
        base: { model: params.base, ap50: null },
        trained: { model: trained ?? params.name, ap50: null },
        note: null,
      };
      if (!trained) return { ...result, note: 'no model yet: no epoch has finished' };
      const notes: string[] = [];
      for (const side of [result.base, result.trained]) {
        try {
          const input = await evaluationInputFromProject(p, await deps.detector(side.model), {
            scoreThreshold: 0.01,
            split: 'test',
          });
          result.images = input.images;
          if (input.images === 0) notes.push('the test split has no settled images');
          else side.ap50 = evaluateDetections(input.dataset).coco.AP50;
        } catch (err) {
          notes.push(`${side.model}: ${(err as Error).message}`);
        }
      }
      return { ...result, note: notes.length ? [...new Set(notes)].join('; ') : null };
    },
  };
}
