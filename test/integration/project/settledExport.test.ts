import { cp, mkdir, readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ProjectDb } from '../../../src/core/db/projectDb';
import { runShotbox } from '../../helpers/cli';
import { demoPhotos, generatedDir, raccoonDir } from '../../helpers/paths';

// Issue 7 acceptance: a project with 10 VOC-labelled images and 6 images holding only model
// predictions exports, by default, exactly the 10 in COCO, VOC and YOLO, and says 6 were left out.
// Real raccoon photos with their LabelImg XML, real face photos through the real detector, the
// real CLI.

// Ten of the labelled photos (the numbering has gaps).
const RACCOONS = [1, 2, 3, 4, 6, 7, 9, 10, 11, 12].map((i) => `raccoon-${i}`);

describe('exports hold only settled images', () => {
  const work = path.join(generatedDir, 'settled-export');
  const images = path.join(work, 'images');
  const labels = path.join(work, 'voc');
  const projectFile = path.join(work, 'mixed.shotbox');

  beforeAll(async () => {
    await rm(work, { recursive: true, force: true });
    await mkdir(images, { recursive: true });
    await mkdir(labels, { recursive: true });
    for (const r of RACCOONS) {
      await cp(path.join(raccoonDir, 'images', `${r}.jpg`), path.join(images, `${r}.jpg`));
      await cp(path.join(raccoonDir, 'annotations', `${r}.xml`), path.join(labels, `${r}.xml`));
    }
    for (const p of demoPhotos) await cp(p, path.join(images, path.basename(p)));
    const imported = await runShotbox([
      'import',
      images,
      '--project',
      projectFile,
      '--annotations',
      labels,
      '--format',
      'voc',
      '--quiet',
    ]);
    expect(imported.code, imported.stderr).toBe(0);
    // The labelled images are settled, so detection leaves them alone and runs on the faces.
    const detected = await runShotbox(['detect', '--project', projectFile, '--quiet']);
    expect(detected.code, detected.stderr).toBe(0);
    expect(detected.stderr).toMatch(/detect: 6 images, .*10 reviewed images skipped/);
  }, 120_000);

  it('image states: imported labels are reviewed, faces hold pending predictions', () => {
    const project = ProjectDb.open(projectFile);
    try {
      const status = new Map(project.images.all().map((i) => [i.path, i.status]));
      for (const r of RACCOONS) expect(status.get(`${r}.jpg`)).toBe('reviewed');
      for (const p of demoPhotos) expect(status.get(path.basename(p))).toBe('predicted');
      const stats = project.stats();
      expect(stats.imagesByStatus).toMatchObject({ reviewed: 10, predicted: 6 });
      expect(stats.imagesNeverReviewed).toBe(6); // the same answer as the states
    } finally {
      project.close();
    }
  });

  const leftOutLine =
    /left out 6 images not reviewed yet \(sample1\.jpg, sample2\.jpg, sample3\.jpg, sample4\.jpg, sample5\.jpg and 1 more\); --include-unreviewed writes them too/;

  it('COCO: exactly the 10 labelled images, and says 6 were left out', async () => {
    const out = path.join(work, 'out', 'coco.json');
    const run = await runShotbox([
      'export',
      '--project',
      projectFile,
      '--format',
      'coco',
      '--out',
      out,
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(leftOutLine);
    const coco = JSON.parse(await readFile(out, 'utf8')) as { images: { file_name: string }[] };
    expect(coco.images.map((i) => i.file_name).sort()).toEqual(
      RACCOONS.map((r) => `${r}.jpg`).sort(),
    );
  });

  it('VOC: one XML per labelled image, none for the faces', async () => {
    const out = path.join(work, 'out', 'voc');
    const run = await runShotbox([
      'export',
      '--project',
      projectFile,
      '--format',
      'voc',
      '--out',
      out,
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(leftOutLine);
    const files = (await readdir(out)).filter((f) => f.endsWith('.xml')).sort();
    expect(files).toEqual(RACCOONS.map((r) => `${r}.xml`).sort());
  });

  it('YOLO: one label file per labelled image, none for the faces', async () => {
    const out = path.join(work, 'out', 'yolo');
    const run = await runShotbox([
      'export',
      '--project',
      projectFile,
      '--format',
      'yolo',
      '--out',
      out,
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(leftOutLine);
    const txt = (await readdir(out, { recursive: true }))
      .filter((f) => f.endsWith('.txt') && !/classes/.test(f))
      .map((f) => path.basename(f, '.txt'))
      .sort();
    expect(txt).toEqual([...RACCOONS].sort());
  });

  it('--include-unreviewed writes the other 6 too', async () => {
    const out = path.join(work, 'out', 'all.json');
    const run = await runShotbox([
      'export',
      '--project',
      projectFile,
      '--format',
      'coco',
      '--out',
      out,
      '--include-unreviewed',
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).not.toMatch(/left out/);
    const coco = JSON.parse(await readFile(out, 'utf8')) as { images: unknown[] };
    expect(coco.images).toHaveLength(16);
  });

  it('re-importing an export with scores stores the scored boxes as pending, not as labels', async () => {
    const out = path.join(work, 'out', 'with-predictions.json');
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
    const other = path.join(work, 'reimport.shotbox');
    const run = await runShotbox([
      'import',
      images,
      '--project',
      other,
      '--annotations',
      out,
      '--format',
      'coco',
      '--quiet',
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/with a score stored as pending predictions/);
    const project = ProjectDb.open(other);
    try {
      const boxes = project.images.all().flatMap((i) => project.annotations.ofImage(i.id));
      const scored = boxes.filter((b) => b.score !== null);
      expect(scored.length).toBeGreaterThan(0);
      expect(scored.every((b) => b.review === 'pending')).toBe(true);
      expect(boxes.filter((b) => b.score === null).every((b) => b.review === 'accepted')).toBe(
        true,
      );
      for (const p of demoPhotos)
        expect(project.images.byPath(path.basename(p))?.status).toBe('predicted');
    } finally {
      project.close();
    }
  });

  it('a VOC export with pending predictions is refused before writing: VOC cannot mark them as guesses', async () => {
    const out = path.join(work, 'out', 'voc-all');
    const run = await runShotbox([
      'export',
      '--project',
      projectFile,
      '--format',
      'voc',
      '--out',
      out,
      '--only',
      'all',
    ]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/Pascal VOC has no score field.*--only accepted/);
    expect(run.stderr).not.toMatch(/\n\s+at /); // no stack trace
    await expect(readdir(out)).rejects.toThrow(/ENOENT/);
  });
});
