import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ORT_TELEMETRY_VARIABLE } from '../../../src/core/detector/ortTelemetry';
import { runShotbox } from '../../helpers/cli';
import { demoPhotos, repoRoot } from '../../helpers/paths';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'shotbox-ort-telemetry-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/**
 * The variables by which ONNX Runtime knows a CI machine, where it records nothing (read from its
 * library's strings): dropped, so that these processes run as on a person's machine.
 */
const CI_MARKERS = [
  'CI',
  'TF_BUILD',
  'GITHUB_ACTIONS',
  'GITLAB_CI',
  'CIRCLECI',
  'TRAVIS',
  'JENKINS_URL',
  'CODEBUILD_BUILD_ID',
  'BUILDKITE',
  'TEAMCITY_VERSION',
  'APPVEYOR',
  'BITBUCKET_BUILD_NUMBER',
];

/** A fresh home folder, and the environment of a process that lives in it. */
function home(name: string, telemetryVariable?: string): { dir: string; env: NodeJS.ProcessEnv } {
  const dir = path.join(scratch, name);
  mkdirSync(dir);
  // Undefined drops a variable (spawn leaves it out): the one the test run itself sets
  // (test/setup), unless given, and the CI markers.
  const env: NodeJS.ProcessEnv = {
    HOME: dir,
    XDG_CACHE_HOME: undefined,
    [ORT_TELEMETRY_VARIABLE]: telemetryVariable,
  };
  for (const marker of CI_MARKERS) env[marker] = undefined;
  return { dir, env };
}

/** Files ONNX Runtime's telemetry wrote anywhere under the folder (its event database). */
function telemetryFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) =>
    /(^|[\\/])onnxruntime\.db$/.test(f),
  );
}

const modelFile = path.join(repoRoot, 'resources', 'models', 'ssd-mobilenetv1-face.onnx');

describe("ONNX Runtime's telemetry", () => {
  it('is what this ONNX Runtime records when nobody turns it off (the premise)', async () => {
    const { dir, env } = home('bare');
    const script = `require('onnxruntime-node').InferenceSession.create(${JSON.stringify(modelFile)})`;
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(process.execPath, ['-e', script], {
        cwd: repoRoot,
        env: { ...process.env, ...env },
        stdio: 'ignore',
      });
      child.on('error', reject);
      child.on('close', resolve);
    });
    expect(code).toBe(0);
    // If this fails, the ONNX Runtime in use no longer writes telemetry: the tests below then
    // prove nothing and ortTelemetry.ts can be revisited.
    expect(telemetryFiles(dir)).toEqual([
      path.join('.cache', 'Microsoft', 'DeveloperTools', '.onnxruntime', 'onnxruntime.db'),
    ]);
  });

  it('is off in a detect --project run: nothing is written to the home folder', async () => {
    const { dir, env } = home('detect');
    const photos = path.join(scratch, 'photos');
    mkdirSync(photos);
    for (const p of demoPhotos.slice(0, 2)) copyFileSync(p, path.join(photos, path.basename(p)));
    const project = path.join(scratch, 'faces.shotbox');
    const run = await runShotbox(['detect', photos, '--project', project, '--quiet'], { env });
    expect(run.stderr).toContain('detect: 2 images');
    expect(run.code).toBe(0);
    expect(telemetryFiles(dir)).toEqual([]);
    expect(existsSync(path.join(dir, '.cache', 'Microsoft'))).toBe(false);
  });

  it('is left to the person who set ORT_DISABLE_TELEMETRY=0 themselves', async () => {
    const { dir, env } = home('opted-in', '0');
    const run = await runShotbox(['detect', demoPhotos[0]!, '--quiet'], { env });
    expect(run.code).toBe(0);
    expect(telemetryFiles(dir)).toHaveLength(1);
  });
});
