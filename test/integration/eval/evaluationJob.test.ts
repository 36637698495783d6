import { cp, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackendEvent } from '../../../src/shared/api/contract';
import type {
  EvaluationSummary,
  StoredEvaluation,
} from '../../../src/shared/eval/storedEvaluation';
import type { AnnotationRecord } from '../../../src/shared/project/types';
import { createBackend, dispatch, type Backend } from '../../../src/core/api/backend';
import { ProjectDb } from '../../../src/core/db/projectDb';
import { importFolder } from '../../../src/core/project/importFolder';
import { runShotbox } from '../../helpers/cli';
import { demoPhotos, generatedDir } from '../../helpers/paths';

/** Rows of the edit history, read beside the open project. */
function editRows(file: string): number {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare('SELECT count(*) AS n FROM edits').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

/**
 * Evaluation as the app runs it: the real dispatch, a real project file, the embedded face model
 * on face-api's photos. Labels are made the way a person makes them — some predictions accepted,
 * one confident face rejected (so the model's box there is a false positive), one box drawn where
 * the model finds nothing (a miss) — and the stored result must say exactly that.
 */
describe('evaluate jobs and stored evaluations through the contract', () => {
  const work = path.join(generatedDir, 'evaluation-job');
  const file = path.join(work, 'faces.shotbox');
  let project: ProjectDb;
  let backend: Backend;
  const events: BackendEvent[] = [];
  const call = <T>(method: string, request: unknown): Promise<T> =>
    dispatch(backend, method, request) as Promise<T>;
  let rejected: AnnotationRecord;
  let drawn: AnnotationRecord;

  const finished = (jobId: string): Promise<BackendEvent> =>
    new Promise((resolve) => {
      const poll = setInterval(() => {
        const e = events.find(
          (x) => (x.type === 'job-done' || x.type === 'job-error') && x.jobId === jobId,
        );
        if (e) {
          clearInterval(poll);
          resolve(e);
        }
      }, 20);
    });

  beforeAll(async () => {
    await rm(work, { recursive: true, force: true });
    await mkdir(path.join(work, 'images'), { recursive: true });
    for (const p of demoPhotos) await cp(p, path.join(work, 'images', path.basename(p)));
    project = ProjectDb.create(file, path.join(work, 'images'));
    await importFolder(project, path.join(work, 'images'));
    backend = createBackend({
      shell: 'browser',
      version: 'test',
      project,
      emit: (e) => events.push(e),
    });
    const images = project.images.all();
    // Photos 1–4 are settled and form the test split; 5–6 stay unreviewed (train).
    for (const [i, img] of images.entries())
      project.images.setSplit(img.id, i < 4 ? 'test' : 'train');
    for (const img of images.slice(0, 4)) {
      const r = await call<{ annotations: AnnotationRecord[] }>('detectImage', { imageId: img.id });
      const confident = r.annotations.filter((a) => (a.score ?? 0) >= 0.5);
      expect(confident.length, img.path).toBeGreaterThan(0);
      if (img === images[0]) {
        rejected = confident.sort((a, b) => b.score! - a.score!)[0]!;
        await call('updateAnnotations', { ids: [rejected.id], patch: { review: 'rejected' } });
        const rest = confident.filter((a) => a.id !== rejected.id).map((a) => a.id);
        if (rest.length)
          await call('updateAnnotations', { ids: rest, patch: { review: 'accepted' } });
        // A "face" in the top-left corner, where the model sees none.
        const made = await call<{ annotations: AnnotationRecord[] }>('createAnnotation', {
          imageId: img.id,
          classId: rejected.classId,
          box: { x1: 1, y1: 1, x2: 41, y2: 41 },
        });
        drawn = made.annotations[0]!;
      } else {
        await call('updateAnnotations', {
          ids: confident.map((a) => a.id),
          patch: { review: 'accepted' },
        });
      }
      await call('markReviewed', { imageId: img.id });
    }
  }, 240_000);
  afterAll(async () => {
    await backend?.dispose();
    project?.close();
  });

  it('runs as a job (progress per image, a final event) and stores what the CLI computes', async () => {
    const labels = JSON.stringify(
      project.images.all().map((i) => project.annotations.ofImage(i.id)),
    );
    const historyBefore = editRows(file);
    const { jobId } = await call<{ jobId: string }>('startEvaluation', { split: 'test' });
    const end = await finished(jobId);
    expect(end.type).toBe('job-done');
    if (end.type !== 'job-done') return;
    expect(end.state).toBe('done');
    expect(end.processed).toBe(4);
    const progress = events.filter((e) => e.type === 'job-progress' && e.jobId === jobId);
    expect(progress.at(-1)).toMatchObject({ phase: 'evaluate', done: 4, total: 4 });
    const job = await call<{ kind: string; state: string; params: unknown }>('getJob', { jobId });
    expect(job).toMatchObject({ kind: 'evaluate', state: 'done', params: { split: 'test' } });

    const list = await call<EvaluationSummary[]>('listEvaluations', {});
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({
      id: end.evaluationId,
      model: 'ssd-mobilenetv1-face',
      split: 'test',
      images: 4,
      jobId: Number(jobId),
    });
    expect(list[0]!.modelSha256).toMatch(/^[0-9a-f]{64}$/);
    const stored = await call<StoredEvaluation>('getEvaluation', {
      evaluationId: end.evaluationId,
    });

    // The same numbers as `shotbox eval --project --split test --json` on the same file.
    const cli = await runShotbox(['eval', '--project', file, '--split', 'test', '--json']);
    expect(cli.code, cli.stderr).toBe(0);
    expect(stored.summary).toEqual(JSON.parse(cli.stdout));

    // The rejected face is the top false positive (background: no label near it), the drawn box
    // is missed; the counts agree with the lists.
    const fp = stored.falsePositives[0]!;
    expect(fp).toMatchObject({ kind: 'background', image: 'sample1.jpg', className: 'face' });
    expect(fp.score).toBeCloseTo(rejected.score!, 4);
    for (const k of ['x1', 'y1', 'x2', 'y2'] as const)
      expect(fp.box[k]).toBeCloseTo(rejected[k], 2);
    expect(stored.misses).toContainEqual(
      expect.objectContaining({
        kind: 'missed',
        image: 'sample1.jpg',
        box: { x1: 1, y1: 1, x2: 41, y2: 41 },
      }),
    );
    expect(drawn.review).toBe('accepted');
    const c = stored.errorCounts;
    expect(stored.falsePositiveTotal).toBe(
      c.duplicate + c.wrongClass + c.localisation + c.background,
    );
    expect(stored.missTotal).toBe(c.missed);
    const scores = stored.falsePositives.map((r) => r.score!);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    // PR curves are kept at ≤ 101 points per class.
    const face = stored.classes.find((k) => k.name === 'face')!;
    expect(face.pr50).toHaveLength(101);
    expect(face.vocRecall.length).toBeLessThanOrEqual(101);
    expect(face.vocRecall.length).toBe(face.vocPrecision.length);
    expect(face.apAll).toBeGreaterThan(0);
    expect(face.apAll).toBeLessThan(1);

    // Derived data: the labels are untouched and no history step was added.
    expect(JSON.stringify(project.images.all().map((i) => project.annotations.ofImage(i.id)))).toBe(
      labels,
    );
    expect(editRows(file)).toBe(historyBefore);
  }, 240_000);

  it('a cancelled evaluation stores nothing and ends with its final event', async () => {
    const before = (await call<EvaluationSummary[]>('listEvaluations', {})).length;
    const { jobId } = await call<{ jobId: string }>('startEvaluation', {});
    await call('cancelJob', { jobId });
    const end = await finished(jobId);
    expect(end).toMatchObject({ type: 'job-done', state: 'cancelled' });
    expect((await call<EvaluationSummary[]>('listEvaluations', {})).length).toBe(before);
  }, 120_000);

  it('refuses bad requests with the reason, and deletes a stored result with its records', async () => {
    const code = async (method: string, req: unknown): Promise<string> =>
      call(method, req).then(
        () => 'ok',
        (e: { code: string }) => e.code,
      );
    expect(await code('startEvaluation', { split: 'dev' })).toBe('invalid-request');
    expect(await code('startEvaluation', { model: '../x.onnx' })).toBe('invalid-request');
    expect(await code('startEvaluation', { model: 'no-such-model' })).toBe('not-found');
    expect(await code('getEvaluation', { evaluationId: 9999 })).toBe('not-found');
    const [latest] = await call<EvaluationSummary[]>('listEvaluations', {});
    expect(await call('deleteEvaluation', { evaluationId: latest!.id })).toEqual({ deleted: true });
    expect(await code('getEvaluation', { evaluationId: latest!.id })).toBe('not-found');
    expect(await call('deleteEvaluation', { evaluationId: latest!.id })).toEqual({
      deleted: false,
    });
  });
});
