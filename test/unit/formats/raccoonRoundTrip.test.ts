// Round trips on real LabelImg output: the raccoon training set (160 images, 173 boxes).
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExportSet, ParsedImage } from '../../../src/core/formats/annotationSet';
import { exportCoco, parseCoco } from '../../../src/core/formats/coco';
import { exportVoc, parseVoc } from '../../../src/core/formats/voc';
import { exportYolo, parseYolo } from '../../../src/core/formats/yolo';
import { raccoonDir } from '../../helpers/paths';

let tmp: string;
let original: ParsedImage[];
let set: ExportSet;

/** The VOC parse as exporters take it: pixels, sizes from the XML. */
function toExportSet(classes: string[], images: ParsedImage[]): ExportSet {
  return {
    classes,
    images: images.map((image) => ({
      file: image.file,
      width: image.width as number,
      height: image.height as number,
      boxes: image.boxes.map((b) => ({
        classIndex: classes.indexOf(b.label),
        x1: b.x1,
        y1: b.y1,
        x2: b.x2,
        y2: b.y2,
      })),
    })),
  };
}

/** file → [label, x1, y1, x2, y2][] for exact comparison. */
function boxesByFile(
  images: ParsedImage[],
): Map<string, [string, number, number, number, number][]> {
  return new Map(
    images.map((image) => [image.file, image.boxes.map((b) => [b.label, b.x1, b.y1, b.x2, b.y2])]),
  );
}

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'shotbox-formats-'));
  const parsed = await parseVoc(path.join(raccoonDir, 'annotations'));
  expect(parsed.problems).toEqual([]);
  original = parsed.annotations.images;
  set = toExportSet(parsed.annotations.classes, original);
});

afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('raccoon VOC', () => {
  it('parses 160 images, 173 boxes of class raccoon, with sizes', async () => {
    expect(original).toHaveLength(160);
    expect(original.reduce((n, i) => n + i.boxes.length, 0)).toBe(173);
    expect(set.classes).toEqual(['raccoon']);
    expect(original.every((i) => (i.width ?? 0) > 0 && (i.height ?? 0) > 0)).toBe(true);
    const first = original.find((i) => i.file === 'raccoon-1.jpg');
    expect(first?.boxes).toEqual([
      expect.objectContaining({
        label: 'raccoon',
        x1: 81,
        y1: 88,
        x2: 522,
        y2: 408,
        normalized: false,
      }),
    ]);
  });

  it('exports VOC that parses back to every box exactly', async () => {
    const out = path.join(tmp, 'voc');
    expect(await exportVoc(set, out)).toEqual({ files: 160, images: 160, boxes: 173 });
    const back = await parseVoc(out);
    expect(back.problems).toEqual([]);
    expect(boxesByFile(back.annotations.images)).toEqual(boxesByFile(original));
    expect(back.annotations.images.map((i) => [i.file, i.width, i.height])).toEqual(
      original.map((i) => [i.file, i.width, i.height]),
    );
  });

  it('exports COCO that parses back to identical boxes', async () => {
    const out = path.join(tmp, 'coco', 'train.json');
    expect(await exportCoco(set, out)).toEqual({ files: 1, images: 160, boxes: 173 });
    const back = await parseCoco(out);
    expect(back.problems).toEqual([]);
    expect(back.annotations.classes).toEqual(['raccoon']);
    expect(boxesByFile(back.annotations.images)).toEqual(boxesByFile(original));
  });

  it('exports YOLO within 1e-6 of the exact normalised values, and parses it back', async () => {
    const out = path.join(tmp, 'yolo');
    expect(await exportYolo(set, out)).toEqual({ files: 162, images: 160, boxes: 173 });
    const back = await parseYolo(path.join(out, 'labels'));
    expect(back.problems).toEqual([]);
    expect(back.annotations.classes).toEqual(['raccoon']);
    const byFile = new Map(back.annotations.images.map((i) => [i.file, i]));
    expect(byFile.size).toBe(160);
    for (const image of original) {
      const stem = image.file.replace(/\.jpg$/, '');
      const parsed = byFile.get(stem);
      const w = image.width as number;
      const h = image.height as number;
      // The text itself: class cx cy w h against the exact values.
      const lines = (await readFile(path.join(out, 'labels', `${stem}.txt`), 'utf8'))
        .trim()
        .split('\n');
      image.boxes.forEach((b, k) => {
        const fields = (lines[k] as string).split(' ').map(Number);
        const exact = [
          0,
          (b.x1 + b.x2) / 2 / w,
          (b.y1 + b.y2) / 2 / h,
          (b.x2 - b.x1) / w,
          (b.y2 - b.y1) / h,
        ];
        exact.forEach((v, j) => expect(Math.abs((fields[j] as number) - v)).toBeLessThan(1e-6));
        const box = parsed?.boxes[k];
        expect(box?.normalized).toBe(true);
        expect(Math.abs((box?.x1 ?? NaN) - b.x1 / w)).toBeLessThan(1e-6);
        expect(Math.abs((box?.y1 ?? NaN) - b.y1 / h)).toBeLessThan(1e-6);
        expect(Math.abs((box?.x2 ?? NaN) - b.x2 / w)).toBeLessThan(1e-6);
        expect(Math.abs((box?.y2 ?? NaN) - b.y2 / h)).toBeLessThan(1e-6);
      });
      expect(parsed?.boxes).toHaveLength(image.boxes.length);
    }
  });
});
