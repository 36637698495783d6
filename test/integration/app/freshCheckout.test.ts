import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { faceApiDemoDir, repoRoot } from '../../helpers/paths';

// A fresh clone right after `npm install`: the checkout's files, the installed node_modules, and
// the install script (what npm runs after installing). Nothing else may be needed for the CLI
// to start from its bundle and for `shotbox serve --project` to serve the UI.
// Outside the repository: a copy under test/ would hold a second test suite and source tree.
let clone = '';
const model = path.join('resources', 'models', 'ssd-mobilenetv1-face.onnx');

function run(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, args, {
    cwd: clone,
    encoding: 'utf8',
    env: { ...process.env, SHOTBOX_SKIP_ELECTRON_DOWNLOAD: '1' },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('a fresh checkout after npm install', () => {
  let server: ReturnType<typeof spawn> | undefined;

  beforeAll(async () => {
    clone = await mkdtemp(path.join(tmpdir(), 'shotbox-fresh-'));
    const files = spawnSync('git', ['ls-files', '-co', '--exclude-standard', '-z'], {
      cwd: repoRoot,
      encoding: 'utf8',
    }).stdout.split('\0');
    for (const rel of files.filter((f) => f && existsSync(path.join(repoRoot, f)))) {
      await mkdir(path.dirname(path.join(clone, rel)), { recursive: true });
      await copyFile(path.join(repoRoot, rel), path.join(clone, rel));
    }
    await symlink(path.join(repoRoot, 'node_modules'), path.join(clone, 'node_modules'), 'dir');
    // The model conversion is tested elsewhere; link its output so the install skips it.
    await symlink(path.join(repoRoot, model), path.join(clone, model));
  }, 120_000);

  afterAll(async () => {
    server?.kill('SIGTERM');
    await rm(clone, { recursive: true, force: true });
  });

  it('builds the CLI and the UI at install, so the first command starts from the bundle', () => {
    expect(existsSync(path.join(clone, 'out'))).toBe(false); // nothing built before the install
    const install = run([path.join('scripts', 'postinstall.mjs')]);
    expect(install.code, install.stderr + install.stdout).toBe(0);
    expect(existsSync(path.join(clone, 'out', 'cli', 'shotbox.mjs'))).toBe(true);
    expect(existsSync(path.join(clone, 'out', 'renderer', 'index.html'))).toBe(true);
    const help = run([path.join('bin', 'shotbox.mjs'), '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Usage: shotbox/);
    expect(help.stderr).toBe(''); // no rebuild, no tsx fallback
  }, 120_000);

  it('serves a project with `shotbox serve --project` and no build step', async () => {
    const project = path.join(clone, 'p.shotbox');
    const imported = run([
      path.join('bin', 'shotbox.mjs'),
      'import',
      faceApiDemoDir,
      '--project',
      project,
      '--quiet',
    ]);
    expect(imported.stderr).toMatch(/9 images added/);
    server = spawn(
      process.execPath,
      [path.join('bin', 'shotbox.mjs'), 'serve', '--project', project],
      {
        cwd: clone,
      },
    );
    let output = '';
    const url = await new Promise<string>((resolve, reject) => {
      const onData = (d: Buffer): void => {
        output += d.toString();
        const m = /open (http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+)/.exec(output);
        if (m) resolve(m[1]!);
      };
      server!.stdout!.on('data', onData);
      server!.stderr!.on('data', onData);
      server!.on('exit', (code) => reject(new Error(`serve exited with ${code}:\n${output}`)));
    });
    expect(output).not.toMatch(/building/);
    const login = await fetch(url, { redirect: 'manual' });
    expect(login.status).toBe(303);
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const page = await fetch(url.split('?')[0]!, { headers: { cookie } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="root"></div>');
  }, 120_000);

  it('builds the UI on first serve, saying so, when the install could not', async () => {
    server?.kill('SIGTERM');
    await rm(path.join(clone, 'out', 'renderer'), { recursive: true, force: true });
    server = spawn(
      process.execPath,
      [path.join('bin', 'shotbox.mjs'), 'serve', '--project', path.join(clone, 'p.shotbox')],
      { cwd: clone },
    );
    let output = '';
    await new Promise<void>((resolve, reject) => {
      const onData = (d: Buffer): void => {
        output += d.toString();
        if (/open http:/.test(output)) resolve();
      };
      server!.stdout!.on('data', onData);
      server!.stderr!.on('data', onData);
      server!.on('exit', (code) => reject(new Error(`serve exited with ${code}:\n${output}`)));
    });
    expect(output).toMatch(/the UI is not built yet; building it once/);
    expect(existsSync(path.join(clone, 'out', 'renderer', 'index.html'))).toBe(true);
  }, 120_000);
});
