import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ProjectDb } from '../../../src/core/db/projectDb';
import { runShotbox } from '../../helpers/cli';
import { generatedDir, raccoonDir } from '../../helpers/paths';

describe('shotbox eval --project --split test --store (raccoon-train, the embedded face model)', () => {
  const work = path.join(generatedDir, 'eval-store');
  const file = path.join(work, 'raccoon.shotbox');
  beforeAll(async () => {
    await rm(work, { recursive: true, force: true });
    await mkdir(work, { recursive: true });
    const imported = await runShotbox([
      'import',
      path.join(raccoonDir, 'images'),
      '--project',
      file,
      '--annotations',
      path.join(raccoonDir, 'annotations'),
      '--format',
      'voc',
      '--quiet',
    ]);
    expect(imported.code, imported.stderr).toBe(0);
    const split = await runShotbox(['split', '--project', file, '--seed', '7']);
    expect(split.code, split.stderr).toBe(0);
  }, 120_000);

  it('scores the stored test split only and keeps the result as an evaluate job', async () => {
    const before = ProjectDb.open(file, { readOnly: true });
    const testImages = before.images.settled('test');
    const testBoxes = testImages.reduce((n, i) => n + before.annotations.ofImage(i.id).length, 0);
    const splits = before.images.splitInfo().map((i) => [i.id, i.split]);
    before.close();
    expect(testImages.length).toBeGreaterThan(10);
    expect(testImages.length).toBeLessThan(160);

    const run = await runShotbox([
      'eval',
      '--project',
      file,
      '--split',
      'test',
      '--store',
      '--json',
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain(`over ${testImages.length} settled images`);
    // The import made job 1 (an import job); the evaluation is the next job.
    const stored = /stored as evaluation 1 \(job (\d+)\)/.exec(run.stderr);
    expect(stored, run.stderr).not.toBeNull();
    const jobId = Number(stored![1]);
    const out = JSON.parse(run.stdout) as { perClass: Record<string, { npos: number }> };
    expect(out.perClass.raccoon!.npos).toBe(testBoxes);

    const after = ProjectDb.open(file, { readOnly: true });
    try {
      // The stored splits were used, not reassigned.
      expect(after.images.splitInfo().map((i) => [i.id, i.split])).toEqual(splits);
      expect(after.jobs.get(jobId)).toMatchObject({ kind: 'evaluate', state: 'done' });
      const [evaluation] = after.evaluations.list();
      expect(evaluation).toMatchObject({ id: 1, split: 'test', images: testImages.length, jobId });
      const full = after.evaluations.get(1, 1000)!;
      expect(full.summary).toEqual(out);
      // Every raccoon is missed (a face model), each named by its image.
      expect(full.missTotal).toBe(testBoxes);
      expect(new Set(full.misses.map((m) => m.imageId))).toEqual(
        new Set(testImages.map((i) => i.id)),
      );
    } finally {
      after.close();
    }
  }, 300_000);
});
