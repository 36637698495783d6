import { existsSync } from 'node:fs';
import { cp, mkdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runShotbox } from '../../helpers/cli';
import { generatedDir, raccoonDir } from '../../helpers/paths';

const work = path.join(generatedDir, 'cli-train');
const names = ['raccoon-1', 'raccoon-12', 'raccoon-130', 'raccoon-55'];

describe('shotbox train (the built CLI)', () => {
  const project = path.join(work, 'p.shotbox');
  beforeAll(async () => {
    await rm(work, { recursive: true, force: true });
    await mkdir(path.join(work, 'images'), { recursive: true });
    await mkdir(path.join(work, 'labels'), { recursive: true });
    for (const n of names) {
      await cp(path.join(raccoonDir, 'images', `${n}.jpg`), path.join(work, 'images', `${n}.jpg`));
      await cp(
        path.join(raccoonDir, 'annotations', `${n}.xml`),
        path.join(work, 'labels', `${n}.xml`),
      );
    }
    const imported = await runShotbox([
      'import',
      path.join(work, 'images'),
      '--project',
      project,
      '--annotations',
      path.join(work, 'labels'),
    ]);
    expect(imported.code, imported.stderr).toBe(0);
  }, 60_000);

  it('refuses --mode full, saying what it would need', async () => {
    const run = await runShotbox([
      'train',
      '--project',
      project,
      '--out',
      path.join(work, 'm', 'full.json'),
      '--mode',
      'full',
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /--mode full trains every convolution and needs a native tfjs backend: install @tensorflow\/tfjs-node-gpu .*or @tensorflow\/tfjs-node/,
    );
    expect(existsSync(path.join(work, 'm', 'full.json'))).toBe(false);
  });

  it('with the test-only cpu override, the worker still refuses full mode on wasm', async () => {
    const run = await runShotbox(
      [
        'train',
        '--project',
        project,
        '--out',
        path.join(work, 'm', 'full.json'),
        '--mode',
        'full',
        '--backend',
        'wasm',
        '--quiet',
      ],
      { env: { SHOTBOX_FULL_MODE_ON_CPU: '1' } },
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/this run got tfjs wasm \(tfjs wasm has no Conv2DBackpropFilter/);
    expect(existsSync(path.join(work, 'm', 'full.json'))).toBe(false);
  });

  it('runs its worker from the bundle, from any folder, and writes the model', async () => {
    const out = path.join(work, 'm', 'raccoon.json');
    // Run from outside the checkout, as a user would: the worker's loader must not be looked up
    // from the current folder.
    const run = await runShotbox(
      ['train', '--project', project, '--out', out, '--epochs', '1', '--quiet'],
      { cwd: os.tmpdir() },
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/done: 1 epochs/);
    expect(existsSync(out)).toBe(true);
    expect(existsSync(path.join(work, 'm', 'raccoon.onnx'))).toBe(true);
  }, 180_000);
});

describe('shotbox train with its images gone', () => {
  it('fails saying no training image could be read, and writes no model', async () => {
    const dir = path.join(generatedDir, 'cli-train-moved');
    await rm(dir, { recursive: true, force: true });
    await mkdir(path.join(dir, 'images'), { recursive: true });
    await mkdir(path.join(dir, 'labels'), { recursive: true });
    for (const n of names) {
      await cp(path.join(raccoonDir, 'images', `${n}.jpg`), path.join(dir, 'images', `${n}.jpg`));
      await cp(
        path.join(raccoonDir, 'annotations', `${n}.xml`),
        path.join(dir, 'labels', `${n}.xml`),
      );
    }
    const project = path.join(dir, 'p.shotbox');
    const imported = await runShotbox([
      'import',
      path.join(dir, 'images'),
      '--project',
      project,
      '--annotations',
      path.join(dir, 'labels'),
      '--quiet',
    ]);
    expect(imported.code, imported.stderr).toBe(0);
    await rm(path.join(dir, 'images'), { recursive: true });
    const out = path.join(dir, 'm', 'raccoon.json');
    const run = await runShotbox(['train', '--project', project, '--out', out, '--quiet']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/none of the training images could be read/);
    expect(existsSync(out)).toBe(false);
  }, 60_000);
});
