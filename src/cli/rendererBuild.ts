import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { packageRoot } from '../core/packageRoot';

/** The built renderer of this checkout (made at install, by `npm run build`, or on first serve). */
export function defaultRendererDir(): string {
  return path.join(packageRoot(), 'out', 'renderer');
}

/**
 * Makes sure `serve` has a renderer to serve. The default folder is built on first use (one line
 * says so; electron-vite, a few seconds) when the install did not build it; a folder given with
 * --renderer is the caller's and must already hold a build.
 */
export function ensureRendererBuilt(dir: string, log: (line: string) => void): void {
  if (existsSync(path.join(dir, 'index.html'))) return;
  if (path.resolve(dir) !== defaultRendererDir())
    throw new Error(`no built renderer in ${path.resolve(dir)} (index.html is missing)`);
  let cli: string;
  try {
    const require = createRequire(path.join(packageRoot(), 'package.json'));
    cli = path.join(
      path.dirname(require.resolve('electron-vite/package.json')),
      'bin',
      'electron-vite.js',
    );
  } catch {
    throw new Error(`no built renderer in ${dir}, and electron-vite is not installed to build it`);
  }
  log('shotbox: the UI is not built yet; building it once (electron-vite build)…');
  const run = spawnSync(process.execPath, [cli, 'build'], {
    cwd: packageRoot(),
    encoding: 'utf8',
  });
  if (run.status !== 0 || !existsSync(path.join(dir, 'index.html')))
    throw new Error(`building the UI failed:\n${`${run.stderr}${run.stdout}`.trim().slice(-2000)}`);
}
