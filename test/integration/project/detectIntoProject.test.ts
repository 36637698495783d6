import { existsSync } from 'node:fs';
import { cp, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ProjectDb } from '../../../src/core/db/projectDb';
import { runShotbox } from '../../helpers/cli';
import { demoPhotos, generatedDir } from '../../helpers/paths';

describe('shotbox detect --project', () => {
  const work = path.join(generatedDir, 'detect-project');
  const images = path.join(work, 'images');
  const projectFile = path.join(work, 'faces.shotbox');

  beforeAll(async () => {
    await rm(work, { recursive: true, force: true });
    await mkdir(images, { recursive: true });
    for (const p of demoPhotos.slice(0, 3)) await cp(p, path.join(images, path.basename(p)));
  });

  it('adds the images and stores each detection as a pending box with model, run and score', async () => {
    const run = await runShotbox(['detect', images, '--project', projectFile, '--quiet']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(
      /detect: 3 images, 9 detections stored as pending, 0 merged away \(overlapping a box a person decided on\), run 1, 0 failed/,
    );
    const project = ProjectDb.open(projectFile);
    try {
      const all = project.images.all().flatMap((i) => project.annotations.ofImage(i.id));
      expect(all).toHaveLength(9); // 3 faces in each of sample1..3 (face-api's own count)
      for (const a of all) {
        expect(a).toMatchObject({ origin: 'model', review: 'pending', runId: 1 });
        expect(a.score).toBeGreaterThan(0.5);
        expect(a.modelId).not.toBeNull();
      }
      expect(project.images.all().map((i) => i.status)).toEqual([
        'predicted',
        'predicted',
        'predicted',
      ]);
      expect(project.classes.list().map((c) => c.name)).toEqual(['face']);
    } finally {
      project.close();
    }
  });

  it('a second run replaces pending predictions but keeps what a person accepted, edited or drew', async () => {
    let project = ProjectDb.open(projectFile);
    const img = project.images.byPath('sample1.jpg')!;
    const [accepted, edited, ,] = project.annotations.ofImage(img.id);
    project.history.update(accepted!.id, { review: 'accepted' }, 'accept');
    project.history.update(edited!.id, { box: { x1: 10, y1: 10, x2: 50, y2: 50 } }, 'move');
    const face = project.classes.byName('face')!.id;
    project.history.create({
      imageId: img.id,
      classId: face,
      x1: 1,
      y1: 1,
      x2: 5,
      y2: 5,
      origin: 'manual',
      review: 'accepted',
    });
    project.close();

    const run = await runShotbox(['detect', '--project', projectFile, '--quiet']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/replacing 7 older predictions/); // 9 minus the accepted and the edited one
    project = ProjectDb.open(projectFile);
    try {
      const boxes = project.annotations.ofImage(img.id);
      expect(boxes.find((b) => b.id === accepted!.id)?.review).toBe('accepted');
      expect(boxes.find((b) => b.id === edited!.id)).toMatchObject({ review: 'edited', x1: 10 });
      expect(boxes.filter((b) => b.origin === 'manual')).toHaveLength(1);
      expect(boxes.filter((b) => b.review === 'pending').every((b) => b.runId === 2)).toBe(true);
      expect(project.integrityCheck()).toBe('ok');
    } finally {
      project.close();
    }
  });

  it('without inputs, a project that does not exist is a usage error and no file is made', async () => {
    const typo = path.join(work, 'typo.shotbox');
    const run = await runShotbox(['detect', '--project', typo]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/does not exist/);
    expect(existsSync(typo)).toBe(false);
  });

  it('a project without images is a clear error', async () => {
    const empty = path.join(work, 'empty');
    await mkdir(empty, { recursive: true });
    const run = await runShotbox(['detect', empty, '--project', path.join(work, 'empty.shotbox')]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/the project has no images/);
  });
});
