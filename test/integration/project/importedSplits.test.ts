import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ProjectDb } from '../../../src/core/db/projectDb';
import { runShotbox } from '../../helpers/cli';
import { generatedDir, raccoonDir } from '../../helpers/paths';

// Splits a dataset's own files give are kept at import (VOC ImageSets, a COCO file per split,
// YOLO data.yaml), on the real raccoon photos — including its byte-identical pairs, which must
// share a split even when the files name them differently.

const work = path.join(generatedDir, 'imported-splits');
const images = path.join(raccoonDir, 'images');
// Two of the four identical pairs in the raccoon data.
const TWIN_A = ['raccoon-120.jpg', 'raccoon-83.jpg'];
const TWIN_B = ['raccoon-11.jpg', 'raccoon-116.jpg'];

function splits(file: string): Map<string, string | null> {
  const p = ProjectDb.open(file);
  try {
    const byId = new Map(p.images.splitInfo().map((i) => [i.id, i.split]));
    return new Map(p.images.all().map((img) => [img.path, byId.get(img.id) ?? null]));
  } finally {
    p.close();
  }
}

const stem = (f: string): string => f.replace(/\.jpg$/, '');

describe('splits from imported files', () => {
  beforeAll(async () => {
    await rm(work, { recursive: true, force: true });
    await mkdir(work, { recursive: true });
  });

  it('VOC ImageSets/Main: train/val/test lists are kept; twins named in two lists share the training split; twins not named follow', async () => {
    const voc = path.join(work, 'VOC');
    await cp(path.join(raccoonDir, 'annotations'), path.join(voc, 'Annotations'), {
      recursive: true,
    });
    const main = path.join(voc, 'ImageSets', 'Main');
    await mkdir(main, { recursive: true });
    // TWIN_A is split across train and test (a leak the import must close); TWIN_B's first copy
    // is in val and its twin in no list.
    const train = ['raccoon-1', 'raccoon-2', stem(TWIN_A[0]!)];
    const val = ['raccoon-3', stem(TWIN_B[0]!)];
    const test = ['raccoon-4', 'raccoon-9', stem(TWIN_A[1]!), 'not-in-the-project'];
    const trainvalOnly = ['raccoon-6'];
    await writeFile(path.join(main, 'train.txt'), train.join('\n') + '\n');
    await writeFile(path.join(main, 'val.txt'), val.join('\r\n'));
    await writeFile(path.join(main, 'test.txt'), test.join('\n') + '\n');
    await writeFile(
      path.join(main, 'trainval.txt'),
      [...train, ...val, ...trainvalOnly].join('\n') + '\n',
    );
    const file = path.join(work, 'voc.shotbox');
    const run = await runShotbox([
      'import',
      images,
      '--project',
      file,
      '--annotations',
      path.join(voc, 'Annotations'),
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/splits from ImageSets\/Main \(\d+ images set\)/);
    expect(run.stderr).toContain(
      `identical files '${TWIN_A[0]}' (train), '${TWIN_A[1]}' (test) must share a split: all train`,
    );
    expect(run.stderr).toContain(`'${TWIN_B[1]}' is identical to '${TWIN_B[0]}': split val`);
    expect(run.stderr).toMatch(/1 image\(s\) named in the split lists are not in the project/);

    const s = splits(file);
    expect(s.get('raccoon-1.jpg')).toBe('train');
    expect(s.get('raccoon-3.jpg')).toBe('val');
    expect(s.get('raccoon-4.jpg')).toBe('test');
    expect(s.get('raccoon-6.jpg'), 'only in trainval: a training image').toBe('train');
    expect(TWIN_A.map((f) => s.get(f))).toEqual(['train', 'train']);
    expect(TWIN_B.map((f) => s.get(f))).toEqual(['val', 'val']);
    expect(s.get('raccoon-7.jpg'), 'in no list: no split yet').toBeNull();

    // `shotbox split` fills in only what has no split; the imported ones stay.
    const assigned = await runShotbox(['split', '--project', file]);
    expect(assigned.code, assigned.stderr).toBe(0);
    const after = splits(file);
    expect(assigned.stderr).toContain(
      `split: ${[...s.values()].filter((v) => v === null).length} images assigned`,
    );
    for (const [f, v] of s) if (v !== null) expect(after.get(f), f).toBe(v);
    expect([...after.values()].every((v) => v !== null)).toBe(true);
  }, 120_000);

  it('COCO: a file named for its split gives it to its images; --split overrides the name', async () => {
    const coco = {
      images: [
        { id: 1, file_name: 'raccoon-10.jpg', width: 450, height: 495 },
        { id: 2, file_name: TWIN_B[0], width: 1, height: 1 },
      ],
      categories: [{ id: 1, name: 'raccoon' }],
      annotations: [{ id: 1, image_id: 1, category_id: 1, bbox: [10, 10, 100, 100] }],
    };
    const named = path.join(work, 'instances_val2017.json');
    await writeFile(named, JSON.stringify(coco));
    const file = path.join(work, 'coco.shotbox');
    const run = await runShotbox(['import', images, '--project', file, '--annotations', named]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('splits from instances_val2017.json');
    let s = splits(file);
    expect(s.get('raccoon-10.jpg')).toBe('val');
    expect(
      TWIN_B.map((f) => s.get(f)),
      'the twin follows',
    ).toEqual(['val', 'val']);
    expect(s.get('raccoon-12.jpg')).toBeNull();

    const again = await runShotbox([
      'import',
      images,
      '--project',
      file,
      '--annotations',
      named,
      '--split',
      'test',
    ]);
    expect(again.code, again.stderr).toBe(0);
    s = splits(file);
    expect(s.get('raccoon-10.jpg')).toBe('test');
    expect(TWIN_B.map((f) => s.get(f))).toEqual(['test', 'test']);

    const bad = await runShotbox([
      'import',
      images,
      '--project',
      file,
      '--annotations',
      named,
      '--split',
      'holdout',
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--split must be train, val or test, got 'holdout'");
  }, 120_000);

  it('YOLO data.yaml: train/val/test as image folders and .txt lists', async () => {
    const root = path.join(work, 'yolo');
    const pick = {
      train: ['raccoon-20.jpg', 'raccoon-21.jpg'],
      val: ['raccoon-22.jpg'],
      test: ['raccoon-23.jpg', TWIN_A[1]!],
    };
    for (const [split, files] of Object.entries(pick)) {
      await mkdir(path.join(root, 'images', split), { recursive: true });
      await mkdir(path.join(root, 'labels', split), { recursive: true });
      for (const f of files) {
        await writeFile(path.join(root, 'images', split, f), await readFile(path.join(images, f)));
        await writeFile(path.join(root, 'labels', split, stem(f) + '.txt'), '0 0.5 0.5 0.2 0.2\n');
      }
    }
    await writeFile(
      path.join(root, 'test.txt'),
      pick.test.map((f) => `images/test/${f}`).join('\n'),
    );
    await writeFile(
      path.join(root, 'data.yaml'),
      `# a YOLO dataset\npath: .\ntrain: images/train\nval: [images/val]\ntest: test.txt\nnames:\n  0: raccoon\n`,
    );
    const file = path.join(work, 'yolo.shotbox');
    const run = await runShotbox([
      'import',
      path.join(root, 'images'),
      '--project',
      file,
      '--annotations',
      path.join(root, 'labels'),
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('splits from data.yaml (5 images set)');
    const s = splits(file);
    expect(s.get('train/raccoon-20.jpg')).toBe('train');
    expect(s.get('train/raccoon-21.jpg')).toBe('train');
    expect(s.get('val/raccoon-22.jpg')).toBe('val');
    expect(s.get('test/raccoon-23.jpg')).toBe('test');
    expect(s.get(`test/${TWIN_A[1]}`)).toBe('test');
  }, 120_000);
});
