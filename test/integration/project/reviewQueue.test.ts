import { cp, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createBackend, dispatch } from '../../../src/core/api/backend';
import { ProjectDb } from '../../../src/core/db/projectDb';
import type { ImagePage } from '../../../src/shared/api/contract';
import { runShotbox } from '../../helpers/cli';
import { demoPhotos, generatedDir } from '../../helpers/paths';

// The review queue on real predictions: face-api's photos detected by the real model at a low
// threshold, then listed most doubtful first.

const work = path.join(generatedDir, 'review-queue');
const projectFile = path.join(work, 'queue.shotbox');

describe('review queue by uncertainty', () => {
  beforeAll(async () => {
    await rm(work, { recursive: true, force: true });
    await mkdir(path.join(work, 'photos'), { recursive: true });
    for (const p of demoPhotos) await cp(p, path.join(work, 'photos', path.basename(p)));
    const run = await runShotbox([
      'detect',
      path.join(work, 'photos'),
      '--project',
      projectFile,
      '--threshold',
      '0.2',
      '--quiet',
    ]);
    expect(run.code, run.stderr).toBe(0);
  }, 180_000);

  it('orders images by the pending score nearest the threshold, and filters by a score band', async () => {
    const project = ProjectDb.open(projectFile);
    const backend = createBackend({ shell: 'browser', version: 'test', project });
    try {
      const doubt = (imageId: number): number =>
        Math.min(
          ...project.annotations
            .ofImage(imageId)
            .filter((a) => a.review === 'pending' && a.score !== null)
            .map((a) => Math.abs(a.score! - 0.6)),
        );
      const page = (await dispatch(backend, 'listImages', {
        order: 'uncertain',
        threshold: 0.6,
        limit: 500,
      })) as ImagePage;
      const withPending = page.items.filter((i) => i.pendingCount > 0);
      expect(withPending.length).toBeGreaterThan(2);
      expect(page.items.slice(0, withPending.length)).toEqual(withPending); // pending first
      const doubts = withPending.map((i) => doubt(i.id));
      expect(doubts).toEqual([...doubts].sort((a, b) => a - b));

      const band = (await dispatch(backend, 'listImages', {
        scoreBand: { min: 0.2, max: 0.5 },
        limit: 500,
      })) as ImagePage;
      for (const img of band.items)
        expect(
          project.annotations
            .ofImage(img.id)
            .some((a) => a.review === 'pending' && a.score! >= 0.2 && a.score! <= 0.5),
        ).toBe(true);
      await expect(
        dispatch(backend, 'listImages', { scoreBand: { min: 0.8, max: 0.2 } }),
      ).rejects.toThrow(/min ≤ max/);
    } finally {
      await backend.dispose();
      project.close();
    }
  });
});
