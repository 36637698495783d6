import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_MODEL,
  listModels,
  modelsDir,
  resolveRegisteredModel,
} from '../../../src/core/models/registry';
import { registerUserModel, removeUserModel } from '../../../src/core/models/userModels';
import { runShotbox } from '../../helpers/cli';

/** A copy of the embedded model under another name, in a scratch folder, as a user would have. */
function renamedCopy(name: string): string {
  const src = mkdtempSync(path.join(os.tmpdir(), 'shotbox-byo-'));
  const manifest = JSON.parse(
    readFileSync(path.join(modelsDir(), `${DEFAULT_MODEL}.json`), 'utf8'),
  ) as Record<string, unknown>;
  copyFileSync(path.join(modelsDir(), `${DEFAULT_MODEL}.onnx`), path.join(src, 'weights.onnx'));
  const file = path.join(src, `${name}.json`);
  writeFileSync(file, JSON.stringify({ ...manifest, name, file: 'weights.onnx' }));
  return file;
}

describe('the per-user models folder', () => {
  let userDir: string;
  const saved = process.env.SHOTBOX_USER_MODELS_DIR;
  beforeEach(() => {
    userDir = mkdtempSync(path.join(os.tmpdir(), 'shotbox-user-models-'));
    process.env.SHOTBOX_USER_MODELS_DIR = userDir;
  });
  afterEach(() => {
    process.env.SHOTBOX_USER_MODELS_DIR = saved;
  });

  it('registers a copy that is listed beside the bundled model and survives its source', async () => {
    const manifestPath = renamedCopy('my-faces');
    const entry = await registerUserModel(manifestPath);
    expect(entry.source).toBe('user');
    expect(path.dirname(entry.onnxPath)).toBe(userDir);
    const { models, errors } = listModels();
    expect(errors).toEqual([]);
    expect(models.map((m) => [m.manifest.name, m.source])).toEqual([
      ['my-faces', 'user'],
      [DEFAULT_MODEL, 'bundled'],
    ]);
    // The copy is independent of where it came from.
    writeFileSync(manifestPath, 'not json');
    expect(resolveRegisteredModel('my-faces').ready).toBe(true);

    const cli = await runShotbox(['models', '--json']);
    expect(cli.code).toBe(0);
    const listed = JSON.parse(cli.stdout) as { models: { name: string; source: string }[] };
    expect(listed.models.find((m) => m.name === 'my-faces')?.source).toBe('user');
  });

  it('refuses a bundled name or a taken name, and replaces only when asked', async () => {
    await expect(registerUserModel(renamedCopy(DEFAULT_MODEL))).rejects.toThrow(/bundled/);
    await registerUserModel(renamedCopy('cars'));
    await expect(registerUserModel(renamedCopy('cars'))).rejects.toThrow(/already registered/);
    await expect(registerUserModel(renamedCopy('cars'), { replace: true })).resolves.toMatchObject({
      source: 'user',
    });
  });

  it('removes a user model but never a bundled one', async () => {
    const entry = await registerUserModel(renamedCopy('cells'));
    await removeUserModel('cells');
    expect(existsSync(entry.onnxPath)).toBe(false);
    expect(listModels().models.map((m) => m.manifest.name)).toEqual([DEFAULT_MODEL]);
    await expect(removeUserModel(DEFAULT_MODEL)).rejects.toThrow(/bundled/);
    await expect(removeUserModel('cells')).rejects.toThrow(/no model named/);
  });

  it('reports a broken or name-stealing manifest in the folder without hiding the rest', async () => {
    await registerUserModel(renamedCopy('parts'));
    writeFileSync(path.join(userDir, 'broken.json'), '{"name": ');
    const stolen = JSON.parse(readFileSync(path.join(userDir, 'parts.json'), 'utf8')) as object;
    writeFileSync(
      path.join(userDir, 'thief.json'),
      JSON.stringify({ ...stolen, name: DEFAULT_MODEL }),
    );
    const { models, errors } = listModels();
    expect(models.map((m) => [m.manifest.name, m.source])).toEqual([
      ['parts', 'user'],
      [DEFAULT_MODEL, 'bundled'],
    ]);
    expect(errors).toHaveLength(2);
    expect(errors.join('\n')).toMatch(/broken\.json: cannot read manifest/);
    expect(errors.join('\n')).toMatch(
      /thief\.json: name 'ssd-mobilenetv1-face' is already registered/,
    );
  });
});
