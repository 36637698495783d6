import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type Box,
  type TruthImage,
  expectTruth,
  importLabels,
  raccoonImages,
  raccoonTruth,
  readProject,
  roboflowName,
  uploadPrefix,
  workDir,
  writeText,
} from '../../helpers/thirdParty';

// COCO files as CVAT, Roboflow and Label Studio export them, written for the raccoon photos from
// their own VOC boxes, imported by the real CLI into a real project: the boxes must land where the
// VOC files put them, or the import must be refused with a message that says what to do.

let truth: TruthImage[];
const xywh = ([x1, y1, x2, y2]: Box): Box => [x1, y1, x2 - x1, y2 - y1];

beforeAll(async () => {
  truth = await raccoonTruth();
});

/** CVAT "COCO 1.0" (datumaro): licence and info blocks, floats, attributes, polygons or []. */
function cvatCoco(images: readonly TruthImage[], fileName = (t: TruthImage) => t.file): object {
  let id = 0;
  return {
    licenses: [{ name: '', id: 0, url: '' }],
    info: { contributor: '', date_created: '', description: '', url: '', version: '', year: '' },
    categories: [{ id: 1, name: 'raccoon', supercategory: '' }],
    images: images.map((t, i) => ({
      id: i + 1,
      width: t.width,
      height: t.height,
      file_name: fileName(t),
      license: 0,
      flickr_url: '',
      coco_url: '',
      date_captured: 0,
    })),
    annotations: images.flatMap((t, i) =>
      t.boxes.map((b) => {
        const [x, y, w, h] = xywh(b);
        id++;
        return {
          id,
          image_id: i + 1,
          category_id: 1,
          segmentation: id % 2 ? [[x, y, x + w, y, x + w, y + h, x, y + h]] : [],
          area: w * h + 0.0,
          bbox: [x, y, w, h].map((v) => v + 0.0),
          iscrowd: 0,
          attributes: { occluded: false, rotation: 0.0 },
        };
      }),
    ),
  };
}

async function project(name: string): Promise<{ dir: string; file: string }> {
  const dir = await workDir(`coco-${name}`);
  return { dir, file: path.join(dir, 'p.shotbox') };
}

describe('COCO exports of other tools', () => {
  it('CVAT COCO 1.0: every box where the VOC files put it', async () => {
    const { dir, file } = await project('cvat');
    const labels = await writeText(
      path.join(dir, 'annotations', 'instances_default.json'),
      JSON.stringify(cvatCoco(truth)),
    );
    await importLabels(raccoonImages, file, labels);
    const got = readProject(file);
    expect(got.classes).toEqual(['raccoon']);
    expectTruth(got.labels, truth);
  });

  it('CVAT masks (iscrowd 1, RLE) are skipped, and the first warning says what to do', async () => {
    const { dir, file } = await project('cvat-masks');
    const doc = cvatCoco(truth) as { annotations: Record<string, unknown>[] };
    // datumaro writes each mask as an uncompressed-RLE crowd annotation with its bbox.
    const masked = doc.annotations.slice(0, 3);
    for (const a of masked) {
      a.iscrowd = 1;
      a.segmentation = { counts: [120, 40, 300, 40, 1000], size: [417, 650] };
    }
    const labels = await writeText(path.join(dir, 'masks.json'), JSON.stringify(doc));
    const run = await importLabels(raccoonImages, file, labels);
    expect(run.stderr).toMatch(
      /masks\.json: annotations\[0\]\.iscrowd: crowd annotation \(iscrowd=1\) skipped: .*CVAT exports every mask as iscrowd 1.*set their "iscrowd" to 0/,
    );
    const got = readProject(file);
    const maskedImages = new Set(masked.map((a) => truth[(a.image_id as number) - 1]!.file));
    expectTruth(
      got.labels,
      truth.filter((t) => !maskedImages.has(t.file)),
    );
    // An image whose only object was a crowd is no negative: it stays unreviewed.
    expect(got.status.get('raccoon-1.jpg')).toBe('unreviewed');
  });

  /** Roboflow's COCO: a placeholder category 0 named after the dataset above the real class. */
  function roboflowCoco(images: readonly TruthImage[], size?: number): object {
    let id = 0;
    return {
      info: {
        year: '2024',
        version: '1',
        description: 'Exported from roboflow.com',
        contributor: '',
        url: 'https://universe.roboflow.com/me/raccoons/dataset/1',
        date_created: '2024-05-02T10:11:12+00:00',
      },
      licenses: [{ id: 1, url: 'https://creativecommons.org/licenses/by/4.0/', name: 'CC BY 4.0' }],
      categories: [
        { id: 0, name: 'raccoons', supercategory: 'none' },
        { id: 1, name: 'raccoon', supercategory: 'raccoons' },
      ],
      images: images.map((t, i) => ({
        id: i,
        license: 1,
        file_name: roboflowName(t),
        height: size ?? t.height,
        width: size ?? t.width,
        date_captured: '2024-05-02T10:11:12+00:00',
      })),
      annotations: images.flatMap((t, i) =>
        t.boxes.map((b) => {
          const [sx, sy] = size ? [size / t.width, size / t.height] : [1, 1];
          const [x, y, w, h] = xywh(b);
          const bbox = [x * sx, y * sy, w * sx, h * sy];
          return {
            id: id++,
            image_id: i,
            category_id: 1,
            bbox,
            area: bbox[2]! * bbox[3]!,
            segmentation: [],
            iscrowd: 0,
          };
        }),
      ),
    };
  }

  it("Roboflow's own images (resized copies, renamed): boxes in the copies' pixels, no placeholder class, split from the folder", async () => {
    const { dir, file } = await project('roboflow-export');
    const some = truth.slice(0, 12);
    const train = path.join(dir, 'export', 'train');
    // Roboflow's default preprocessing: stretch to 416×416.
    await mkdir(train, { recursive: true });
    for (const t of some)
      await sharp(path.join(raccoonImages, t.file))
        .resize(416, 416, { fit: 'fill' })
        .jpeg()
        .toFile(path.join(train, roboflowName(t)));
    const labels = await writeText(
      path.join(train, '_annotations.coco.json'),
      JSON.stringify(roboflowCoco(some, 416)),
    );
    await importLabels(train, file, labels);
    const got = readProject(file);
    expect(got.classes).toEqual(['raccoon']);
    expectTruth(got.labels, some, {
      pathOf: roboflowName,
      scale: (t) => [416 / t.width, 416 / t.height],
    });
    // Roboflow keeps each split in its own folder (train/, valid/, test/).
    expect(new Set(got.split.values())).toEqual(new Set(['train']));
  });

  it('Roboflow names on the original photos, same size: matched to the originals, and said so', async () => {
    const { dir, file } = await project('roboflow-originals');
    const labels = await writeText(
      path.join(dir, 'train', '_annotations.coco.json'),
      JSON.stringify(roboflowCoco(truth)),
    );
    const run = await importLabels(raccoonImages, file, labels);
    expect(run.stderr).toMatch(
      /160 image name\(s\) are Roboflow export names, matched to the project's originals \('raccoon-1_jpg\.rf\.[0-9a-f]{32}\.jpg' → 'raccoon-1\.jpg', same size/,
    );
    const got = readProject(file);
    expect(got.classes).toEqual(['raccoon']);
    expectTruth(got.labels, truth);
  });

  it('Roboflow copies resized to 416×416 against the originals: refused, saying why and what to do, no project made', async () => {
    const { dir, file } = await project('roboflow-resized');
    const labels = await writeText(
      path.join(dir, '_annotations.coco.json'),
      JSON.stringify(roboflowCoco(truth, 416)),
    );
    const run = await importLabels(raccoonImages, file, labels, { code: 1 });
    expect(run.stderr).toMatch(/import refused, no project was created/);
    expect(run.stderr).toMatch(
      /_annotations\.coco\.json: images\[0\]: image 'raccoon-1_jpg\.rf\.[0-9a-f]+\.jpg' is Roboflow's copy of 'raccoon-1\.jpg' resized to 416×416 \(the project's is 650×417\).*import the Roboflow export's own images/,
    );
    expect(existsSync(file)).toBe(false);
  });

  /** Label Studio's COCO (label_studio_converter): ids from 0, whole-pixel boxes, info block. */
  function labelStudioCoco(prefix: string): object {
    // Label Studio stores percentages and writes int(x / 100 * width): within a pixel.
    const pct = (v: number, size: number): number => (v / size) * 100;
    let id = 0;
    return {
      images: truth.map((t, i) => ({
        width: t.width,
        height: t.height,
        id: i,
        file_name: `${prefix}${uploadPrefix(t.file)}-${t.file}`,
      })),
      categories: [{ id: 0, name: 'raccoon' }],
      annotations: truth.flatMap((t, i) =>
        t.boxes.map(([x1, y1, x2, y2]) => {
          const [x, y] = [
            Math.trunc((pct(x1, t.width) / 100) * t.width),
            Math.trunc((pct(y1, t.height) / 100) * t.height),
          ];
          const [w, h] = [
            Math.trunc((pct(x2 - x1, t.width) / 100) * t.width),
            Math.trunc((pct(y2 - y1, t.height) / 100) * t.height),
          ];
          return {
            id: id++,
            image_id: i,
            category_id: 0,
            segmentation: [],
            bbox: [x, y, w, h],
            ignore: 0,
            iscrowd: 0,
            area: w * h,
          };
        }),
      ),
      info: {
        year: 2024,
        version: '1.0',
        description: '',
        contributor: 'Label Studio',
        url: '',
        date_created: '2024-05-02 10:11:12.123456',
      },
    };
  }

  for (const [kind, prefix] of [
    ['downloaded images (images/<hash>-name)', 'images/'],
    ['upload paths (/data/upload/1/<hash>-name)', '/data/upload/1/'],
  ] as const) {
    it(`Label Studio, ${kind}: matched to the originals within a pixel`, async () => {
      const { dir, file } = await project(`label-studio-${prefix.length}`);
      const labels = await writeText(
        path.join(dir, 'result.json'),
        JSON.stringify(labelStudioCoco(prefix), null, 2),
      );
      const run = await importLabels(raccoonImages, file, labels);
      expect(run.stderr).toMatch(/160 image name\(s\) are Label Studio upload names/);
      const got = readProject(file);
      expect(got.classes).toEqual(['raccoon']);
      // int(x / 100 * width) of the position and of the size each drop up to a pixel.
      expectTruth(got.labels, truth, { tolerance: 2 });
    });
  }

  it('file names with folders, absolute POSIX and Windows paths and "..": each finds its photo', async () => {
    const { dir, file } = await project('paths');
    const forms = [
      (t: TruthImage) => `images/train/${t.file}`,
      (t: TruthImage) => `/home/me/datasets/raccoon/images/${t.file}`,
      (t: TruthImage) => `C:\\Users\\me\\Desktop\\raccoon\\images\\${t.file}`,
      (t: TruthImage) => `../images/${t.file}`,
      (t: TruthImage) => `${path.resolve(raccoonImages)}/${t.file}`,
    ];
    const doc = cvatCoco(truth, (t) => forms[truth.indexOf(t) % forms.length]!(t));
    const labels = await writeText(path.join(dir, 'paths.json'), JSON.stringify(doc));
    await importLabels(raccoonImages, file, labels);
    expectTruth(readProject(file).labels, truth);
  });
});
