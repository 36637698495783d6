import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Detector } from '../../../src/core/detector/detector';
import { resolveModel } from '../../../src/core/models/registry';
import { makeMixedFolder, type MixedFolder } from '../../helpers/badImages';
import { fromCoco, iou } from '../../helpers/boxes';
import { runShotbox, type CliRun } from '../../helpers/cli';
import { generatedDir } from '../../helpers/paths';

interface Coco {
  images: { id: number; file_name: string; width: number; height: number }[];
  annotations: { image_id: number; category_id: number; bbox: number[]; score: number }[];
  categories: { id: number; name: string }[];
}

describe('shotbox detect on a folder with good, broken and unusual files', () => {
  let folder: MixedFolder;
  let run: CliRun;
  let coco: Coco;
  const out = path.join(generatedDir, 'mixed-detections.json');

  beforeAll(async () => {
    folder = await makeMixedFolder(path.join(generatedDir, 'mixed folder'));
    run = await runShotbox(['detect', folder.dir, '--out', out]);
    coco = JSON.parse(await readFile(out, 'utf8')) as Coco;
  });

  const boxesOf = (file: string): { box: number[]; score: number }[] => {
    const rel = path.relative(folder.dir, file).split(path.sep).join('/');
    const image = coco.images.find((i) => i.file_name === rel);
    expect(image, `${rel} in the COCO output`).toBeDefined();
    return coco.annotations
      .filter((a) => a.image_id === image!.id)
      .map((a) => ({ box: fromCoco(a.bbox), score: a.score }));
  };

  it('exits with 3 (some inputs failed) and ends with a summary line', () => {
    expect(run.code).toBe(3);
    expect(run.stderr.trim().split('\n').at(-1)).toMatch(
      /^detect: 8 images, \d+ detections, [\d.]+ images\/s, 3 failed/,
    );
  });

  it('reports each bad file by name with its reason', () => {
    for (const bad of folder.bad) {
      const line = run.stderr
        .split('\n')
        .find((l) => l.includes(bad.file) && !l.startsWith('failed'));
      expect(line, `report for ${path.basename(bad.file)}`).toBeDefined();
      expect(line).toMatch(bad.reason);
    }
  });

  it('detects faces in every valid image, CMYK, 16-bit+alpha and the non-ASCII path included', () => {
    expect(coco.images).toHaveLength(folder.valid.length);
    for (const file of folder.valid)
      expect(boxesOf(file).length, path.basename(file)).toBeGreaterThan(0);
    expect(coco.categories).toEqual([{ id: 1, name: 'face' }]);
  });

  it('the EXIF-rotated photo is read upright: same size and boxes as the original', async () => {
    const rotated = coco.images.find((i) => i.file_name === path.basename(folder.rotated.file))!;
    expect([rotated.width, rotated.height]).toEqual([1920, 1280]); // stored as 1280×1920, orientation 6
    const detector = await Detector.load(resolveModel(), { providers: ['cpu'] });
    const upright = await detector.detectFile(folder.rotated.source);
    await detector.dispose();
    const got = boxesOf(folder.rotated.file);
    expect(got).toHaveLength(upright.detections.length);
    for (const want of upright.detections) {
      expect(Math.max(...got.map((g) => iou(g.box, want.box)))).toBeGreaterThan(0.9);
    }
  });
});

describe('shotbox detect failures', () => {
  it('a wrong model file: clear message, exit 1', async () => {
    const { writeFile, mkdir } = await import('node:fs/promises');
    const dir = path.join(generatedDir, 'bad-model');
    await mkdir(dir, { recursive: true });
    const manifest = JSON.parse(
      await readFile(
        path.join(path.dirname(resolveModel().manifestPath), 'ssd-mobilenetv1-face.json'),
        'utf8',
      ),
    ) as Record<string, unknown>;
    await writeFile(
      path.join(dir, 'broken.json'),
      JSON.stringify({ ...manifest, name: 'broken', file: 'broken.onnx' }),
    );
    await writeFile(path.join(dir, 'broken.onnx'), 'definitely not protobuf');
    const run = await runShotbox([
      'detect',
      path.join(generatedDir, 'mixed folder', 'sample1.jpg'),
      '--model',
      path.join(dir, 'broken.json'),
    ]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/cannot load model .*broken\.onnx.*not a valid ONNX model/);
  });

  it('an unknown model name lists the registered ones, exit 1', async () => {
    const run = await runShotbox(['detect', '.', '--model', 'nope']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/unknown model 'nope' \(registered: ssd-mobilenetv1-face\)/);
  });

  it('a folder without images: exit 1 with a message', async () => {
    const run = await runShotbox(['detect', path.join(generatedDir, 'bad-model')]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/no images found/);
  });

  it('a bad --threshold is a usage error (exit 2)', async () => {
    const run = await runShotbox(['detect', '.', '--threshold', '1.5']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--threshold must be a number between 0 and 1/);
  });
});

describe('shotbox detect interrupted', () => {
  it('Ctrl+C stops after the image in flight, writes the results so far, exits 130', async () => {
    const { cp, mkdir, rm } = await import('node:fs/promises');
    const { spawn } = await import('node:child_process');
    const { shotboxBin, demoPhotos } = await import('../../helpers/paths');
    const dir = path.join(generatedDir, 'many');
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    for (let i = 0; i < 60; i++)
      await cp(demoPhotos[i % 6]!, path.join(dir, `photo-${String(i).padStart(2, '0')}.jpg`));
    const out = path.join(generatedDir, 'many.json');
    await rm(out, { force: true });

    const child = spawn(process.execPath, [shotboxBin, 'detect', dir, '--out', out]);
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      // Interrupt once the model runs (the first line says which provider it is on).
      if (/on CPU; 60 images/.test(stderr) && !child.killed)
        setTimeout(() => child.kill('SIGINT'), 1500);
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(130);
    expect(stderr).toMatch(/interrupted after \d+ of 60 images/);
    const coco = JSON.parse(await readFile(out, 'utf8')) as Coco;
    expect(coco.images.length).toBeGreaterThan(0);
    expect(coco.images.length).toBeLessThan(60);
    expect(coco.annotations.length).toBeGreaterThan(0);
  });
});
