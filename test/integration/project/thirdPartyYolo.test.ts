import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type TruthImage,
  copyImage,
  expectTruth,
  expectedSplits,
  importLabels,
  raccoonImages,
  raccoonTruth,
  readProject,
  roboflowName,
  uploadPrefix,
  workDir,
  writeText,
  yoloValues,
} from '../../helpers/thirdParty';

// YOLO labels as Ultralytics, Roboflow, LabelImg and Label Studio lay them out, with the text
// quirks of real files (CRLF, BOM, blank lines, exponents, polygons, confidences), for the raccoon
// photos from their own VOC boxes, imported by the real CLI into a real project.

let truth: TruthImage[];
/** Normalised values times the image size come back within this of the VOC pixel. */
const PIXEL = 1e-6;

beforeAll(async () => {
  truth = await raccoonTruth();
});

async function project(name: string): Promise<{ dir: string; file: string }> {
  const dir = await workDir(`yolo-${name}`);
  return { dir, file: path.join(dir, 'p.shotbox') };
}

/** One label file's text: `class cx cy w h` per box, values as `format` writes them. */
function labelText(
  t: TruthImage,
  { cls = 0, format = String }: { cls?: number; format?: (v: number) => string } = {},
): string {
  return t.boxes.map((b) => `${cls} ${yoloValues(b, t).map(format).join(' ')}\n`).join('');
}

describe('YOLO exports of other tools', () => {
  it('Ultralytics layout (images/ and labels/ by split, data.yaml with path: and a names map): boxes and splits', async () => {
    const { dir, file } = await project('ultralytics');
    const dataset = path.join(dir, 'raccoon');
    const splitOf = (i: number): string => (i < 120 ? 'train' : 'val');
    for (const [i, t] of truth.entries()) {
      await copyImage(t, path.join(dataset, 'images', splitOf(i), t.file));
      await writeText(path.join(dataset, 'labels', splitOf(i), `${t.stem}.txt`), labelText(t));
    }
    await writeText(
      path.join(dataset, 'data.yaml'),
      [
        '# Ultralytics YOLO dataset',
        'path: ../datasets/raccoon # dataset root dir',
        'train: images/train # train images (relative to path)',
        'val: images/val',
        'test: # optional',
        '',
        '# Classes',
        'names:',
        '  0: raccoon',
        '',
      ].join('\n'),
    );
    const run = await importLabels(
      path.join(dataset, 'images'),
      file,
      path.join(dataset, 'labels'),
    );
    expect(run.stderr).toMatch(/splits from data\.yaml/);
    const got = readProject(file);
    expect(got.classes).toEqual(['raccoon']);
    const pathOf = (t: TruthImage): string => `${splitOf(truth.indexOf(t))}/${t.file}`;
    expectTruth(got.labels, truth, { pathOf, tolerance: PIXEL });
    const want = await expectedSplits(truth, (t) => (truth.indexOf(t) < 120 ? 'train' : 'val'));
    for (const t of truth) expect(got.split.get(pathOf(t)), t.file).toBe(want.get(t.file));
  });

  it('Ultralytics layout, one split folder given (labels/train, names as a list): data.yaml found two levels up', async () => {
    const { dir, file } = await project('ultralytics-split');
    const dataset = path.join(dir, 'raccoon');
    const some = truth.slice(0, 20);
    for (const t of some) {
      await copyImage(t, path.join(dataset, 'images', 'train', t.file));
      await writeText(path.join(dataset, 'labels', 'train', `${t.stem}.txt`), labelText(t));
    }
    await writeText(
      path.join(dataset, 'data.yaml'),
      'path: .\ntrain: images/train\nval: images/train\nnames: [raccoon]\n',
    );
    await importLabels(path.join(dataset, 'images'), file, path.join(dataset, 'labels', 'train'));
    const got = readProject(file);
    expect(got.classes).toEqual(['raccoon']);
    expectTruth(got.labels, some, { pathOf: (t) => `train/${t.file}`, tolerance: PIXEL });
  });

  it('Roboflow YOLO export given whole (README files, data.yaml with ../train/images): boxes and splits', async () => {
    const { dir, file } = await project('roboflow');
    const root = path.join(dir, 'raccoons.v1i.yolov8');
    const some = truth.slice(0, 30);
    const splitOf = (i: number): string => (i < 20 ? 'train' : i < 25 ? 'valid' : 'test');
    for (const [i, t] of some.entries()) {
      const name = roboflowName(t);
      await copyImage(t, path.join(root, splitOf(i), 'images', name));
      await writeText(
        path.join(root, splitOf(i), 'labels', name.replace(/\.jpg$/, '.txt')),
        labelText(t),
      );
    }
    await writeText(
      path.join(root, 'data.yaml'),
      [
        'train: ../train/images',
        'val: ../valid/images',
        'test: ../test/images',
        '',
        'nc: 1',
        "names: ['raccoon']",
        '',
        'roboflow:',
        '  workspace: me',
        '  project: raccoons',
        '  version: 1',
        '  license: CC BY 4.0',
        '  url: https://universe.roboflow.com/me/raccoons/dataset/1',
        '',
      ].join('\n'),
    );
    await writeText(
      path.join(root, 'README.roboflow.txt'),
      '\nraccoons - v1 2024-05-02\n==============================\n\nThis dataset was exported via roboflow.com on May 2, 2024\n',
    );
    await writeText(
      path.join(root, 'README.dataset.txt'),
      '# raccoons > 2024-05-02\nhttps://universe.roboflow.com/me/raccoons\n\nProvided by a Roboflow user\nLicense: CC BY 4.0\n',
    );
    const run = await importLabels(root, file, root);
    expect(run.stderr).toMatch(/splits from data\.yaml \(30 images set\)/);
    const got = readProject(file);
    const pathOf = (t: TruthImage): string =>
      `${splitOf(some.indexOf(t))}/images/${roboflowName(t)}`;
    expectTruth(got.labels, some, { pathOf, tolerance: PIXEL });
    const want = { train: 'train', valid: 'val', test: 'test' } as Record<string, string>;
    for (const t of some) expect(got.split.get(pathOf(t))).toBe(want[splitOf(some.indexOf(t))]);
  });

  it('LabelImg YOLO: labels beside the photos, its predefined classes.txt, six decimals', async () => {
    const { dir, file } = await project('labelimg');
    const folder = path.join(dir, 'images');
    const some = truth.slice(0, 20);
    const classes = ['dog', 'person', 'cat', 'tv', 'car', 'meatballs', 'marinara sauce', 'raccoon'];
    for (const t of some) {
      await copyImage(t, path.join(folder, t.file));
      await writeText(
        path.join(folder, `${t.stem}.txt`),
        labelText(t, { cls: 7, format: (v) => v.toFixed(6) }),
      );
    }
    await writeText(path.join(folder, 'classes.txt'), classes.join('\n') + '\n');
    await importLabels(folder, file, folder);
    const got = readProject(file);
    expect(got.classes).toEqual(classes);
    expectTruth(got.labels, some, { tolerance: 0.001 });
  });

  it('Label Studio YOLO (classes.txt, notes.json, hashed upload names, Python floats) on the original photos', async () => {
    const { dir, file } = await project('label-studio');
    const root = path.join(dir, 'export');
    for (const t of truth)
      await writeText(
        path.join(root, 'labels', `${uploadPrefix(t.file)}-${t.stem}.txt`),
        labelText(t),
      );
    await writeText(path.join(root, 'classes.txt'), 'raccoon\n');
    await writeText(
      path.join(root, 'notes.json'),
      JSON.stringify(
        {
          categories: [{ id: 0, name: 'raccoon' }],
          info: { year: 2024, version: '1.0', contributor: 'Label Studio' },
        },
        null,
        2,
      ),
    );
    const run = await importLabels(raccoonImages, file, root);
    expect(run.stderr).toMatch(/160 image name\(s\) are Label Studio upload names/);
    expectTruth(readProject(file).labels, truth, { tolerance: PIXEL });
  });
});
