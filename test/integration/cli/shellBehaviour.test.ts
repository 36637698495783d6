import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runShotbox } from '../../helpers/cli';
import { demoPhotos, generatedDir, raccoonDir, repoRoot, shotboxBin } from '../../helpers/paths';

// The command line as a user meets it: each case runs the real `shotbox` as a process.
const dir = path.join(generatedDir, 'cli-shell');
const images = path.join(raccoonDir, 'images');
const vocDir = path.join(raccoonDir, 'annotations');

beforeAll(async () => {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
});

describe('shotbox start', () => {
  it('runs the bundle built at install, not the TypeScript sources', async () => {
    const run = await runShotbox(['--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/Usage: shotbox/);
    // A second start finds the bundle current: no rebuild line, no tsx.
    const again = await runShotbox(['--version']);
    expect(again.stderr).toBe('');
    expect(existsSync(path.join(repoRoot, 'out', 'cli', 'shotbox.mjs'))).toBe(true);
  });
});

describe('shotbox import: formats and exit codes', () => {
  it('exits 1 for a folder without images and leaves no project behind', async () => {
    const empty = path.join(dir, 'empty');
    await mkdir(empty, { recursive: true });
    const project = path.join(dir, 'empty.shotbox');
    const run = await runShotbox(['import', empty, '--project', project]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/no images found in .*empty; no project was created/);
    expect(existsSync(project)).toBe(false);
  });

  it('guesses VOC from a folder of XML files when --format is left out', async () => {
    const run = await runShotbox([
      'import',
      images,
      '--project',
      path.join(dir, 'voc.shotbox'),
      '--annotations',
      vocDir,
      '--quiet',
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/173 boxes on 160 images/);
  });

  it('says plainly that VOC given as COCO (and COCO as VOC) is the wrong format', async () => {
    const asCoco = await runShotbox([
      'import',
      images,
      '--project',
      path.join(dir, 'wrong.shotbox'),
      '--annotations',
      vocDir,
      '--format',
      'coco',
    ]);
    expect(asCoco.code).toBe(2);
    expect(asCoco.stderr.trim()).toBe(
      `shotbox: ${vocDir} holds Pascal VOC XML, not COCO JSON: use --format voc (or leave --format out)`,
    );
    expect(existsSync(path.join(dir, 'wrong.shotbox'))).toBe(false);

    const coco = path.join(dir, 'labels.json');
    const exported = await runShotbox([
      'export',
      '--project',
      path.join(dir, 'voc.shotbox'),
      '--format',
      'coco',
      '--out',
      coco,
    ]);
    expect(exported.code, exported.stderr).toBe(0);
    const asVoc = await runShotbox([
      'import',
      images,
      '--project',
      path.join(dir, 'wrong.shotbox'),
      '--annotations',
      coco,
      '--format',
      'voc',
    ]);
    expect(asVoc.code).toBe(2);
    expect(asVoc.stderr).toMatch(
      /labels\.json holds COCO JSON, not Pascal VOC XML: use --format coco/,
    );
  });
});

describe('shotbox export files', () => {
  it('writes COCO and VOC pixels with at most 4 decimals', async () => {
    // Stored boxes with long fractions: detection results (model coordinates) on face photos.
    // The photos alone (face-api's demo folder also holds pages and scripts, reported as failed).
    const photos = path.join(dir, 'face-photos');
    await mkdir(photos, { recursive: true });
    for (const p of demoPhotos) await copyFile(p, path.join(photos, path.basename(p)));
    const project = path.join(dir, 'faces.shotbox');
    const detect = await runShotbox(['detect', photos, '--project', project, '--quiet']);
    expect(detect.code, detect.stderr).toBe(0);
    const coco = path.join(dir, 'faces.json');
    const voc = path.join(dir, 'faces-voc');
    const exported = await runShotbox([
      'export',
      '--project',
      project,
      '--format',
      'coco',
      '--out',
      coco,
      '--only',
      'all',
      // Nobody reviewed these photos: settled-only exports would leave them all out.
      '--include-unreviewed',
    ]);
    expect(exported.code, exported.stderr).toBe(0);
    // VOC holds labels only (no score field): the same boxes, imported back as labels.
    const relabel = await runShotbox([
      'import',
      photos,
      '--project',
      project,
      '--annotations',
      coco,
      '--as-labels',
      '--quiet',
    ]);
    expect(relabel.code, relabel.stderr).toBe(0);
    const vocRun = await runShotbox([
      'export',
      '--project',
      project,
      '--format',
      'voc',
      '--out',
      voc,
    ]);
    expect(vocRun.code, vocRun.stderr).toBe(0);
    const doc = JSON.parse(await readFile(coco, 'utf8')) as { annotations: { bbox: number[] }[] };
    expect(doc.annotations.length).toBeGreaterThan(10);
    const numbers = doc.annotations.flatMap((a) => a.bbox);
    expect(
      numbers.some((v) => !Number.isInteger(v)),
      'fractional boxes exported',
    ).toBe(true);
    for (const v of numbers) expect(String(v)).toMatch(/^\d+(\.\d{1,4})?$/);
    const xml = await readFile(path.join(voc, 'sample1.xml'), 'utf8');
    for (const m of xml.matchAll(/<(?:x|y)(?:min|max)>([^<]+)</g))
      expect(m[1]).toMatch(/^\d+(\.\d{1,4})?$/);
  });

  it('writes a YOLO data.yaml with path, train, val and names', async () => {
    const out = path.join(dir, 'yolo');
    const run = await runShotbox([
      'export',
      '--project',
      path.join(dir, 'voc.shotbox'),
      '--format',
      'yolo',
      '--out',
      out,
    ]);
    expect(run.code, run.stderr).toBe(0);
    const yaml = await readFile(path.join(out, 'data.yaml'), 'utf8');
    expect(yaml).toContain(`path: ${JSON.stringify(out)}`);
    expect(yaml).toMatch(/^train: images$/m);
    expect(yaml).toMatch(/^val: images$/m);
    expect(yaml).toMatch(/^names:\n {2}- "raccoon"$/m);
  });
});

describe('shotbox and pipes', () => {
  it('ends quietly with 0 when the reader closes the pipe (stats | head)', async () => {
    const child = spawn(
      process.execPath,
      [shotboxBin, 'stats', '--project', path.join(dir, 'voc.shotbox')],
      { cwd: repoRoot },
    );
    // The reader is gone before shotbox writes anything: every write hits a closed pipe.
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).not.toMatch(/EPIPE|Error/);
    expect(code).toBe(0);
  });
});

describe('shotbox detect --out and Ctrl+C', () => {
  const folder = path.join(dir, 'ctrl-c');
  const out = path.join(dir, 'interrupted.json');
  type Doc = { info: { incomplete?: unknown }; images: { id: number; file_name: string }[] };
  const read = async (): Promise<Doc> => JSON.parse(await readFile(out, 'utf8')) as Doc;

  beforeAll(async () => {
    await mkdir(folder, { recursive: true });
    const photos = (await readdir(images)).filter((f) => f.endsWith('.jpg')).slice(0, 24);
    for (const name of photos) await copyFile(path.join(images, name), path.join(folder, name));
  });

  it('exits 130 and writes the images done so far as valid COCO JSON', async () => {
    const child = spawn(process.execPath, [shotboxBin, 'detect', folder, '--out', out], {
      cwd: repoRoot,
    });
    let stderr = '';
    let interrupted = false;
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      // One Ctrl+C once the run has begun (a second one would end the process at once).
      if (!interrupted && /images$/m.test(stderr)) {
        interrupted = true;
        child.kill('SIGINT');
      }
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code, stderr).toBe(130);
    expect(stderr).toMatch(
      /interrupted after \d+ of 24 images; the results so far were written; run the same command again to continue/,
    );
    const doc = await read();
    expect(doc.images.length).toBeLessThan(24);
    expect(doc.info.incomplete).toBeDefined();
  });

  it('continues when the same command runs again, keeping what was done', async () => {
    const before = (await read()).images.map((i) => i.file_name);
    const run = await runShotbox(['detect', folder, '--out', out]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain(
      `continuing ${out}: ${before.length} images done before, ${24 - before.length} to go`,
    );
    const doc = await read();
    const names = doc.images.map((i) => i.file_name);
    expect(new Set(names).size).toBe(24); // every image once
    expect(names.slice(0, before.length)).toEqual(before);
    expect(doc.images.map((i) => i.id)).toEqual(names.map((_, i) => i + 1));
    expect(doc.info.incomplete).toBeUndefined(); // finished: nothing left to continue
  });

  it('starts over, saying so, when the settings differ from the interrupted run', async () => {
    const child = spawn(
      process.execPath,
      [shotboxBin, 'detect', folder, '--out', out, '--threshold', '0.9'],
      { cwd: repoRoot },
    );
    let stderr = '';
    let interrupted = false;
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (!interrupted && /images$/m.test(stderr)) {
        interrupted = true;
        child.kill('SIGINT');
      }
    });
    expect(await new Promise((resolve) => child.on('close', resolve))).toBe(130);
    const run = await runShotbox(['detect', folder, '--out', out, '--threshold', '0.3']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/interrupted with other settings .*: starting over/);
    expect((await read()).images).toHaveLength(24);
  });
});
