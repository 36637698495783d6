import { copyFile, mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, dispatch, type Backend } from '../../../src/core/api/backend';
import { ProjectDb } from '../../../src/core/db/projectDb';
import type { BackendEvent, JobStarted } from '../../../src/shared/api/contract';
import type { JobRecord } from '../../../src/shared/jobs/types';
import { runShotbox } from '../../helpers/cli';
import { demoPhotos, generatedDir } from '../../helpers/paths';

// Persistent jobs through the contract the UI uses (real dispatch, real project file, real model
// on face-api's photos): "Detect folder…" imports and detects as one job and leaves reviewed images
// alone; a job can be paused and resumed without doing an image twice, or cancelled; every job's
// events end with one final event.

const work = path.join(generatedDir, 'jobs-api');
const photos = path.join(work, 'photos');
const projectFile = path.join(work, 'jobs.shotbox');

type JobEvent = Extract<BackendEvent, { jobId: string }>;

describe('jobs through the API', () => {
  let project: ProjectDb;
  let backend: Backend;
  const events: JobEvent[] = [];
  const waiters: { jobId: string; resolve: (e: JobEvent) => void }[] = [];

  /** The final event of a job (job-done or job-error). */
  const finalEvent = (jobId: string): Promise<JobEvent> => {
    const seen = events.find(
      (e) => e.jobId === jobId && (e.type === 'job-done' || e.type === 'job-error'),
    );
    return seen
      ? Promise.resolve(seen)
      : new Promise((resolve) => waiters.push({ jobId, resolve }));
  };
  const eventsOf = (jobId: string): JobEvent[] => events.filter((e) => e.jobId === jobId);
  const call = <T>(method: string, request: unknown): Promise<T> =>
    dispatch(backend, method as never, request as never) as Promise<T>;

  beforeAll(async () => {
    await rm(work, { recursive: true, force: true });
    await mkdir(photos, { recursive: true });
    for (const [i, file] of demoPhotos.slice(0, 3).entries())
      await copyFile(file, path.join(photos, `face-${i + 1}.jpg`));
    const imported = await runShotbox(['import', photos, '--project', projectFile, '--quiet']);
    expect(imported.code, imported.stderr).toBe(0);
    project = ProjectDb.open(projectFile);
    backend = createBackend({
      shell: 'browser',
      version: 'test',
      project,
      emit: (e) => {
        if (!('jobId' in e)) return;
        events.push(e);
        if (e.type === 'job-done' || e.type === 'job-error')
          for (const w of waiters.filter((x) => x.jobId === e.jobId)) w.resolve(e);
      },
    });
  }, 120_000);

  afterAll(async () => {
    await backend?.dispose();
    project?.close();
  });

  it('Detect folder imports the new files and detects them in one job, skipping reviewed images; the failed file is named', async () => {
    const reviewed = project.images.byPath('face-1.jpg')!;
    await call('markReviewed', { imageId: reviewed.id });
    await copyFile(demoPhotos[3]!, path.join(photos, 'face-4.jpg'));
    await writeFile(path.join(photos, 'broken.jpg'), 'not a JPEG at all');

    const { jobId } = await call<JobStarted>('detectFolder', { folder: '.' });
    const last = await finalEvent(jobId);
    expect(last).toMatchObject({
      type: 'job-done',
      state: 'done',
      processed: 3,
      skippedReviewed: 1,
      failed: 1,
      failures: [{ path: 'broken.jpg', reason: expect.any(String) }],
    });
    const all = eventsOf(jobId);
    expect(all.at(-1), 'the final event comes last').toBe(last);
    expect(all.filter((e) => e.type === 'job-done')).toHaveLength(1);
    expect(all.some((e) => e.type === 'job-progress' && e.phase === 'import')).toBe(true);

    expect(project.images.byPath('face-4.jpg'), 'imported by the job').toBeDefined();
    expect(project.annotations.ofImage(reviewed.id).some((a) => a.origin === 'model')).toBe(false);
    expect(
      project.annotations.ofImage(project.images.byPath('face-4.jpg')!.id).length,
    ).toBeGreaterThan(0);
    const jobs = await call<JobRecord[]>('listJobs', {});
    expect(jobs[0]).toMatchObject({ id: Number(jobId), kind: 'detect', state: 'done', failed: 1 });
  }, 120_000);

  it('pause stops after the image in flight; resume finishes the rest without running any image twice', async () => {
    const ids = project.images.all().map((i) => i.id);
    const { jobId } = await call<JobStarted>('detectImages', {
      imageIds: ids,
      includeReviewed: true,
    });
    await call('pauseJob', { jobId });
    const paused = await finalEvent(jobId);
    expect(paused).toMatchObject({ type: 'job-done', state: 'paused', cancelled: true });
    const listed = (await call<JobRecord[]>('listJobs', {})).find((j) => j.id === Number(jobId))!;
    expect(listed.state).toBe('paused');
    expect(listed.done).toBeLessThan(ids.length);

    events.length = 0; // the resumed run's events alone
    const resumed = await call<JobStarted>('resumeJob', { jobId });
    expect(resumed).toEqual({ jobId, resumed: true });
    const done = await finalEvent(jobId);
    expect(done).toMatchObject({ type: 'job-done', state: 'done' });
    expect(eventsOf(jobId).at(-1)).toBe(done);
    const job = (await call<JobRecord[]>('listJobs', {})).find((j) => j.id === Number(jobId))!;
    expect(job).toMatchObject({ state: 'done', done: ids.length, total: ids.length });
    const reader = new Database(projectFile, { readonly: true });
    const runImages = reader
      .prepare(
        'SELECT count(*) AS n, count(DISTINCT image_id) AS d FROM run_images WHERE run_id = ?',
      )
      .get(job.runId) as { n: number; d: number };
    reader.close();
    expect(runImages).toEqual({ n: ids.length, d: ids.length });
  }, 180_000);

  it('cancel ends a job for good: its final event says so and it cannot be resumed', async () => {
    const ids = project.images.all().map((i) => i.id);
    const { jobId } = await call<JobStarted>('detectImages', {
      imageIds: ids,
      includeReviewed: true,
    });
    await call('cancelJob', { jobId });
    const last = await finalEvent(jobId);
    expect(last).toMatchObject({ type: 'job-done', state: 'cancelled', cancelled: true });
    const job = (await call<JobRecord[]>('listJobs', {})).find((j) => j.id === Number(jobId))!;
    expect(job.state).toBe('cancelled');
    await expect(call('resumeJob', { jobId })).rejects.toThrow();
  }, 120_000);
});
