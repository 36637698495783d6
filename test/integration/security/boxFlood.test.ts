import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_BOXES_PER_IMAGE } from '../../../src/core/formats/annotationSet';
import { ProjectDb } from '../../../src/core/db/projectDb';
import { runShotbox } from '../../helpers/cli';
import { generatedDir } from '../../helpers/paths';
import { serveOpenProject, startProjectServer } from '../../helpers/projectServer';

// Issue 8.5: one image with a flood of boxes is capped at import with a message, and the API
// pages an image's boxes instead of answering with hundreds of megabytes.
describe('an image flooded with boxes', () => {
  const work = path.join(generatedDir, 'box-flood');
  let projectFile: string;

  beforeAll(async () => {
    const s = await startProjectServer(work); // a.jpg, b.jpg
    projectFile = s.projectFile;
    await s.close();
    const labels = path.join(work, 'yolo', 'labels');
    await mkdir(labels, { recursive: true });
    await writeFile(path.join(work, 'yolo', 'classes.txt'), 'face\n');
    const flood = Array.from({ length: MAX_BOXES_PER_IMAGE + 1 }, () => '0 0.5 0.5 0.1 0.1').join(
      '\n',
    );
    await writeFile(path.join(labels, 'a.txt'), flood);
    await writeFile(path.join(labels, 'b.txt'), '0 0.5 0.5 0.2 0.2\n');
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('imports the other images and says which one brought too many', async () => {
    const run = await runShotbox([
      'import',
      path.join(work, 'images'),
      '--project',
      projectFile,
      '--annotations',
      path.join(work, 'yolo', 'labels'),
      '--format',
      'yolo',
    ]);
    expect(run.stderr).toMatch(/a\.txt.*10001 boxes for one image \(at most 10000\)/);
    const p = ProjectDb.open(projectFile);
    try {
      expect(p.annotations.ofImage(p.images.byPath('a.jpg')!.id)).toHaveLength(0);
      expect(p.annotations.ofImage(p.images.byPath('b.jpg')!.id)).toHaveLength(1);
    } finally {
      p.close();
    }
  });

  it('pages the boxes of one image in getImage', async () => {
    const p = ProjectDb.open(projectFile);
    const imageId = p.images.byPath('a.jpg')!.id;
    const classId = p.classes.byName('face')!.id;
    const total = MAX_BOXES_PER_IMAGE + 2500;
    p.transaction(() => {
      for (let i = 0; i < total; i++)
        p.annotations.insert({
          imageId,
          classId,
          x1: 1,
          y1: 1,
          x2: 2 + (i % 50),
          y2: 3,
          origin: 'manual',
          review: 'accepted',
        });
    });
    const s = await serveOpenProject(p, path.join(work, 'renderer'));
    try {
      const first = JSON.parse((await s.call('getImage', { imageId })).body) as {
        annotations: { id: number }[];
        annotationTotal: number;
      };
      expect(first.annotationTotal).toBe(total);
      expect(first.annotations).toHaveLength(MAX_BOXES_PER_IMAGE);
      const rest = JSON.parse(
        (await s.call('getImage', { imageId, annotationOffset: MAX_BOXES_PER_IMAGE })).body,
      ) as { annotations: { id: number }[] };
      expect(rest.annotations).toHaveLength(2500);
      expect(rest.annotations[0]!.id).toBeGreaterThan(first.annotations.at(-1)!.id);
      const tooMany = await s.call('getImage', { imageId, annotationLimit: 1_000_000 });
      expect(tooMany.status).toBe(400);
    } finally {
      await s.close();
    }
  });
});
