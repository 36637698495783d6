import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type TruthImage,
  copyImage,
  expectTruth,
  importLabels,
  raccoonImages,
  raccoonTruth,
  readProject,
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
