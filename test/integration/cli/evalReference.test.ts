import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runShotbox } from '../../helpers/cli';
import { repoRoot } from '../../helpers/paths';

/**
 * `shotbox eval --gt --dt --json` against numbers from pycocotools' COCOeval and
 * py-faster-rcnn's voc_eval, written by scripts/make-eval-reference.py over fixtures with crowd
 * boxes, tied scores, classes without ground truth or detections, boxes exactly on the area
 * borders, more than 100 detections on an image, a ground truth with id 0, string image ids,
 * integer boxes and `ignore` flags; and (odd, oddstrings) what pycocotools scores although COCO
 * would not write it: `difficult` 2, 0.5, "1" or null, image ids 1.5 and "", category and
 * annotation ids that are not integers, boxes with a negative width or height, iscrowd 0.5 or "0".
 */
const fixtures = path.join(repoRoot, 'test', 'fixtures', 'eval');
const TOLERANCE = 1e-4;

type Json = number | { [key: string]: Json };

function expectClose(actual: Json, expected: Json, where = ''): void {
  if (typeof expected === 'number') {
    expect(typeof actual, where).toBe('number');
    expect(
      Math.abs((actual as number) - expected),
      `${where}: ${String(actual)} vs ${expected}`,
    ).toBeLessThanOrEqual(TOLERANCE);
    return;
  }
  expect(Object.keys(actual as object).sort(), where).toEqual(Object.keys(expected).sort());
  for (const key of Object.keys(expected))
    expectClose((actual as Record<string, Json>)[key]!, expected[key]!, `${where}.${key}`);
}

async function readJson(file: string): Promise<Json> {
  return JSON.parse(await readFile(file, 'utf8')) as Json;
}

/** Writes a ground truth and a detections document as gt.json / dt.json and runs `eval` on them. */
async function evalDocuments(gt: unknown, dt: unknown, ...args: string[]) {
  const dir = await mkdtemp(path.join(tmpdir(), 'shotbox-eval-'));
  await writeFile(path.join(dir, 'gt.json'), JSON.stringify(gt));
  await writeFile(path.join(dir, 'dt.json'), JSON.stringify(dt));
  return runShotbox([
    'eval',
    '--gt',
    path.join(dir, 'gt.json'),
    '--dt',
    path.join(dir, 'dt.json'),
    ...args,
  ]);
}

/** `eval --json` of a committed fixture's two files. */
function evalFixture(name: string): ReturnType<typeof runShotbox> {
  return runShotbox([
    'eval',
    '--gt',
    path.join(fixtures, `${name}.gt.json`),
    '--dt',
    path.join(fixtures, `${name}.dt.json`),
    '--json',
  ]);
}

describe('shotbox eval --gt --dt: equal to pycocotools and the VOC reference', () => {
  for (const name of ['edge', 'random', 'dense', 'strings', 'odd', 'oddstrings']) {
    it(`${name} fixture`, async () => {
      const run = await evalFixture(name);
      expect(run.code, run.stderr).toBe(0);
      expectClose(
        JSON.parse(run.stdout) as Json,
        await readJson(path.join(fixtures, `${name}.reference.json`)),
      );
    });
  }

  it('the odd fixtures are scored whole, each doubtful entry named once per kind', async () => {
    const odd = await evalFixture('odd');
    expect(odd.code, odd.stderr).toBe(0);
    expect(odd.stderr).not.toMatch(/skipped/);
    for (const line of [
      /odd\.gt\.json: images\[1\]: image id 1\.5 is not an integer; used as it is/,
      /categories\[2\]: category id 2\.5 is not an integer/,
      /annotations\[7\]: annotation id 7\.25 is not an integer/,
      /annotations\[0\]: difficult 2 is not 0, 1 or a boolean; read as difficult/,
      /annotations\[3\]: difficult 0\.5 is not 0, 1 or a boolean; read as difficult/,
      /annotations\[5\]: difficult "1" is a string; read as the number it holds: difficult/,
      /annotations\[6\]: difficult null is not a number or a boolean; read as not difficult/,
      /annotations\[1\]: bbox \[100, 100, -30, 40\] has a negative width; .*IoU 0 .*a miss wherever its area 1200 is in range/,
      /annotations\[2\]: bbox \[200, 200, -20, -20\] has a negative width and height/,
      /annotations\[9\]: iscrowd 0\.5 .*ignored \(never a miss\) but matched as a regular box/,
      /annotations\[11\]: iscrowd 1\.5 .*a crowd region/,
      /annotations\[12\]: iscrowd "0" .*ignored \(never a miss\) but matched as a regular box/,
      /odd\.dt\.json: detection 1: bbox \[100, 100, -30, 40\] has a negative width; .*its area -1200 is outside every range \(ignored\)/,
      /detection 2: bbox \[200, 200, -20, -20\] .*a false positive wherever its area 400 is in range/,
      /detection 20: bbox \[10, 10, -50, 50\] has a negative width; .*takes one of the 100 places/,
    ])
      expect(odd.stderr).toMatch(line);
    const strings = await evalFixture('oddstrings');
    expect(strings.code, strings.stderr).toBe(0);
    expect(strings.stderr).not.toMatch(/skipped/);
    expect(strings.stderr).toMatch(/images\[0\]: the image id is an empty string/);
    expect(strings.stderr).toMatch(/annotations\[4\]: difficult "yes" is not a number/);
    expect(strings.stderr).toMatch(
      /annotations\[1\]: bbox \[100, 10, 40, -40\] has a negative height/,
    );
  });

  it('the edge fixture exercises what it claims (crowd, empty classes, area borders)', async () => {
    const ref = (await readJson(path.join(fixtures, 'edge.reference.json'))) as {
      perClass: Record<string, { cocoAP: number; npos: number; ndet: number }>;
    };
    expect(ref.perClass.bird).toMatchObject({ cocoAP: -1, npos: 0 });
    expect(ref.perClass.fish).toMatchObject({ cocoAP: 0, ndet: 0 });
    expect(ref.perClass.unused).toMatchObject({ cocoAP: -1, npos: 0, ndet: 0 });
    const gt = (await readJson(path.join(fixtures, 'edge.gt.json'))) as unknown as {
      annotations: { area: number; iscrowd: number }[];
    };
    expect(gt.annotations.some((a) => a.iscrowd === 1)).toBe(true);
    expect(gt.annotations.some((a) => a.area === 32 * 32)).toBe(true);
    expect(gt.annotations.some((a) => a.area === 96 * 96)).toBe(true);
  });

  it('reads `shotbox detect --out` documents: own image ids and class ids, matched by file and class name', async () => {
    const gt = (await readJson(path.join(fixtures, 'edge.gt.json'))) as unknown as {
      images: { id: number; file_name: string }[];
      categories: { id: number; name: string }[];
    };
    const dets = (await readJson(path.join(fixtures, 'edge.dt.json'))) as unknown as {
      image_id: number;
      category_id: number;
      bbox: number[];
      score: number;
    }[];
    // Renumber as `detect` would: images 1..n in another order, classes from 1 in another order.
    const images = [...gt.images].reverse().map((im, i) => ({
      id: i + 1,
      file_name: `photos/${im.file_name}`,
      width: 640,
      height: 480,
      was: im.id,
    }));
    const categories = [...gt.categories]
      .reverse()
      .map((c, i) => ({ id: i + 1, name: c.name, was: c.id }));
    const doc = {
      info: { description: 'Shotbox detections' },
      images: images.map(({ was: _was, ...im }) => im),
      categories: categories.map(({ was: _was, ...c }) => c),
      annotations: dets.map((d, i) => ({
        id: i + 1,
        image_id: images.find((im) => im.was === d.image_id)!.id,
        category_id: categories.find((c) => c.was === d.category_id)!.id,
        bbox: d.bbox,
        area: d.bbox[2]! * d.bbox[3]!,
        score: d.score,
        iscrowd: 0,
      })),
    };
    const dir = await mkdtemp(path.join(tmpdir(), 'shotbox-eval-'));
    const file = path.join(dir, 'detect-out.json');
    await writeFile(file, JSON.stringify(doc));
    const run = await runShotbox([
      'eval',
      '--gt',
      path.join(fixtures, 'edge.gt.json'),
      '--dt',
      file,
      '--json',
    ]);
    expect(run.code, run.stderr).toBe(0);
    expectClose(
      JSON.parse(run.stdout) as Json,
      await readJson(path.join(fixtures, 'edge.reference.json')),
    );
  });
});

describe('shotbox eval: output and bad input', () => {
  it('prints a readable table and writes a self-contained HTML report with one PR chart per class', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'shotbox-eval-'));
    const report = path.join(dir, 'report.html');
    const run = await runShotbox([
      'eval',
      '--gt',
      path.join(fixtures, 'edge.gt.json'),
      '--dt',
      path.join(fixtures, 'edge.dt.json'),
      '--report',
      report,
    ]);
    expect(run.code, run.stderr).toBe(0);
    const ref = (await readJson(path.join(fixtures, 'edge.reference.json'))) as {
      coco: { AP50: number };
      voc: { mAPAll: number };
    };
    expect(run.stdout).toMatch(new RegExp(`AP @\\.50\\s+${ref.coco.AP50.toFixed(3)}`));
    expect(run.stdout).toMatch(
      new RegExp(`mAP \\(2010\\+, all points\\)\\s+${ref.voc.mAPAll.toFixed(3)}`),
    );
    expect(run.stdout).toMatch(/^fish\s+0\.000/m);
    const html = await readFile(report, 'utf8');
    expect(html.match(/<svg /g)?.length).toBe(5);
    expect(html).toContain('<polyline');
    // The worst false positive is named by its file: 0.99 on an image without ground truth.
    expect(html).toMatch(
      /False positives[\s\S]*<td>img10\.jpg<\/td><td>cat<\/td><td>0\.990<\/td><td>background<\/td>/i,
    );
    // Nothing loads from outside the file: no script, no external URL but the SVG namespace.
    expect(html).not.toMatch(/<script|<link|src=/i);
    expect(html.replaceAll('http://www.w3.org/2000/svg', '')).not.toMatch(/https?:/);
  });

  it('reports bad entries by position, scores the rest, and exits 3', async () => {
    const gt = {
      images: [{ id: 1 }, { id: 2 }],
      categories: [{ id: 1, name: 'a' }],
      annotations: [
        { id: 1, image_id: 1, category_id: 1, bbox: [0, 0, 10, 10] },
        { id: 2, image_id: 1, category_id: 1, bbox: [0, 0, '5', 10] },
        { id: 3, image_id: 9, category_id: 1, bbox: [0, 0, 10, 10] },
      ],
    };
    const dt = [
      { image_id: 1, category_id: 1, bbox: [0, 0, 10, 10], score: 0.9 },
      { image_id: 1, category_id: 1, bbox: [0, 0, 10], score: 0.8 },
      { image_id: 5, category_id: 1, bbox: [0, 0, 10, 10], score: 0.8 },
    ];
    const run = await evalDocuments(gt, dt, '--json');
    // Scored without them, and exit code 3 ("finished, some inputs failed"), as for images.
    expect(run.code, run.stderr).toBe(3);
    expect(run.stderr).toMatch(
      /^eval: 4 entries of the input could not be read and were left out \(named above\)$/m,
    );
    expect(run.stderr).toMatch(/annotations\[1\] skipped: bbox/);
    expect(run.stderr).toMatch(/annotations\[2\] skipped: image 9 is not in "images"/);
    expect(run.stderr).toMatch(/detection 1 skipped/);
    expect(run.stderr).toMatch(/detection 2 skipped: image 5 is not in the ground truth/);
    const out = JSON.parse(run.stdout) as {
      coco: { AP: number };
      perClass: { a: { npos: number; ndet: number } };
    };
    expect(out.coco.AP).toBeCloseTo(1, 6);
    expect(out.perClass.a).toMatchObject({ npos: 1, ndet: 1 });
  });

  it('a missing or non-JSON file ends with one clear line and exit code 1; no options is a usage error', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'shotbox-eval-'));
    await writeFile(path.join(dir, 'bad.json'), '{ not json');
    const missing = await runShotbox([
      'eval',
      '--gt',
      path.join(dir, 'nope.json'),
      '--dt',
      path.join(dir, 'bad.json'),
    ]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('nope.json does not exist');
    const bad = await runShotbox([
      'eval',
      '--gt',
      path.join(fixtures, 'edge.gt.json'),
      '--dt',
      path.join(dir, 'bad.json'),
    ]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/bad\.json is not valid JSON/);
    const usage = await runShotbox(['eval']);
    expect(usage.code).toBe(2);
  });

  it('scores as pycocotools does a category without a name or with a number for one, and iscrowd 2', async () => {
    // pycocotools needs only a category's id, and takes any non-zero iscrowd for a crowd. The
    // expected numbers are pycocotools 2.0.11's stats for these two files.
    const dir = await mkdtemp(path.join(tmpdir(), 'shotbox-eval-'));
    const gt = path.join(dir, 'gt.json');
    const dt = path.join(dir, 'dt.json');
    const ann = (id: number, category_id: number, bbox: number[], iscrowd = 0): object => ({
      id,
      image_id: 1,
      category_id,
      bbox,
      area: bbox[2]! * bbox[3]!,
      iscrowd,
    });
    await writeFile(
      gt,
      JSON.stringify({
        images: [{ id: 1, width: 200, height: 200 }],
        annotations: [
          ann(1, 1, [10, 10, 30, 30]),
          ann(2, 1, [100, 100, 90, 90], 2),
          ann(3, 3, [60, 10, 30, 30]),
        ],
        categories: [{ id: 1 }, { id: 3, name: 42 }],
      }),
    );
    const det = (category_id: number, bbox: number[], score: number): object => ({
      image_id: 1,
      category_id,
      bbox,
      score,
    });
    await writeFile(
      dt,
      JSON.stringify([
        det(1, [120, 120, 30, 30], 0.95), // inside the crowd region: ignored, not a false positive
        det(1, [10, 10, 30, 30], 0.9),
        det(3, [62, 12, 30, 30], 0.7),
        det(3, [0, 150, 30, 30], 0.8),
      ]),
    );
    const run = await runShotbox(['eval', '--gt', gt, '--dt', dt, '--json']);
    expect(run.code, run.stderr).toBe(0);
    const out = JSON.parse(run.stdout) as {
      coco: Record<string, number>;
      perClass: Record<string, unknown>;
    };
    const pycocotools = [0.65, 0.75, 0.75, 0.65, -1, -1, 0, 0.8, 0.8, 0.8, -1, -1];
    Object.values(out.coco).forEach((v, i) => expect(v).toBeCloseTo(pycocotools[i]!, 4));
    expect(Object.keys(out.perClass).sort()).toEqual(['1', '42']);
    expect(run.stderr).toMatch(/categories\[0\] has no name; reported as "1"/);
  });

  it('scores boxes with a negative width or height as pycocotools does and sums up the warnings per kind', async () => {
    // Seven ground-truth boxes of width -10 (area 100: in range, so misses) under seven equal
    // detections (area -100: outside every range, so ignored) and one true pair. The expected
    // numbers are pycocotools 2.0.11's stats for these two files.
    const box = (k: number): number[] => [20 * k + 10, 0, -10, 10];
    const seven = [0, 1, 2, 3, 4, 5, 6];
    const run = await evalDocuments(
      {
        images: [{ id: 1 }, { id: 2 }],
        categories: [{ id: 1, name: 'a' }],
        annotations: [
          { id: 1, image_id: 1, category_id: 1, bbox: [0, 0, 10, 10], area: 100, iscrowd: 0 },
          ...seven.map((k) => ({
            id: k + 2,
            image_id: 2,
            category_id: 1,
            bbox: box(k),
            area: 100,
            iscrowd: 0,
          })),
        ],
      },
      [
        { image_id: 1, category_id: 1, bbox: [0, 0, 10, 10], score: 0.5 },
        ...seven.map((k) => ({ image_id: 2, category_id: 1, bbox: box(k), score: 0.9 })),
      ],
      '--json',
    );
    expect(run.code, run.stderr).toBe(0);
    const out = JSON.parse(run.stdout) as {
      coco: Record<string, number>;
      perClass: { a: { npos: number; ndet: number } };
    };
    const pycocotools = [
      0.128713, 0.128713, 0.128713, 0.128713, -1, -1, 0.125, 0.125, 0.125, 0.125, -1, -1,
    ];
    Object.values(out.coco).forEach((v, i) => expect(v).toBeCloseTo(pycocotools[i]!, 5));
    expect(out.perClass.a).toMatchObject({ npos: 8, ndet: 8 });
    const lines = run.stderr.trim().split('\n');
    expect(lines.filter((l) => /annotations\[\d\]: bbox .* negative width/.test(l))).toHaveLength(
      5,
    );
    expect(lines.filter((l) => /detection \d: bbox .* negative width/.test(l))).toHaveLength(5);
    expect(lines).toContain(
      'warning: … and 2 more: ground-truth boxes with a negative width or height',
    );
    expect(lines).toContain('warning: … and 2 more: detections with a negative width or height');
  });

  it('refuses a ground truth whose image ids mix numbers and strings (pycocotools fails on it)', async () => {
    const gt = {
      images: [{ id: 1 }, { id: '2' }],
      categories: [{ id: 1, name: 'a' }],
      annotations: [{ id: 1, image_id: 1, category_id: 1, bbox: [0, 0, 10, 10], area: 100 }],
    };
    const run = await evalDocuments(gt, []);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/gt\.json: image ids mix numbers and strings/);
  });

  it('a ground-truth file that is not UTF-8 is refused naming its line, not scored with a changed class name', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'shotbox-eval-'));
    const gt = path.join(dir, 'latin1.json');
    const doc = {
      images: [{ id: 1, width: 10, height: 10 }],
      annotations: [
        { id: 1, image_id: 1, category_id: 1, bbox: [1, 1, 5, 5], area: 25, iscrowd: 0 },
      ],
      categories: [{ id: 1, name: 'procyon lotor, mâle' }],
    };
    await writeFile(gt, Buffer.from(JSON.stringify(doc, null, 1), 'latin1'));
    const run = await runShotbox(['eval', '--gt', gt, '--dt', path.join(fixtures, 'edge.dt.json')]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/latin1\.json line \d+ is not valid UTF-8/);
  });
});
