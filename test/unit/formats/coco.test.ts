import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExportSet } from '../../../src/core/formats/annotationSet';
import { exportCoco, locateJsonError, parseCoco } from '../../../src/core/formats/coco';
import { MAX_PROBLEMS } from '../../../src/core/formats/formatUtils';

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'shotbox-coco-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

async function writeJson(name: string, text: string): Promise<string> {
  const file = path.join(tmp, name);
  await writeFile(file, text);
  return file;
}

const image = { id: 1, file_name: 'a.jpg', width: 640, height: 480 };

describe('parseCoco', () => {
  it('orders classes by category id and keeps images without annotations', async () => {
    const file = await writeJson(
      'order.json',
      JSON.stringify({
        images: [image, { id: 2, file_name: 'sub/b.png', width: 10, height: 10 }],
        annotations: [
          { id: 5, image_id: 1, category_id: 7, bbox: [1, 2, 3, 4] },
          { id: 6, image_id: 1, category_id: 3, bbox: [0.5, 0.25, 10.125, 20] },
        ],
        categories: [
          { id: 7, name: 'dog' },
          { id: 3, name: 'cat' },
        ],
      }),
    );
    const { annotations, problems } = await parseCoco(file);
    expect(problems).toEqual([]);
    expect(annotations.classes).toEqual(['cat', 'dog']);
    expect(annotations.images.map((i) => [i.file, i.width, i.height, i.boxes.length])).toEqual([
      ['a.jpg', 640, 480, 2],
      ['sub/b.png', 10, 10, 0],
    ]);
    expect(annotations.images[0]?.boxes[1]).toEqual({
      label: 'cat',
      x1: 0.5,
      y1: 0.25,
      x2: 10.625,
      y2: 20.25,
      normalized: false,
      where: 'order.json: annotations[1]',
    });
  });

  it('takes an image without a stated size, or with 0 (CVAT: unknown), and says so for 0', async () => {
    const file = await writeJson(
      'sizes.json',
      JSON.stringify({
        images: [
          { id: 1, file_name: 'a.jpg' },
          { id: 2, file_name: 'b.jpg', width: 0, height: 0 },
          { id: 3, file_name: 'c.jpg', width: -5, height: 10 },
        ],
        annotations: [
          { id: 1, image_id: 1, category_id: 1, bbox: [1, 2, 3, 4] },
          { id: 2, image_id: 2, category_id: 1, bbox: [1, 2, 3, 4] },
        ],
        categories: [{ id: 1, name: 'cat' }],
      }),
    );
    const { annotations, problems } = await parseCoco(file);
    expect(annotations.images.map((i) => [i.file, i.width, i.height, i.boxes.length])).toEqual([
      ['a.jpg', undefined, undefined, 1],
      ['b.jpg', undefined, undefined, 1],
    ]);
    expect(problems).toEqual([
      {
        severity: 'warning',
        where: 'sizes.json: images[1]: width, height',
        message: 'image size 0x0 ignored; the real size is used',
      },
      expect.objectContaining({ severity: 'error', where: 'sizes.json: images[2].width' }),
    ]);
  });

  it('reads a file that starts with a BOM', async () => {
    const doc = { images: [image], annotations: [], categories: [{ id: 1, name: 'cat' }] };
    const file = await writeJson('bom.json', `\uFEFF${JSON.stringify(doc)}`);
    const { annotations, problems } = await parseCoco(file);
    expect(problems).toEqual([]);
    expect(annotations.images).toHaveLength(1);
  });

  it('refuses bytes that are not UTF-8 (a Latin-1 "é"), naming the line, and reads UTF-16 with a BOM', async () => {
    const doc = { images: [image], annotations: [], categories: [{ id: 1, name: 'café' }] };
    const text = JSON.stringify(doc, null, 1);
    const latin1 = path.join(tmp, 'latin1.json');
    await writeFile(latin1, Buffer.from(text, 'latin1'));
    const bad = await parseCoco(latin1);
    expect(bad.problems).toEqual([
      expect.objectContaining({
        severity: 'error',
        where: `latin1.json:${text.split('\n').findIndex((l) => l.includes('caf')) + 1}`,
        message: expect.stringMatching(/not valid UTF-8/),
      }),
    ]);
    const utf16 = path.join(tmp, 'utf16.json');
    await writeFile(
      utf16,
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]),
    );
    const good = await parseCoco(utf16);
    expect(good.problems).toEqual([]);
    expect(good.annotations.classes).toEqual(['café']);
  });

  it('normalises backslashes and "./" in file names', async () => {
    const doc = {
      images: [{ ...image, file_name: '.\\sub\\a.jpg' }],
      annotations: [],
      categories: [],
    };
    const { annotations, problems } = await parseCoco(
      await writeJson('slashes.json', JSON.stringify(doc)),
    );
    expect(problems).toEqual([]);
    expect(annotations.images[0]?.file).toBe('sub/a.jpg');
  });

  it('collects every problem, not only the first, and caps the list', async () => {
    const annotations = Array.from({ length: 500 }, (_, i) => ({
      id: i + 1,
      image_id: 99,
      category_id: 1,
      bbox: [0, 0, 1, 1],
    }));
    const doc = { images: [image], annotations, categories: [{ id: 1, name: 'cat' }] };
    const { problems } = await parseCoco(await writeJson('many.json', JSON.stringify(doc)));
    expect(problems).toHaveLength(MAX_PROBLEMS + 1);
    expect(problems[199]?.where).toBe('many.json: annotations[199].image_id');
    expect(problems[MAX_PROBLEMS]).toMatchObject({
      where: 'many.json',
      severity: 'error',
      message: expect.stringMatching(/^and 300 more problems/),
    });
  });

  it('reports an unreadable path as an error, not an exception', async () => {
    const { problems } = await parseCoco(path.join(tmp, 'missing.json'));
    expect(problems).toEqual([
      expect.objectContaining({
        severity: 'error',
        where: 'missing.json',
        message: expect.stringMatching(/cannot read/),
      }),
    ]);
  });

  it('locates JSON syntax errors', () => {
    expect(locateJsonError('{"a": 1,}')).toBe(8);
    expect(locateJsonError('[1 2]')).toBe(3);
    expect(locateJsonError('{"a": 1}')).toBeUndefined();
  });
});

describe('exportCoco', () => {
  const set: ExportSet = {
    classes: ['a<b&c', 'Waschbär 🦝', '"quoted"'],
    images: [
      {
        file: 'dossier é/x&y <1>.jpg',
        width: 640,
        height: 480,
        boxes: [
          { classIndex: 0, x1: 10.5, y1: 20.25, x2: 30.125, y2: 40.5 },
          { classIndex: 2, x1: 0.1, y1: 0.2, x2: 0.7, y2: 0.3, score: 0.875 },
        ],
      },
      { file: 'empty.png', width: 10, height: 20, boxes: [] },
      {
        file: 'b.jpg',
        width: 100,
        height: 100,
        boxes: [{ classIndex: 1, x1: 0, y1: 0, x2: 100, y2: 100 }],
      },
    ],
  };

  it('writes ids from 1, category_id = class + 1, area, iscrowd 0 and score', async () => {
    const out = path.join(tmp, 'export', 'out.json');
    expect(await exportCoco(set, out)).toEqual({ files: 1, images: 3, boxes: 3 });
    const doc = JSON.parse(await readFile(out, 'utf8')) as {
      images: unknown[];
      annotations: Record<string, unknown>[];
      categories: unknown[];
    };
    expect(doc.categories).toEqual([
      { id: 1, name: 'a<b&c' },
      { id: 2, name: 'Waschbär 🦝' },
      { id: 3, name: '"quoted"' },
    ]);
    expect(doc.images[1]).toEqual({ id: 2, file_name: 'empty.png', width: 10, height: 20 });
    expect(doc.annotations[0]).toEqual({
      id: 1,
      image_id: 1,
      category_id: 1,
      bbox: [10.5, 20.25, 19.625, 20.25],
      area: 397.4063, // 19.625 × 20.25 = 397.40625, to 4 decimals
      iscrowd: 0,
    });
    expect(doc.annotations[1]).toMatchObject({ id: 2, category_id: 3, score: 0.875 });
    expect(doc.annotations[2]).toMatchObject({ id: 3, image_id: 3, category_id: 2 });
  });

  it('writes pixels to 4 decimals, without float noise from x2 - x1', async () => {
    const out = path.join(tmp, 'export', 'decimals.json');
    const noisy: ExportSet = {
      classes: ['a'],
      images: [
        {
          file: 'a.jpg',
          width: 100,
          height: 100,
          boxes: [{ classIndex: 0, x1: 0.1, y1: 1 / 3, x2: 10.4, y2: 50.123456 }],
        },
      ],
    };
    await exportCoco(noisy, out);
    const text = await readFile(out, 'utf8');
    const doc = JSON.parse(text) as { annotations: { bbox: number[]; area: number }[] };
    expect(doc.annotations[0]!.bbox).toEqual([0.1, 0.3333, 10.3, 49.7901]);
    expect(doc.annotations[0]!.area).toBe(512.8383);
    expect(text).not.toMatch(/\d\.\d{5,}/);
  });

  it('round-trips unicode and &<> in class and file names, and float boxes', async () => {
    const out = path.join(tmp, 'export', 'round.json');
    await exportCoco(set, out);
    const { annotations, problems } = await parseCoco(out);
    expect(problems).toEqual([]);
    expect(annotations.classes).toEqual(set.classes);
    expect(annotations.images.map((i) => i.file)).toEqual(set.images.map((i) => i.file));
    const boxes = annotations.images.flatMap((i) => i.boxes);
    const expected = set.images.flatMap((i) => i.boxes);
    boxes.forEach((b, k) => {
      const e = expected[k];
      expect(b.label).toBe(set.classes[e?.classIndex ?? -1]);
      // x + (x2 − x1) can differ from x2 by one unit in the last place; nothing more.
      expect(b.x1).toBe(e?.x1);
      expect(b.y1).toBe(e?.y1);
      expect(Math.abs(b.x2 - (e?.x2 ?? NaN))).toBeLessThan(1e-12);
      expect(Math.abs(b.y2 - (e?.y2 ?? NaN))).toBeLessThan(1e-12);
    });
  });

  it('throws (caller bug) for a class index out of range or a path that leaves the root', async () => {
    const bad: ExportSet = {
      classes: ['a'],
      images: [
        {
          file: 'a.jpg',
          width: 1,
          height: 1,
          boxes: [{ classIndex: 1, x1: 0, y1: 0, x2: 1, y2: 1 }],
        },
      ],
    };
    await expect(exportCoco(bad, path.join(tmp, 'bad.json'))).rejects.toThrow(/class index 1/);
    const traversal: ExportSet = {
      classes: ['a'],
      images: [{ file: '../a.jpg', width: 1, height: 1, boxes: [] }],
    };
    await expect(exportCoco(traversal, path.join(tmp, 'bad.json'))).rejects.toThrow(/"\.\."/);
  });
});
