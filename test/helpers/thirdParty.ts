import { createHash } from 'node:crypto';
import { copyFile, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'vitest';
import { ProjectDb } from '../../src/core/db/projectDb';
import { runShotbox, type CliRun } from './cli';
import { generatedDir, raccoonDir } from './paths';

/**
 * For the tests of label files written by other tools (thirdParty*.test.ts): the raccoon photos'
 * own VOC boxes as the truth, exports in the other tools' layouts written from them, a project
 * the real CLI imports them into, and the boxes it holds afterwards.
 */

export type Box = [number, number, number, number];

export interface TruthImage {
  /** File name under raccoon-train/images. */
  file: string;
  stem: string;
  width: number;
  height: number;
  /** x1, y1, x2, y2 in pixels, as the VOC files give them. */
  boxes: Box[];
}

export const raccoonImages = path.join(raccoonDir, 'images');

/** The 160 raccoon photos and their 173 boxes, read from the dataset's VOC XML by plain text. */
export async function raccoonTruth(): Promise<TruthImage[]> {
  const dir = path.join(raccoonDir, 'annotations');
  const names = (await readdir(dir)).filter((n) => n.endsWith('.xml')).sort();
  const out: TruthImage[] = [];
  for (const name of names) {
    const xml = await readFile(path.join(dir, name), 'utf8');
    const num = (tag: string, text: string): number =>
      Number(new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(text)![1]);
    const file = /<filename>([^<]*)<\/filename>/.exec(xml)![1]!;
    out.push({
      file,
      stem: file.replace(/\.jpg$/, ''),
      width: num('width', xml),
      height: num('height', xml),
      boxes: [...xml.matchAll(/<object>([\s\S]*?)<\/object>/g)].map(
        (m) => ['xmin', 'ymin', 'xmax', 'ymax'].map((t) => num(t, m[1]!)) as Box,
      ),
    });
  }
  expect(out).toHaveLength(160);
  return out;
}

/** A fresh folder under test/fixtures/generated/third-party. */
export async function workDir(name: string): Promise<string> {
  const dir = path.join(generatedDir, 'third-party', name);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  return dir;
}

export async function writeText(file: string, text: string): Promise<string> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, text);
  return file;
}

export async function copyImage(truth: TruthImage, to: string): Promise<void> {
  await mkdir(path.dirname(to), { recursive: true });
  await copyFile(path.join(raccoonImages, truth.file), to);
}

/** An 8-hex-digit stand-in for Label Studio's upload prefix (uuid4().hex[:8]). */
export function uploadPrefix(name: string): string {
  let h = 2166136261;
  for (const c of name) h = Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0;
  return h.toString(16).padStart(8, '0');
}

/** Roboflow's name for its copy of `raccoon-1.jpg`: `raccoon-1_jpg.rf.<32 hex>.jpg`. */
export function roboflowName(truth: TruthImage): string {
  const hex = [1, 2, 3, 4].map((k) => uploadPrefix(`${k}${truth.file}`)).join('');
  return `${truth.stem}_jpg.rf.${hex}.jpg`;
}

/** YOLO's cx cy w h of a pixel box, normalised. */
export function yoloValues(box: Box, truth: { width: number; height: number }): number[] {
  const [x1, y1, x2, y2] = box;
  return [
    (x1 + x2) / 2 / truth.width,
    (y1 + y2) / 2 / truth.height,
    (x2 - x1) / truth.width,
    (y2 - y1) / truth.height,
  ];
}

/** `shotbox import <images> --project <project> --annotations <labels> …`, checking the exit code. */
export async function importLabels(
  images: string,
  project: string,
  labels: string,
  { extra = [] as string[], code = 0 } = {},
): Promise<CliRun> {
  const run = await runShotbox([
    'import',
    images,
    '--project',
    project,
    '--annotations',
    labels,
    ...extra,
  ]);
  expect(run.code, run.stderr).toBe(code);
  return run;
}

export interface ProjectLabels {
  classes: string[];
  /** Per image path: its accepted boxes (labels). */
  labels: Map<string, Box[]>;
  /** Per image path: its pending boxes with their scores. */
  predictions: Map<string, { box: Box; score: number | null }[]>;
  status: Map<string, string>;
  split: Map<string, string | null>;
}

export function readProject(file: string): ProjectLabels {
  const project = ProjectDb.open(file);
  try {
    const out: ProjectLabels = {
      classes: project.classes.list().map((c) => c.name),
      labels: new Map(),
      predictions: new Map(),
      status: new Map(),
      split: new Map(),
    };
    for (const image of project.images.all()) {
      const boxes = project.annotations.ofImage(image.id);
      const box = (a: (typeof boxes)[number]): Box => [a.x1, a.y1, a.x2, a.y2];
      out.labels.set(image.path, boxes.filter((a) => a.review === 'accepted').map(box));
      out.predictions.set(
        image.path,
        boxes.filter((a) => a.review === 'pending').map((a) => ({ box: box(a), score: a.score })),
      );
      out.status.set(image.path, image.status);
      out.split.set(image.path, image.split);
    }
    return out;
  } finally {
    project.close();
  }
}

/**
 * Every truth image's boxes are the project's boxes of `pathOf(truth)`, each coordinate within
 * `tolerance` pixels (after `scale`, for copies of another size), in any order.
 */
export function expectTruth(
  got: Map<string, Box[]>,
  truth: readonly TruthImage[],
  {
    pathOf = (t: TruthImage) => t.file,
    tolerance = 1e-6,
    scale = () => [1, 1] as [number, number],
  }: {
    pathOf?: (t: TruthImage) => string;
    tolerance?: number;
    scale?: (t: TruthImage) => [number, number];
  } = {},
): void {
  const sorted = (boxes: readonly Box[]): Box[] =>
    [...boxes].sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2]);
  for (const t of truth) {
    const [sx, sy] = scale(t);
    const want = sorted(t.boxes.map(([x1, y1, x2, y2]) => [x1 * sx, y1 * sy, x2 * sx, y2 * sy]));
    const have = sorted(got.get(pathOf(t)) ?? []);
    expect(have.length, `${pathOf(t)}: ${JSON.stringify(have)}`).toBe(want.length);
    have.forEach((b, i) =>
      b.forEach((v, k) =>
        expect(
          Math.abs(v - want[i]![k]!),
          `${pathOf(t)} box ${i} value ${k}: ${v}`,
        ).toBeLessThanOrEqual(tolerance),
      ),
    );
  }
}

/**
 * The split each photo gets when a dataset gives `splitOf`: byte-identical twins (the raccoon set
 * holds four pairs) share one, the first of train → val → test, so none is both trained and held
 * out.
 */
export async function expectedSplits(
  truth: readonly TruthImage[],
  splitOf: (t: TruthImage) => 'train' | 'val' | 'test',
): Promise<Map<string, string>> {
  const order = ['train', 'val', 'test'];
  const hashes = new Map<string, string>();
  for (const t of truth)
    hashes.set(
      t.file,
      createHash('sha256')
        .update(await readFile(path.join(raccoonImages, t.file)))
        .digest('hex'),
    );
  const first = new Map<string, string>();
  for (const t of truth) {
    const h = hashes.get(t.file)!;
    const split = splitOf(t);
    const held = first.get(h);
    if (held === undefined || order.indexOf(split) < order.indexOf(held)) first.set(h, split);
  }
  return new Map(truth.map((t) => [t.file, first.get(hashes.get(t.file)!)!]));
}
