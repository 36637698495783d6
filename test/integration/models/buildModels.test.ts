// scripts/build-models.ts as npm runs it: writes, skips when up to date, rebuilds on --force.
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convertFaceApiSsd } from '../../../src/core/models/faceApiSsd/convertFaceApiSsd';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const MODEL = 'ssd-mobilenetv1-face.onnx';
let dir: string;

function buildModels(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'scripts/build-models.ts', ...args],
    {
      cwd: ROOT,
      encoding: 'utf8',
    },
  );
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'shotbox-models-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('scripts/build-models.ts', () => {
  it('writes the model, then skips it until --force', async () => {
    const first = buildModels('--out-dir', dir);
    expect(first.stderr).not.toMatch(/cannot build/);
    expect(first.status).toBe(0);
    expect(first.stdout).toMatch(new RegExp(`${MODEL}: \\d+\\.\\d MiB in \\d+\\.\\d\\d s`));
    const written = await readFile(path.join(dir, MODEL));
    const expected = await convertFaceApiSsd({ convertedBy: 'shotbox scripts/build-models.ts' });
    expect(written.equals(Buffer.from(expected))).toBe(true);
    expect(await readdir(dir)).toEqual([MODEL]); // no temp file left behind

    const mtime = (await stat(path.join(dir, MODEL))).mtimeMs;
    const second = buildModels('--out-dir', dir);
    expect(second.status).toBe(0);
    expect(second.stdout).toMatch(/up to date .* skipped/);
    expect((await stat(path.join(dir, MODEL))).mtimeMs).toBe(mtime);

    const forced = buildModels('--out-dir', dir, '--force');
    expect(forced.status).toBe(0);
    expect(forced.stdout).toMatch(/MiB in/);
  }, 60_000);

  it('fails with a message and a non-zero exit code', async () => {
    const blocker = path.join(dir, 'not-a-folder');
    await writeFile(blocker, '');
    const result = buildModels('--out-dir', blocker);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`build-models: cannot build .*${MODEL}: `));
    expect(buildModels('--bogus').status).toBe(1);
  }, 30_000);
});
