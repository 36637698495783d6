import { existsSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { beforeAll, describe, expect, it } from 'vitest';
import { ProjectDb } from '../../../src/core/db/projectDb';
import { runShotbox } from '../../helpers/cli';
import { generatedDir, raccoonDir } from '../../helpers/paths';

// Real Pascal VOC files from LabelImg (../shared/datasets/raccoon-train), through the real CLI.
const work = path.join(generatedDir, 'raccoon');
const images = path.join(raccoonDir, 'images');
const annotations = path.join(raccoonDir, 'annotations');

type Box = [string, number, number, number, number];

/** Boxes of every image of a project: path → sorted [class, x1, y1, x2, y2]. */
function boxesOf(file: string): Map<string, Box[]> {
  const project = ProjectDb.open(file);
  try {
    const names = new Map(project.classes.list().map((c) => [c.id, c.name]));
    const out = new Map<string, Box[]>();
    for (const img of project.images.all()) {
      const boxes = project.annotations
        .ofImage(img.id)
        .map((a): Box => [names.get(a.classId)!, a.x1, a.y1, a.x2, a.y2])
        .sort();
      out.set(img.path, boxes);
    }
    expect(project.integrityCheck()).toBe('ok');
    return out;
  } finally {
    project.close();
  }
}

/** The original VOC files, read independently of our parser: file name → sorted boxes. */
async function originalVoc(dir: string): Promise<Map<string, Box[]>> {
  const parser = new XMLParser({ isArray: (name) => name === 'object' });
  const out = new Map<string, Box[]>();
  for (const f of (await readdir(dir)).filter((n) => n.endsWith('.xml'))) {
    const doc = parser.parse(await readFile(path.join(dir, f), 'utf8')) as {
      annotation: { filename: string; object?: { name: string; bndbox: Record<string, number> }[] };
    };
    out.set(
      String(doc.annotation.filename),
      (doc.annotation.object ?? [])
        .map((o): Box => [
          String(o.name),
          +o.bndbox.xmin!,
          +o.bndbox.ymin!,
          +o.bndbox.xmax!,
          +o.bndbox.ymax!,
        ])
        .sort(),
    );
  }
  return out;
}

describe('raccoon-train round trip (VOC → project → COCO / VOC / YOLO)', () => {
  const project = path.join(work, 'voc.shotbox');
  let original: Map<string, Box[]>;

  beforeAll(async () => {
    expect(
      existsSync(raccoonDir),
      `${raccoonDir} (../shared/datasets/raccoon-train) is needed`,
    ).toBe(true);
    await rm(work, { recursive: true, force: true });
    original = await originalVoc(annotations);
    const run = await runShotbox([
      'import',
      images,
      '--project',
      project,
      '--annotations',
      annotations,
      '--format',
      'voc',
      '--quiet',
    ]);
    expect(run.code, run.stderr).toBe(0);
  });

  it('imports 160 images and 173 boxes', async () => {
    const stats = await runShotbox(['stats', '--project', project, '--json']);
    const s = JSON.parse(stats.stdout) as {
      images: number;
      annotations: number;
      byClass: { name: string; count: number }[];
    };
    expect(s.images).toBe(160);
    expect(s.annotations).toBe(173);
    expect(s.byClass).toEqual([{ name: 'raccoon', count: 173 }]);
    const inProject = boxesOf(project);
    for (const [file, boxes] of original) expect(inProject.get(file), file).toEqual(boxes);
  });

  it('export COCO → import into a fresh project: identical boxes to the pixel', async () => {
    const coco = path.join(work, 'out', 'raccoon.json');
    expect(
      (await runShotbox(['export', '--project', project, '--format', 'coco', '--out', coco])).code,
    ).toBe(0);
    const fresh = path.join(work, 'from-coco.shotbox');
    const run = await runShotbox([
      'import',
      images,
      '--project',
      fresh,
      '--annotations',
      coco,
      '--format',
      'coco',
      '--quiet',
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(boxesOf(fresh)).toEqual(boxesOf(project));
  });

  it('export VOC: each box equal to the original XML', async () => {
    const out = path.join(work, 'out', 'voc');
    expect(
      (await runShotbox(['export', '--project', project, '--format', 'voc', '--out', out])).code,
    ).toBe(0);
    const exported = await originalVoc(out);
    expect(exported.size).toBe(160);
    for (const [file, boxes] of original) expect(exported.get(file), file).toEqual(boxes);
  });

  it('export YOLO: coordinates within 1e-6 of the exact normalised values', async () => {
    const out = path.join(work, 'out', 'yolo');
    expect(
      (await runShotbox(['export', '--project', project, '--format', 'yolo', '--out', out])).code,
    ).toBe(0);
    expect((await readFile(path.join(out, 'classes.txt'), 'utf8')).trim()).toBe('raccoon');
    const p = ProjectDb.open(project);
    let lines = 0;
    try {
      for (const img of p.images.all()) {
        const txt = await readFile(
          path.join(out, 'labels', img.path.replace(/\.[^.]+$/, '.txt')),
          'utf8',
        );
        const got = txt
          .trim()
          .split('\n')
          .filter(Boolean)
          .map((l) => l.trim().split(/\s+/).map(Number))
          .sort();
        const want = original
          .get(img.path)!
          .map(([, x1, y1, x2, y2]) => [
            0,
            (x1 + x2) / 2 / img.width,
            (y1 + y2) / 2 / img.height,
            (x2 - x1) / img.width,
            (y2 - y1) / img.height,
          ])
          .sort();
        expect(got.length, img.path).toBe(want.length);
        got.forEach((g, i) =>
          g.forEach((v, k) =>
            expect(Math.abs(v - want[i]![k]!), `${img.path} line ${i} field ${k}`).toBeLessThan(
              1e-6,
            ),
          ),
        );
        lines += got.length;
      }
    } finally {
      p.close();
    }
    expect(lines).toBe(173);
  });

  it('re-importing the same folder and labels adds nothing', async () => {
    const run = await runShotbox([
      'import',
      images,
      '--project',
      project,
      '--annotations',
      annotations,
      '--format',
      'voc',
      '--quiet',
    ]);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(
      /import: 0 images added, 160 already in the project.*0 boxes on 160 images \(173 already present\)/,
    );
    expect([...boxesOf(project).values()].flat()).toHaveLength(173);
  });

  it('reports the four pairs of identical photos (kept: their labels differ)', async () => {
    const fresh = path.join(work, 'dups.shotbox');
    const run = await runShotbox(['import', images, '--project', fresh]);
    for (const [a, b] of [
      ['raccoon-116', 'raccoon-11'],
      ['raccoon-74', 'raccoon-52'],
      ['raccoon-83', 'raccoon-120'],
      ['raccoon-98', 'raccoon-65'],
    ]) {
      expect(run.stderr).toMatch(new RegExp(`${a}\\.jpg has the same content as ${b}\\.jpg`));
    }
    expect(run.stderr).toMatch(/160 images added.*4 identical to another/);
  });
});
