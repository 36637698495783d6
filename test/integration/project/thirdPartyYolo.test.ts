import { existsSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type Box,
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

  it('text quirks: CRLF, BOM, spaces and blank lines, exponents, polygons, confidences, empty files', async () => {
    const { dir, file } = await project('quirks');
    const labels = path.join(dir, 'labels');
    const polygon = (t: TruthImage, b: Box, points: number): string => {
      // Points on the box's inscribed ellipse, its left/right/top/bottom among them: the
      // polygon's bounding box is the box.
      const [cx, cy, w, h] = yoloValues(b, t);
      const xy = Array.from({ length: points }, (_, k) => {
        const a = (2 * Math.PI * k) / points;
        return [cx! + (w! / 2) * Math.cos(a), cy! + (h! / 2) * Math.sin(a)];
      });
      return `0 ${xy.flat().join(' ')}`;
    };
    const kinds = ['crlf', 'bom', 'spaces', 'exponent', 'polygon', 'polygon-conf', 'conf', 'empty'];
    const kindOf = (t: TruthImage): string => kinds[truth.indexOf(t) % kinds.length]!;
    for (const t of truth) {
      const kind = kindOf(t);
      const lines = t.boxes.map((b) => `0 ${yoloValues(b, t).join(' ')}`);
      const text =
        kind === 'crlf'
          ? lines.map((l) => `${l}\r\n`).join('')
          : kind === 'bom'
            ? `\ufeff${lines.join('\n')}`
            : kind === 'spaces'
              ? `\n${lines.map((l) => `${l.replace(/ /g, '  ')}   \n`).join('\n')}\n \n`
              : kind === 'exponent'
                ? t.boxes
                    .map(
                      (b) =>
                        `0 ${yoloValues(b, t)
                          .map((v) => v.toExponential(12))
                          .join(' ')}\n`,
                    )
                    .join('')
                : kind === 'polygon'
                  ? t.boxes.map((b) => `${polygon(t, b, 16)}\n`).join('')
                  : kind === 'polygon-conf'
                    ? t.boxes.map((b) => `${polygon(t, b, 4)} 0.75\n`).join('')
                    : kind === 'conf'
                      ? lines.map((l) => `${l} 0.875\n`).join('')
                      : '';
      await writeText(path.join(labels, `${t.stem}.txt`), text);
    }
    await writeText(path.join(dir, 'classes.txt'), 'raccoon\r\n');
    const run = await importLabels(raccoonImages, file, labels);
    const got = readProject(file);
    const is =
      (...k: string[]) =>
      (t: TruthImage) =>
        k.includes(kindOf(t));
    expectTruth(got.labels, truth.filter(is('crlf', 'bom', 'spaces', 'exponent', 'polygon')), {
      tolerance: PIXEL,
    });
    // A confidence makes a prediction: pending, with its score.
    const scored = truth.filter(is('conf', 'polygon-conf'));
    expectTruth(
      new Map(scored.map((t) => [t.file, got.predictions.get(t.file)!.map((p) => p.box)])),
      scored,
      { tolerance: PIXEL },
    );
    for (const t of scored)
      for (const p of got.predictions.get(t.file)!)
        expect(p.score).toBe(kindOf(t) === 'conf' ? 0.875 : 0.75);
    // An empty label file: the photo holds nothing the file's classes name, a reviewed negative.
    const empty = truth.filter(is('empty'));
    expect(run.stderr).toMatch(
      new RegExp(`${empty.length} images without objects marked reviewed`),
    );
    for (const t of empty) {
      expect(got.labels.get(t.file)).toEqual([]);
      expect(got.status.get(t.file)).toBe('reviewed');
    }
  });

  it('Ultralytics pose labels (kpt_shape): the box before the keypoints; without their data.yaml refused', async () => {
    const { dir, file } = await project('pose');
    const some = truth.slice(0, 20);
    const poseLine = (t: TruthImage, b: Box): string => {
      const [cx, cy, w, h] = yoloValues(b, t);
      // Three keypoints (x y visibility) inside the box: 2 visible, 1 occluded.
      const points = [
        [cx!, cy!, 2],
        [cx! - w! / 4, cy!, 2],
        [cx! + w! / 4, cy! + h! / 4, 1],
      ];
      return `0 ${[cx, cy, w, h].join(' ')} ${points.flat().join(' ')}\n`;
    };
    for (const t of some)
      await writeText(
        path.join(dir, 'pose', 'labels', `${t.stem}.txt`),
        t.boxes.map((b) => poseLine(t, b)).join(''),
      );
    await writeText(
      path.join(dir, 'pose', 'data.yaml'),
      'path: .\ntrain: images\nval: images\nkpt_shape: [3, 3]\nflip_idx: [0, 2, 1]\nnames:\n  0: raccoon\n',
    );
    await importLabels(raccoonImages, file, path.join(dir, 'pose', 'labels'));
    expectTruth(readProject(file).labels, some, { tolerance: PIXEL });

    // The same lines with only a classes.txt read as polygons, whose visibility flags (2) lie
    // outside the image: refused, saying what to give.
    const other = path.join(dir, 'other.shotbox');
    for (const t of some)
      await writeText(
        path.join(dir, 'bare', 'labels', `${t.stem}.txt`),
        t.boxes.map((b) => poseLine(t, b)).join(''),
      );
    await writeText(path.join(dir, 'bare', 'classes.txt'), 'raccoon\n');
    const refused = await importLabels(raccoonImages, other, path.join(dir, 'bare', 'labels'), {
      code: 1,
    });
    expect(refused.stderr).toMatch(
      /labels\/raccoon-1\.txt:1: x4: 2 is outside \[0, 1\].*pose labels: give the data\.yaml with their kpt_shape/,
    );
    expect(existsSync(other)).toBe(false);
  });

  it('a Darknet/CVAT YOLO 1.1 folder given whole: its train.txt image list is named, and refused with what to give instead', async () => {
    const { dir, file } = await project('cvat-yolo');
    const root = path.join(dir, 'export');
    const some = truth.slice(0, 10);
    for (const t of some)
      await writeText(path.join(root, 'obj_train_data', `${t.stem}.txt`), labelText(t));
    await writeText(path.join(root, 'obj.names'), 'raccoon\n');
    await writeText(
      path.join(root, 'obj.data'),
      'classes = 1\ntrain = data/train.txt\nnames = data/obj.names\nbackup = backup/\n',
    );
    await writeText(
      path.join(root, 'train.txt'),
      some.map((t) => `data/obj_train_data/${t.file}`).join('\n') + '\n',
    );
    const refused = await importLabels(raccoonImages, file, root, { code: 1 });
    expect(refused.stderr).toMatch(
      /export\/train\.txt:1: .*a list of image paths \(such as Darknet's train\.txt\), not a label file; give the folder of label files instead/,
    );
    expect(existsSync(file)).toBe(false);
    await importLabels(raccoonImages, file, path.join(root, 'obj_train_data'));
    expectTruth(readProject(file).labels, some, { tolerance: PIXEL });
  });
});
