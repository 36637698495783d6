import { cp, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, dispatch, type Backend } from '../../../src/core/api/backend';
import { ProjectDb } from '../../../src/core/db/projectDb';
import { parseVoc } from '../../../src/core/formats/voc';
import { importParsedAnnotations } from '../../../src/core/project/importAnnotations';
import { importFolder } from '../../../src/core/project/importFolder';
import { listModels } from '../../../src/core/models/registry';
import { forkWorker, type WorkerChannel } from '../../../src/core/training/spawnTrainer';
import type { AppInfo, BackendEvent } from '../../../src/shared/api/contract';
import type { TrainingView } from '../../../src/shared/api/trainingContract';
import { generatedDir, raccoonDir } from '../../helpers/paths';

// Training as a job, through the real dispatch: a real project of raccoon photos with their VOC
// labels, the real worker process (tfjs wasm heads on ONNX Runtime features), the real registry.

const work = path.join(generatedDir, 'train-job');
const names = ['raccoon-1', 'raccoon-12', 'raccoon-130', 'raccoon-55', 'raccoon-2', 'raccoon-20'];
const tiny = { base: 'ssd-mobilenetv1-face', epochs: 2, augmentation: false, batchSize: 2 };

async function raccoonProject(dir: string): Promise<ProjectDb> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(path.join(dir, 'images'), { recursive: true });
  await mkdir(path.join(dir, 'labels'), { recursive: true });
  for (const n of names) {
    await cp(path.join(raccoonDir, 'images', `${n}.jpg`), path.join(dir, 'images', `${n}.jpg`));
    await cp(
      path.join(raccoonDir, 'annotations', `${n}.xml`),
      path.join(dir, 'labels', `${n}.xml`),
    );
  }
  const project = ProjectDb.create(path.join(dir, 'p.shotbox'), path.join(dir, 'images'));
  await importFolder(project, path.join(dir, 'images'));
  importParsedAnnotations(project, await parseVoc(path.join(dir, 'labels')));
  return project;
}

describe('training as a job', () => {
  let project: ProjectDb;
  let backend: Backend;
  const events: BackendEvent[] = [];
  const workers: WorkerChannel[] = [];
  const call = <T>(method: string, request: unknown): Promise<T> =>
    dispatch(backend, method, request) as Promise<T>;
  /** The job-done or job-error that ends a job, and the events before it. */
  const ended = (jobId: string): Promise<BackendEvent> =>
    new Promise((resolve) => {
      const poll = setInterval(() => {
        const e = events.find(
          (x) => (x.type === 'job-done' || x.type === 'job-error') && x.jobId === jobId,
        );
        if (e) {
          clearInterval(poll);
          resolve(e);
        }
      }, 50);
    });

  beforeAll(async () => {
    project = await raccoonProject(path.join(work, 'p'));
    backend = createBackend({
      shell: 'browser',
      version: 'test',
      project,
      emit: (e) => events.push(e),
      // The real child_process worker; the test keeps its channel to kill it.
      spawnWorker: (entry) => {
        const w = forkWorker(entry);
        workers.push(w);
        return w;
      },
    });
  }, 60_000);

  afterAll(async () => {
    await backend.dispose();
    project.close();
  });

  it('assigns splits first, trains on train and validates on val, registers the model: it is in the picker', async () => {
    const before = await call<TrainingView>('getTraining', {});
    expect(before.job).toBeNull();
    expect(before.classes).toEqual(['raccoon']);
    expect(before.settled.none).toBe(6);
    expect(before.suggestedName).toBe('p-ssd-mobilenetv1-face-1');

    const started = await call<{ jobId: string; name: string }>('startTraining', tiny);
    expect(started.name).toBe('p-ssd-mobilenetv1-face-1');
    const end = await ended(started.jobId);
    expect(end).toMatchObject({
      type: 'job-done',
      kind: 'train',
      state: 'done',
      model: started.name,
    });

    const progress = events.filter((e) => e.type === 'job-progress' && e.jobId === started.jobId);
    expect(progress.some((e) => e.type === 'job-progress' && e.train?.step)).toBe(true);
    expect(progress.some((e) => e.type === 'job-progress' && e.train?.epoch?.epoch === 2)).toBe(
      true,
    );
    // The one rate meter gives the ETA once a few steps are in.
    expect(
      progress.some((e) => e.type === 'job-progress' && typeof e.etaSeconds === 'number'),
    ).toBe(true);

    const view = await call<TrainingView>('getTraining', {});
    expect(view.job?.state).toBe('done');
    expect(view.metrics!.epochs.map((e) => e.epoch)).toEqual([1, 2]);
    expect(view.metrics!.steps.length).toBeGreaterThanOrEqual(2);
    expect(
      view.metrics!.steps.every((s) => Number.isFinite(s.loc) && Number.isFinite(s.conf)),
    ).toBe(true);
    expect(view.metrics!.log.some((l) => /assigned splits to 6 images/.test(l))).toBe(true);
    expect(view.metrics!.model).toBe(started.name);
    // Stored splits were written, and the test split is never trained on.
    expect(view.settled.none).toBe(0);
    const trainedOn = view.metrics!.log.find((l) => /training images/.test(l))!;
    const [, nTrain, nVal] = /(\d+) training images, (\d+) validation images/.exec(trainedOn)!;
    expect(Number(nTrain) + Number(nVal)).toBe(view.settled.train + view.settled.val);

    const info = await call<AppInfo>('getAppInfo', {});
    expect(info.models.map((m) => m.name)).toContain(started.name);
    expect(listModels().models.find((m) => m.manifest.name === started.name)?.source).toBe('user');

    // A second run may not take a registered model's name.
    await expect(call('startTraining', { ...tiny, name: started.name })).rejects.toThrow(
      /already registered/,
    );
    const compared = await call<{
      base: { ap50: number | null };
      trained: { ap50: number | null };
    }>('compareTrained', { jobId: started.jobId });
    expect(compared.trained.ap50 === null || compared.trained.ap50 >= 0).toBe(true);
  }, 300_000);

  it('stop keeps the best model and resume continues; killing the worker mid-epoch loses nothing and resumes from the checkpoint', async () => {
    const statsBefore = JSON.stringify(project.stats());
    const name = 'raccoon-stop';
    const epochs = 4;
    events.length = 0;
    const started = await call<{ jobId: string }>('startTraining', { ...tiny, epochs, name });
    const jobId = Number(started.jobId);
    const stepSeen = (test: (epoch: number) => boolean): Promise<void> =>
      new Promise<void>((resolve) => {
        const poll = setInterval(() => {
          if (
            events.some(
              (e) => e.type === 'job-progress' && e.train?.step && test(e.train.step.epoch),
            )
          ) {
            clearInterval(poll);
            resolve();
          }
        }, 20);
      });
    // Stop once the first epoch is done and the second has begun.
    await stepSeen((epoch) => epoch === 2);
    await call('stopTraining', { jobId: started.jobId });
    const stopped = await ended(started.jobId);
    expect(stopped).toMatchObject({ type: 'job-done', state: 'paused', model: name });
    expect(listModels().models.some((m) => m.manifest.name === name)).toBe(true);
    const doneAtStop = (await call<TrainingView>('getTraining', { jobId: started.jobId })).metrics!
      .epochs.length;
    expect(doneAtStop).toBeGreaterThanOrEqual(1);
    expect(doneAtStop).toBeLessThan(epochs);

    // Resume; kill the worker in the middle of the next epoch.
    events.length = 0;
    await call('resumeJob', { jobId: started.jobId });
    await stepSeen(() => true);
    workers.at(-1)!.kill();
    const killed = await ended(started.jobId);
    expect(killed.type).toBe('job-error');
    expect(project.integrityCheck()).toBe('ok');
    expect(JSON.stringify(project.stats())).toBe(statsBefore);
    const jobs = await call<{ id: number; state: string }[]>('listJobs', {});
    expect(jobs.find((j) => j.id === jobId)?.state).toBe('paused');
    const doneAtKill = (await call<TrainingView>('getTraining', { jobId: started.jobId })).metrics!
      .epochs.length;

    // Starting the same training again continues that job from its checkpoint.
    events.length = 0;
    const again = await call<{ jobId: string; resumed?: boolean }>('startTraining', {
      ...tiny,
      epochs,
      name,
    });
    expect(again).toMatchObject({ jobId: started.jobId, resumed: true });
    const end = await ended(started.jobId);
    expect(end).toMatchObject({ type: 'job-done', state: 'done', model: name });
    const view = await call<TrainingView>('getTraining', { jobId: started.jobId });
    const resumedAt = new RegExp(`resuming after epoch ${doneAtKill}\\b`);
    expect(view.metrics!.log.some((l) => resumedAt.test(l))).toBe(true);
    expect(view.metrics!.epochs.map((e) => e.epoch)).toEqual([1, 2, 3, 4]);
    // Steps of the killed epoch were redone, not counted twice.
    for (let e = 1; e <= epochs; e++) {
      const steps = view.metrics!.steps.filter((s) => s.epoch === e);
      expect(steps.map((s) => s.step)).toEqual(steps.map((_, i) => i + 1));
    }
  }, 400_000);
});
