import { copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ProjectDb } from '../../../src/core/db/projectDb';
import { runShotbox } from '../../helpers/cli';
import { generatedDir, raccoonDir } from '../../helpers/paths';

// A reviewed image without boxes is a negative label ("nothing here"): it must survive an export
// and an import in every format, or the next export and training silently drop it. Real raccoon
// photos, the real CLI.

const work = path.join(generatedDir, 'negative-round-trip');
const images = path.join(work, 'images');
const source = path.join(work, 'source.shotbox');
const PHOTOS = ['raccoon-1.jpg', 'raccoon-2.jpg', 'raccoon-3.jpg'];

function statuses(file: string): Record<string, string> {
  const project = ProjectDb.open(file);
  try {
    return Object.fromEntries(project.images.all().map((i) => [i.path, i.status]));
  } finally {
    project.close();
  }
}

describe('negative images survive export and import', () => {
  beforeAll(async () => {
    await rm(work, { recursive: true, force: true });
    await mkdir(images, { recursive: true });
    for (const p of PHOTOS)
      await copyFile(path.join(raccoonDir, 'images', p), path.join(images, p));
    const imported = await runShotbox(['import', images, '--project', source, '--quiet']);
    expect(imported.code, imported.stderr).toBe(0);
    // Two reviewed negatives; the third image nobody looked at.
    const reviewed = await runShotbox([
      'review',
      'raccoon-1.jpg',
      'raccoon-2.jpg',
      '--project',
      source,
    ]);
    expect(reviewed.code, reviewed.stderr).toBe(0);
  }, 60_000);

  const formats: [string, string, (out: string) => string][] = [
    ['coco', 'labels.json', (out) => out],
    ['voc', 'voc', (out) => out],
    ['yolo', 'yolo', (out) => path.join(out, 'labels')],
  ];
  for (const [format, name, labelsOf] of formats) {
    it(`${format}: the two negatives come back reviewed, the unreviewed image stays unreviewed`, async () => {
      const out = path.join(work, name);
      const exported = await runShotbox([
        'export',
        '--project',
        source,
        '--format',
        format,
        '--out',
        out,
      ]);
      expect(exported.code, exported.stderr).toBe(0);
      // The project has no class: YOLO's empty classes.txt must be read back as such.
      if (format === 'yolo') expect(await readFile(path.join(out, 'classes.txt'), 'utf8')).toBe('');
      const again = path.join(work, `${format}.shotbox`);
      const run = await runShotbox([
        'import',
        images,
        '--project',
        again,
        '--annotations',
        labelsOf(out),
        '--format',
        format,
        '--quiet',
      ]);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr).toMatch(/2 images without objects marked reviewed/);
      expect(statuses(again)).toEqual({
        'raccoon-1.jpg': 'reviewed',
        'raccoon-2.jpg': 'reviewed',
        'raccoon-3.jpg': 'unreviewed',
      });
    }, 60_000);
  }

  it('an image whose only box was left out (crowd) is not taken for a negative', async () => {
    const gt = path.join(work, 'crowd.json');
    await writeFile(
      gt,
      JSON.stringify({
        images: [
          { id: 1, file_name: 'raccoon-1.jpg', width: 650, height: 417 },
          { id: 2, file_name: 'raccoon-2.jpg', width: 640, height: 426 },
        ],
        annotations: [
          { id: 1, image_id: 1, category_id: 1, bbox: [10, 10, 50, 50], area: 2500, iscrowd: 1 },
        ],
        categories: [{ id: 1, name: 'raccoon' }],
      }),
    );
    const target = path.join(work, 'crowd.shotbox');
    const run = await runShotbox([
      'import',
      images,
      '--project',
      target,
      '--annotations',
      gt,
      '--format',
      'coco',
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/crowd annotation \(iscrowd=1\) skipped/);
    expect(run.stderr).toMatch(/1 image without objects marked reviewed/);
    expect(statuses(target)).toMatchObject({
      'raccoon-1.jpg': 'unreviewed',
      'raccoon-2.jpg': 'reviewed',
    });
  }, 60_000);
});
