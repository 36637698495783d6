import { copyFile, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ProjectDb } from '../../../src/core/db/projectDb';
import { runShotbox } from '../../helpers/cli';
import { demoPhotos, generatedDir } from '../../helpers/paths';

// Labels imported onto images the model already ran on: a pending prediction that a label of its
// class now covers (IoU >= 0.7) goes, as detection never stores one over a label, so "accept all"
// cannot double a label. One undoable step. Real face photos, the real model, the real CLI.

const work = path.join(generatedDir, 'import-merges-predictions');
const images = path.join(work, 'images');
const projectFile = path.join(work, 'faces.shotbox');

function boxes(project: ProjectDb): { review: string; origin: string }[] {
  return project.images.all().flatMap((i) => project.annotations.ofImage(i.id));
}

describe('importing labels over pending predictions', () => {
  let predicted = 0;
  beforeAll(async () => {
    await rm(work, { recursive: true, force: true });
    await mkdir(images, { recursive: true });
    for (const p of demoPhotos.slice(0, 3)) await copyFile(p, path.join(images, path.basename(p)));
    const detected = await runShotbox(['detect', images, '--project', projectFile, '--quiet']);
    expect(detected.code, detected.stderr).toBe(0);
    const project = ProjectDb.open(projectFile);
    try {
      predicted = boxes(project).filter((b) => b.review === 'pending').length;
    } finally {
      project.close();
    }
    expect(predicted).toBeGreaterThan(0);
  }, 120_000);

  it('the predictions the imported labels cover are merged away, and undo brings them back', async () => {
    // The model's own boxes, exported and imported back as labels: each covers its prediction.
    const out = path.join(work, 'predictions.json');
    const exported = await runShotbox([
      'export',
      '--project',
      projectFile,
      '--format',
      'coco',
      '--out',
      out,
      '--only',
      'all',
      '--include-unreviewed',
    ]);
    expect(exported.code, exported.stderr).toBe(0);
    const run = await runShotbox([
      'import',
      images,
      '--project',
      projectFile,
      '--annotations',
      out,
      '--as-labels',
      '--quiet',
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(
      new RegExp(`${predicted} pending predictions? merged into the labels that cover them`),
    );

    const project = ProjectDb.open(projectFile);
    try {
      const after = boxes(project);
      expect(after.filter((b) => b.review === 'pending')).toHaveLength(0);
      expect(after.filter((b) => b.origin === 'imported' && b.review === 'accepted')).toHaveLength(
        predicted,
      );
      expect(project.images.all().every((i) => i.status === 'reviewed')).toBe(true);

      project.history.undo();
      expect(boxes(project).filter((b) => b.review === 'pending')).toHaveLength(predicted);
      expect(project.integrityCheck()).toBe('ok');
    } finally {
      project.close();
    }
  }, 60_000);
});
