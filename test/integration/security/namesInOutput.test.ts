import { cp, mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProjectDb } from '../../../src/core/db/projectDb';
import { runShotbox } from '../../helpers/cli';
import { demoPhotos, generatedDir } from '../../helpers/paths';

// Issue 8.7: hostile file and class names cannot forge CLI output or split one class in two.
describe('names in CLI output and imported class names', () => {
  const work = path.join(generatedDir, 'names');
  const images = path.join(work, 'images');
  const project = path.join(work, 'p.shotbox');

  beforeAll(async () => {
    await rm(work, { recursive: true, force: true });
    await mkdir(images, { recursive: true });
    await cp(demoPhotos[0]!, path.join(images, 'a.jpg'));
    await cp(demoPhotos[1]!, path.join(images, 'b.jpg'));
    await writeFile(
      path.join(images, 'x\nimport: 9999 images added, all fine\x1b[2J.bin'),
      'not an image',
    );
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('escapes control characters of file names in its output', async () => {
    const run = await runShotbox(['import', images, '--project', project]);
    expect(run.code).toBe(3);
    expect(run.stderr).not.toContain('\x1b[2J');
    expect(run.stderr.split('\n').some((l) => l.startsWith('import: 9999'))).toBe(false);
    expect(run.stderr).toContain('x\\nimport: 9999 images added, all fine\\x1b[2J.bin');
  });

  it('imports two spellings of a class as one, and refuses a bidi-override name', async () => {
    const labels = path.join(work, 'yolo', 'labels');
    await mkdir(labels, { recursive: true });
    // Class 0 and 1 are "é" precomposed and decomposed; class 2 hides a right-to-left override.
    await writeFile(path.join(work, 'yolo', 'classes.txt'), 'caf\u00e9\ncafe\u0301\nab\u202ecd\n');
    await writeFile(path.join(labels, 'a.txt'), '0 0.5 0.5 0.2 0.2\n2 0.3 0.3 0.1 0.1\n');
    await writeFile(path.join(labels, 'b.txt'), '1 0.5 0.5 0.2 0.2\n');
    const run = await runShotbox([
      'import',
      images,
      '--project',
      project,
      '--annotations',
      labels,
      '--format',
      'yolo',
    ]);
    expect(run.stderr).toMatch(/bidirectional override \(U\+202E\): its boxes were not imported/);
    expect(run.stderr).not.toContain('\u202e');
    const p = ProjectDb.open(project);
    try {
      expect(p.classes.list().map((c) => c.name)).toEqual(['café']);
      const boxes = p.images.all().flatMap((i) => p.annotations.ofImage(i.id));
      expect(boxes).toHaveLength(2);
    } finally {
      p.close();
    }
  });
});
