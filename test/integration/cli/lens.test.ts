import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REF_SSD300, referenceMatch, referencePriors } from '../../helpers/caffeReference';
import { runShotbox } from '../../helpers/cli';
import { raccoonDir } from '../../helpers/paths';

interface MatchJson {
  priorCount: number;
  threshold: number;
  images: Array<{
    file_name: string;
    width: number;
    height: number;
    gts: Array<{
      box: number[];
      class: string;
      priors: number[];
      ious: number[];
      forced: number | null;
      bestIou: number;
    }>;
  }>;
}

const refPriors = referencePriors(REF_SSD300);

function expectSameAsReference(out: MatchJson, threshold: number): number {
  let boxes = 0;
  for (const img of out.images) {
    const gts = img.gts.map((g) => [
      g.box[0]! / img.width,
      g.box[1]! / img.height,
      g.box[2]! / img.width,
      g.box[3]! / img.height,
    ]);
    const ref = referenceMatch(gts, refPriors, threshold);
    img.gts.forEach((g, j) => {
      const r = ref[j]!;
      const where = `${img.file_name} box ${j}`;
      expect(g.priors, where).toEqual(r.priors);
      expect(g.forced, where).toBe(r.forced);
      expect(g.bestIou, where).toBeCloseTo(r.bestIou, 5);
      g.ious.forEach((v, k) => expect(v, where).toBeCloseTo(r.ious[k]!, 5));
      boxes++;
    });
  }
  return boxes;
}

describe('shotbox match', () => {
  it('raccoon-train, SSD300: the same priors, IoUs and forced matches as a plain Caffe reference', async () => {
    const run = await runShotbox([
      'match',
      '--preset',
      'ssd300',
      '--annotations',
      path.join(raccoonDir, 'annotations'),
      '--format',
      'voc',
      '--json',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const out = JSON.parse(run.stdout) as MatchJson;
    expect(out.priorCount).toBe(8732);
    expect(out.images).toHaveLength(160);
    expect(expectSameAsReference(out, 0.5)).toBe(173);
  });

  it('small, thin and crowded boxes (COCO input), threshold 0.35: still box for box', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'shotbox-lens-'));
    let a = 12345;
    const rand = (): number => {
      a = (a * 16807) % 2147483647;
      return a / 2147483647;
    };
    const images = [];
    const annotations = [];
    let id = 1;
    for (let i = 0; i < 40; i++) {
      const width = 200 + Math.floor(rand() * 600);
      const height = 200 + Math.floor(rand() * 600);
      images.push({ id: i + 1, file_name: `img${i}.jpg`, width, height });
      const n = 1 + Math.floor(rand() * 8);
      for (let k = 0; k < n; k++) {
        const kind = k % 3;
        const w = kind === 0 ? 2 + rand() * 15 : kind === 1 ? 1 + rand() * 3 : 20 + rand() * 200;
        const h = kind === 0 ? 2 + rand() * 15 : kind === 1 ? 30 + rand() * 150 : 1 + rand() * 4;
        const x = rand() * (width - w);
        const y = rand() * (height - h);
        annotations.push({ id: id++, image_id: i + 1, category_id: 1, bbox: [x, y, w, h] });
      }
    }
    const file = path.join(dir, 'small.json');
    await writeFile(
      file,
      JSON.stringify({ images, annotations, categories: [{ id: 1, name: 'thing' }] }),
    );
    const outFile = path.join(dir, 'match.json');
    const run = await runShotbox([
      'match',
      '--preset',
      'ssd300',
      '--annotations',
      file,
      '--format',
      'coco',
      '--threshold',
      '0.35',
      '--out',
      outFile,
    ]);
    expect(run.code, run.stderr).toBe(0);
    const out = JSON.parse(await readFile(outFile, 'utf8')) as MatchJson;
    expect(out.threshold).toBe(0.35);
    expect(expectSameAsReference(out, 0.35)).toBe(annotations.length);
    expect(run.stdout).toMatch(/no prior ≥ 0.35/);
  });

  it('reports a bad input clearly and goes on with the rest', async () => {
    const run = await runShotbox(['match', '--annotations', '/nonexistent/dir', '--format', 'voc']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/does not exist/);
    const both = await runShotbox([
      'match',
      '--preset',
      'ssd300',
      '--model',
      'x',
      '--annotations',
      'a',
      '--format',
      'voc',
    ]);
    expect(both.stderr).toMatch(/only one of --preset, --config, --model/);
  });
});

describe('shotbox suggest-priors', () => {
  it('on small tall boxes, within ±10 % of the SSD300 box count, covers at least 3× as many', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'shotbox-suggest-'));
    let a = 99;
    const rand = (): number => {
      a = (a * 16807) % 2147483647;
      return a / 2147483647;
    };
    const images = [];
    const annotations = [];
    let id = 1;
    for (let i = 0; i < 300; i++) {
      images.push({ id: i + 1, file_name: `p${i}.jpg`, width: 600, height: 600 });
      for (let k = 0; k < 4; k++) {
        const w = 16 + rand() * 20; // 8–18 px on the 300 px canvas
        const h = w * (4 + rand() * 2.5);
        annotations.push({
          id: id++,
          image_id: i + 1,
          category_id: 1,
          bbox: [rand() * (600 - w), rand() * (600 - h), w, h],
        });
      }
    }
    const file = path.join(dir, 'tall.json');
    await writeFile(
      file,
      JSON.stringify({ images, annotations, categories: [{ id: 1, name: 'pole' }] }),
    );
    const cfg = path.join(dir, 'suggested.json');
    const run = await runShotbox([
      'suggest-priors',
      '--preset',
      'ssd300',
      '--annotations',
      file,
      '--format',
      'coco',
      '--out',
      cfg,
      '--json',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const r = JSON.parse(run.stdout) as {
      before: { matchedFraction: number; priorCount: number };
      after: { matchedFraction: number; priorCount: number };
    };
    expect(r.before.priorCount).toBe(8732);
    expect(r.before.matchedFraction).toBeLessThan(0.5);
    expect(r.after.matchedFraction).toBeGreaterThanOrEqual(3 * r.before.matchedFraction);
    expect(r.after.matchedFraction).toBeGreaterThan(0.3);
    // The exported config is a plain prior config: `priors --config` loads it.
    const priors = await runShotbox(['priors', '--config', cfg, '--json']);
    expect(priors.code, priors.stderr).toBe(0);
    const total = (JSON.parse(priors.stdout) as { total: number }).total;
    expect(total).toBe(r.after.priorCount);
    expect(Math.abs(total - 8732)).toBeLessThanOrEqual(873);
    // And the real matcher on it agrees with the report.
    const cov = await runShotbox([
      'coverage',
      '--config',
      cfg,
      '--annotations',
      file,
      '--format',
      'coco',
      '--json',
    ]);
    expect((JSON.parse(cov.stdout) as { matchedFraction: number }).matchedFraction).toBeCloseTo(
      r.after.matchedFraction,
      10,
    );
  });
});
