import { copyFile, mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ProjectDb } from '../../../src/core/db/projectDb';
import { runShotbox } from '../../helpers/cli';
import { generatedDir, raccoonDir } from '../../helpers/paths';

// A label file imported again after it was corrected elsewhere (a box moved, one added): a merge
// must not double the moved box, and --replace takes the file's labels for the images it lists,
// as one undoable step. Real raccoon photos, a real project file, the real CLI.

const work = path.join(generatedDir, 'reimport-corrected');
const images = path.join(work, 'images');
const projectFile = path.join(work, 'raccoons.shotbox');
const names = ['raccoon-1.jpg', 'raccoon-10.jpg', 'raccoon-100.jpg'];

type Box = [number, number, number, number];
const sizes = new Map<string, { width: number; height: number }>();

/** A COCO file: per image, its boxes as [x, y, w, h] (an empty list: listed without objects). */
async function cocoFile(
  file: string,
  boxes: Record<string, Box[]>,
  className = 'raccoon',
): Promise<string> {
  const listed = Object.keys(boxes);
  const out = path.join(work, file);
  await writeFile(
    out,
    JSON.stringify({
      images: listed.map((name, i) => ({ id: i + 1, file_name: name, ...sizes.get(name) })),
      categories: [{ id: 1, name: className }],
      annotations: listed.flatMap((name, i) =>
        boxes[name]!.map((bbox, j) => ({
          id: (i + 1) * 100 + j,
          image_id: i + 1,
          category_id: 1,
          bbox,
          area: bbox[2] * bbox[3],
          iscrowd: 0,
        })),
      ),
    }),
  );
  return out;
}

/** The labels of each image, as [x, y, w, h] rounded to a pixel. */
function labels(): Record<string, Box[]> {
  const project = ProjectDb.open(projectFile);
  try {
    return Object.fromEntries(
      project.images.all().map((i) => [
        i.path,
        project.annotations
          .ofImage(i.id)
          .filter((a) => a.review === 'accepted')
          .map((a) => [a.x1, a.y1, a.x2 - a.x1, a.y2 - a.y1].map(Math.round) as Box),
      ]),
    );
  } finally {
    project.close();
  }
}

/** `shotbox import` of a label file (quiet unless `loud`), expecting exit code `code`. */
async function importFile(
  file: string,
  extra: string[] = [],
  { code = 0, loud = false } = {},
): ReturnType<typeof runShotbox> {
  const args = ['import', images, '--project', projectFile, '--annotations', file, ...extra];
  const run = await runShotbox(loud ? args : [...args, '--quiet']);
  expect(run.code, run.stderr).toBe(code);
  return run;
}

describe('importing a corrected label file again', () => {
  const first: Record<string, Box[]> = {
    'raccoon-1.jpg': [[40, 30, 200, 150]],
    'raccoon-10.jpg': [[10, 20, 120, 90]],
  };
  // raccoon-1's box moved by 4 px and widened; raccoon-10 unchanged; raccoon-100 labelled now.
  const corrected: Record<string, Box[]> = {
    'raccoon-1.jpg': [[44, 30, 206, 150]],
    'raccoon-10.jpg': [[10, 20, 120, 90]],
    'raccoon-100.jpg': [[5, 5, 60, 60]],
  };

  beforeAll(async () => {
    for (const n of names) {
      const { width, height } = await sharp(path.join(raccoonDir, 'images', n)).metadata();
      sizes.set(n, { width: width!, height: height! });
    }
  });

  beforeEach(async () => {
    await rm(work, { recursive: true, force: true });
    await mkdir(images, { recursive: true });
    for (const n of names) await copyFile(path.join(raccoonDir, 'images', n), path.join(images, n));
    await importFile(await cocoFile('first.json', first));
  }, 60_000);

  it('a merge keeps the project box where the file moved it, adds what is new, says so', async () => {
    const run = await importFile(await cocoFile('corrected.json', corrected));
    expect(run.stderr).toMatch(/1 already present/);
    expect(run.stderr).toMatch(/1 not added where the project holds the same object/);
    expect(run.stderr).toMatch(/--replace/);
    expect(labels()).toEqual({
      'raccoon-1.jpg': [[40, 30, 200, 150]],
      'raccoon-10.jpg': [[10, 20, 120, 90]],
      'raccoon-100.jpg': [[5, 5, 60, 60]],
    });
  }, 60_000);

  it('--replace takes the file’s labels for the images it lists; undo brings the old ones back', async () => {
    const file = await cocoFile('corrected.json', corrected);
    const run = await importFile(file, ['--replace']);
    expect(run.stderr).toMatch(/replacing 1 label/);
    expect(labels()).toEqual(corrected);

    const project = ProjectDb.open(projectFile);
    try {
      // One step: undo restores the moved box and removes what the file added.
      project.history.undo();
      expect(project.history.canUndo()).toBe(false);
    } finally {
      project.close();
    }
    expect(labels()).toEqual({
      'raccoon-1.jpg': [[40, 30, 200, 150]],
      'raccoon-10.jpg': [[10, 20, 120, 90]],
      'raccoon-100.jpg': [],
    });
  }, 60_000);

  it('--replace with an image listed without objects leaves it a reviewed negative', async () => {
    const file = await cocoFile('negative.json', { 'raccoon-10.jpg': [] });
    const run = await importFile(file, ['--replace']);
    expect(run.stderr).toMatch(/replacing 1 label/);
    expect(run.stderr).toMatch(/1 image without objects marked reviewed/);
    expect(labels()['raccoon-10.jpg']).toEqual([]);
    // An image the file does not list keeps its labels.
    expect(labels()['raccoon-1.jpg']).toEqual([[40, 30, 200, 150]]);
    const project = ProjectDb.open(projectFile);
    try {
      const negative = project.images.all().find((i) => i.path === 'raccoon-10.jpg')!;
      expect(negative.status).toBe('reviewed');
      expect(project.images.settledIds().has(negative.id)).toBe(true);
    } finally {
      project.close();
    }
  }, 60_000);

  it('a merge of a file that renamed the class keeps both and warns', async () => {
    const file = await cocoFile('renamed.json', first, 'procyon');
    // Without --quiet: the warning itself is printed, naming where in the file.
    const run = await importFile(file, [], { loud: true });
    expect(run.stderr).toMatch(/2 label\(s\) added on a project label of another class/);
    expect(run.stderr).toMatch(/renamed\.json/);
    expect(Object.values(labels()).flat()).toHaveLength(2 * 2);
  }, 60_000);

  it('--replace with a file of scored boxes (predictions) is refused and changes nothing', async () => {
    const file = path.join(work, 'predictions.json');
    await writeFile(
      file,
      JSON.stringify({
        images: [{ id: 1, file_name: 'raccoon-1.jpg', ...sizes.get('raccoon-1.jpg') }],
        categories: [{ id: 1, name: 'raccoon' }],
        annotations: [
          { id: 1, image_id: 1, category_id: 1, bbox: [100, 100, 50, 50], area: 2500, score: 0.9 },
        ],
      }),
    );
    const before = labels();
    const run = await importFile(file, ['--replace'], { code: 2 });
    expect(run.stderr).toMatch(
      /--replace: 1 box\(es\) of the file carry a score .* a replace takes labels only/,
    );
    expect(labels()).toEqual(before);
  }, 60_000);

  it('--replace without --annotations is a usage error', async () => {
    const run = await runShotbox(['import', images, '--project', projectFile, '--replace']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--replace .* give both/);
  });
});
