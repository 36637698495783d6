import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExportSet } from '../../../src/core/formats/annotationSet';
import {
  exportYolo,
  formatNormalized,
  parseYamlNames,
  parseYolo,
  yoloLabelText,
} from '../../../src/core/formats/yolo';

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'shotbox-yolo-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** Writes files (relative path → content) under a fresh folder and returns it. */
async function tree(name: string, files: Record<string, string>): Promise<string> {
  const root = path.join(tmp, name);
  for (const [rel, text] of Object.entries(files)) {
    const file = path.join(root, rel);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, text);
  }
  return root;
}

describe('parseYolo', () => {
  it('refuses a class list that is not UTF-8 rather than change a name', async () => {
    const root = await tree('latin1-classes', { 'labels/a.txt': '1 0.5 0.5 0.2 0.2\n' });
    await writeFile(path.join(root, 'classes.txt'), Buffer.from('cat\nchâton\n', 'latin1'));
    const { problems } = await parseYolo(path.join(root, 'labels'));
    expect(problems).toContainEqual(
      expect.objectContaining({
        severity: 'error',
        where: expect.stringMatching(/classes\.txt:2$/),
        message: expect.stringMatching(/not valid UTF-8/),
      }),
    );
  });

  it('reads CRLF, trailing spaces, blank lines and a BOM; an empty file is a negative image', async () => {
    const root = await tree('crlf', {
      'classes.txt': '\uFEFFcat \r\ndog\r\n\r\n',
      'labels/a.txt': '\uFEFF0 0.5 0.5 0.2 0.4  \r\n\r\n1\t0.25 0.75 0.5 0.5\r\n',
      'labels/sub/b.txt': '',
    });
    const { annotations, problems } = await parseYolo(path.join(root, 'labels'));
    expect(problems).toEqual([]);
    expect(annotations.classes).toEqual(['cat', 'dog']);
    expect(annotations.images.map((i) => [i.file, i.boxes.length])).toEqual([
      ['a', 2],
      ['sub/b', 0],
    ]);
    const [first, second] = annotations.images[0]?.boxes ?? [];
    expect(first).toMatchObject({ label: 'cat', normalized: true, where: 'labels/a.txt:1' });
    expect(first?.x1).toBeCloseTo(0.4, 12);
    expect(first?.y2).toBeCloseTo(0.7, 12);
    expect(second).toMatchObject({
      label: 'dog',
      x1: 0,
      y1: 0.5,
      x2: 0.5,
      y2: 1,
      where: 'labels/a.txt:3',
    });
  });

  it("reads a class index written as a float (numpy's savetxt: 1.000000000000000000e+00)", async () => {
    const root = await tree('float-class', {
      'classes.txt': 'cat\ndog\n',
      'labels/a.txt':
        '1.000000000000000000e+00 5.000000000000000000e-01 5.000000000000000000e-01 2.000000000000000000e-01 2.000000000000000000e-01\n0.0 0.25 0.25 0.1 0.1\n',
    });
    const { annotations, problems } = await parseYolo(path.join(root, 'labels'));
    expect(problems).toEqual([]);
    expect(annotations.images[0]?.boxes.map((b) => b.label)).toEqual(['dog', 'cat']);
    expect(annotations.images[0]?.boxes[0]?.x1).toBeCloseTo(0.4, 12);
  });

  it('excludes classes.txt kept among the labels (LabelImg) and finds obj.names in the parent', async () => {
    const inside = await tree('inside', {
      'labels/classes.txt': 'cat\n',
      'labels/a.txt': '0 0.5 0.5 0.1 0.1\n',
    });
    const r1 = await parseYolo(path.join(inside, 'labels'));
    expect(r1.problems).toEqual([]);
    expect(r1.annotations.images.map((i) => i.file)).toEqual(['a']);
    const darknet = await tree('darknet', {
      'obj.names': 'person\ncar\n',
      'obj_train_data/x.txt': '1 0.5 0.5 0.1 0.1\n',
    });
    const r2 = await parseYolo(path.join(darknet, 'obj_train_data'));
    expect(r2.problems).toEqual([]);
    expect(r2.annotations.images[0]?.boxes[0]?.label).toBe('car');
  });

  it('reads data.yaml names and honours an explicit classes file', async () => {
    const root = await tree('yaml', {
      'data.yaml':
        'path: ../x\ntrain: images/train\nnames:\n  0: "traffic light"\n  1: stop sign # comment\nnc: 2\n',
      'labels/a.txt': '1 0.5 0.5 0.1 0.1\n',
      'other/names.txt': 'x\ny\n',
    });
    const r1 = await parseYolo(path.join(root, 'labels'));
    expect(r1.problems).toEqual([]);
    expect(r1.annotations.classes).toEqual(['traffic light', 'stop sign']);
    const r2 = await parseYolo(path.join(root, 'labels'), {
      classesFile: path.join(root, 'other', 'names.txt'),
    });
    expect(r2.annotations.classes).toEqual(['x', 'y']);
    expect(r2.annotations.images[0]?.boxes[0]?.label).toBe('y');
  });

  it('reports every bad line of every file', async () => {
    const root = await tree('many', {
      'classes.txt': 'cat\n',
      'labels/a.txt': '0 0.5 0.5 0.1 0.1\n0 x 0.5 0.1 0.1\n0 0.5\n',
      'labels/b.txt': '5 0.5 0.5 0.1 0.1\n',
    });
    const { problems } = await parseYolo(path.join(root, 'labels'));
    expect(problems.map((p) => p.where)).toEqual([
      'labels/a.txt:2',
      'labels/a.txt:3',
      'labels/b.txt:1',
    ]);
  });
});

describe('parseYamlNames', () => {
  it.each([
    ["names: [a, \"b c\", 'd''e']", ['a', 'b c', "d'e"]],
    ['names: [\n  a,\n  b, # two\n]\n', ['a', 'b']],
    ['names: {0: a, 1: "b: c"}', ['a', 'b: c']],
    ['names:\n  - a\n  - "x<y&z"\n', ['a', 'x<y&z']],
    ['names:\n- a\n- b\ntrain: t\n', ['a', 'b']],
    ['names:\n  1: b\n  0: a\n', ['a', 'b']],
    ['names:\n  0: "caf\\u00e9 \\"q\\""\n', ['café "q"']],
    ['\uFEFFnames: [a]\r\n', ['a']],
    ['nc: 0\nnames: []\n', []],
  ])('%j', (text, names) => {
    expect(parseYamlNames(text)).toMatchObject({ names });
  });

  it.each([
    ['names: a', /must be a list/],
    ['names:\n  0: a\n  0: b\n', /each once/],
    ['names: [a, [b]]', /nested/],
    ['names:\n  - a\n  1: b\n', /mixes/],
    ['names:\ntrain: images\n', /names is empty/],
    ['names: ["a]', /not closed|unclosed/],
  ])('refuses %j', (text, problem) => {
    expect(parseYamlNames(text)).toMatchObject({ problem: expect.stringMatching(problem) });
  });

  it('reads nc', () => {
    expect(parseYamlNames('nc: 2\nnames: [a, b]')).toEqual({ names: ['a', 'b'], nc: 2 });
  });
});

describe('exportYolo', () => {
  const set: ExportSet = {
    classes: ['a<b&c', 'Waschbär 🦝', 'x: "y" # z'],
    images: [
      {
        file: 'sub/café & <1>.jpg',
        width: 640,
        height: 480,
        boxes: [
          { classIndex: 0, x1: 160, y1: 120, x2: 480, y2: 360 },
          { classIndex: 2, x1: 0, y1: 0, x2: 213, y2: 97, score: 0.9 },
        ],
      },
      { file: 'neg.png', width: 10, height: 10, boxes: [] },
    ],
  };

  it('formats normalised values exactly for canonical values and within 1e-6 otherwise', () => {
    expect(formatNormalized(0.5)).toBe('0.5');
    expect(formatNormalized(0)).toBe('0');
    expect(formatNormalized(1)).toBe('1');
    expect(formatNormalized(0.1 + 0.2)).toBe('0.3');
    expect(formatNormalized(1 / 3)).toBe('0.3333333333');
    expect(formatNormalized(1.5e-7)).toBe('0.00000015');
    expect(yoloLabelText(set.images[0] as ExportSet['images'][number])).toBe(
      // A prediction keeps its confidence as the sixth field (Ultralytics' save_conf).
      '0 0.5 0.5 0.5 0.5\n2 0.16640625 0.1010416667 0.3328125 0.2020833333 0.9\n',
    );
  });

  it('writes a label file for every image, classes.txt and data.yaml, which parse back', async () => {
    const out = path.join(tmp, 'export');
    expect(await exportYolo(set, out)).toEqual({ files: 4, images: 2, boxes: 2 });
    expect(await readFile(path.join(out, 'labels', 'neg.txt'), 'utf8')).toBe('');
    expect(await readFile(path.join(out, 'classes.txt'), 'utf8')).toBe(
      `${set.classes.join('\n')}\n`,
    );

    const back = await parseYolo(path.join(out, 'labels'));
    expect(back.problems).toEqual([]);
    expect(back.annotations.classes).toEqual(set.classes);
    expect(back.annotations.images.map((i) => [i.file, i.boxes.map((b) => b.label)])).toEqual([
      ['neg', []],
      ['sub/café & <1>', ['a<b&c', 'x: "y" # z']],
    ]);
    // The label has no score; the prediction reads back as one (imported as pending).
    expect(back.annotations.images[1]!.boxes.map((b) => b.score)).toEqual([undefined, 0.9]);
    // Ultralytics' keys: the dataset root and the image folders of both splits under it.
    const yaml = await readFile(path.join(out, 'data.yaml'), 'utf8');
    expect(yaml).toContain(`path: ${JSON.stringify(path.resolve(out))}\n`);
    expect(yaml).toMatch(/^train: images$/m);
    expect(yaml).toMatch(/^val: images$/m);
    const viaYaml = await parseYolo(path.join(out, 'labels'), {
      classesFile: path.join(out, 'data.yaml'),
    });
    expect(viaYaml.problems).toEqual([]);
    expect(viaYaml.annotations.classes).toEqual(set.classes);
  });

  it('without classes: the negatives export, and parse back through classes.txt and data.yaml', async () => {
    const out = path.join(tmp, 'export-no-classes');
    const negatives: ExportSet = {
      classes: [],
      images: [
        { file: 'a.jpg', width: 10, height: 10, boxes: [] },
        { file: 'b.jpg', width: 10, height: 10, boxes: [] },
      ],
    };
    await exportYolo(negatives, out);
    expect(await readFile(path.join(out, 'data.yaml'), 'utf8')).toMatch(/^names: \[\]$/m);
    for (const classesFile of [undefined, path.join(out, 'data.yaml')]) {
      const back = await parseYolo(path.join(out, 'labels'), classesFile ? { classesFile } : {});
      expect(back.problems).toEqual([]);
      expect(back.annotations.classes).toEqual([]);
      expect(back.annotations.images).toMatchObject([
        { file: 'a', boxes: [] },
        { file: 'b', boxes: [] },
      ]);
    }
    // A box cannot name a class of an empty list: the import is refused, not guessed.
    await writeFile(path.join(out, 'labels', 'b.txt'), '0 0.5 0.5 0.2 0.2\n');
    const boxed = await parseYolo(path.join(out, 'labels'));
    expect(boxed.problems).toEqual([
      {
        severity: 'error',
        where: 'labels/b.txt:1',
        message: 'class: unknown class index 0 (the class list is empty)',
      },
    ]);
  });

  it('refuses class names that would shift indices, and colliding label files', async () => {
    await expect(
      exportYolo({ classes: ['a\nb'], images: [] }, path.join(tmp, 'bad')),
    ).rejects.toThrow(/line break/);
    const clash: ExportSet = {
      classes: ['a'],
      images: [
        { file: 'a.jpg', width: 1, height: 1, boxes: [] },
        { file: 'a.png', width: 1, height: 1, boxes: [] },
      ],
    };
    await expect(exportYolo(clash, path.join(tmp, 'bad'))).rejects.toThrow(/would both be written/);
  });
});
