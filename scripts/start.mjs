// `npm start`: the Electron window when its binary is installed, else browser mode (DESIGN.md §8).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(root, 'package.json'));
const bin = (pkg, rel) => path.join(path.dirname(require.resolve(`${pkg}/package.json`)), rel);

function electronMissingReason() {
  if (process.env.SHOTBOX_BROWSER === '1') return 'SHOTBOX_BROWSER=1 is set';
  try {
    const dir = path.dirname(require.resolve('electron/package.json'));
    const pathTxt = path.join(dir, 'path.txt');
    if (!existsSync(pathTxt))
      return 'the Electron binary is not installed (its download needs a network beyond the npm registry; `npm run setup:electron`)';
    if (!existsSync(path.join(dir, 'dist', readFileSync(pathTxt, 'utf8').trim())))
      return 'the Electron binary is incomplete (`npm run setup:electron`)';
  } catch {
    return 'the electron package is not installed';
  }
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY)
    return 'there is no display (DISPLAY is not set)';
  return undefined;
}

function build() {
  console.log('shotbox: building the app (electron-vite build)…');
  const r = spawnSync(process.execPath, [bin('electron-vite', 'bin/electron-vite.js'), 'build'], {
    cwd: root,
    stdio: 'inherit',
  });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

const why = electronMissingReason();
if (!why) {
  const child = spawn(process.execPath, [bin('electron-vite', 'bin/electron-vite.js'), 'preview'], {
    cwd: root,
    stdio: 'inherit',
  });
  child.on('exit', (code) => process.exit(code ?? 0));
} else {
  console.log(`shotbox: not opening the desktop window: ${why}.`);
  console.log('shotbox: serving the UI in browser mode instead.');
  build();
  const child = spawn(
    process.execPath,
    // With no arguments, open the demo project (face-api's photos) so there is something to see.
    [
      path.join(root, 'bin', 'shotbox.mjs'),
      'serve',
      ...(process.argv.length > 2 ? process.argv.slice(2) : ['--demo']),
    ],
    { cwd: root, stdio: 'inherit' },
  );
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code) => process.exit(code ?? 0));
}
