// Runs after `npm install` / `npm ci` (DESIGN.md §8):
//  1. best effort: the Electron binary (downloaded from outside the npm registry; may be offline);
//  2. required: build the embedded model from face-api's weights (offline, a few seconds);
//  3. required: build the `shotbox` CLI (esbuild, under a second) so it starts without compiling;
//  4. best effort: build the UI (electron-vite, a few seconds) so `shotbox serve` works at once
//     (serve builds it on first use otherwise).
// The CUDA provider of onnxruntime-node is never fetched here: `npm run setup:gpu` does that.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(root, 'package.json'));

function electronBinaryPresent() {
  try {
    const dir = path.dirname(require.resolve('electron/package.json'));
    const pathTxt = path.join(dir, 'path.txt');
    return (
      existsSync(pathTxt) &&
      existsSync(path.join(dir, 'dist', readFileSync(pathTxt, 'utf8').trim()))
    );
  } catch {
    return false;
  }
}

function installElectronBinary() {
  if (process.env.SHOTBOX_SKIP_ELECTRON_DOWNLOAD === '1' || electronBinaryPresent()) return;
  let installer;
  try {
    installer = path.join(path.dirname(require.resolve('electron/package.json')), 'install.js');
  } catch {
    return; // production install without dev dependencies: no desktop shell to set up
  }
  const run = spawnSync(process.execPath, [installer], {
    cwd: root,
    encoding: 'utf8',
    timeout: 180_000,
  });
  if (run.status === 0 && electronBinaryPresent()) {
    console.log('shotbox: Electron binary installed.');
    return;
  }
  const lines = `${run.stderr ?? ''}\n${run.error?.message ?? ''}`.split('\n').map((l) => l.trim());
  const cause =
    lines.find((l) => /ENOTFOUND|ECONN|ETIMEDOUT|EAI_AGAIN|HTTPError|Error:/.test(l)) ??
    'download failed';
  console.log(
    `shotbox: Electron binary not installed (${cause.slice(0, 160)}); \`npm start\` will serve browser mode. ` +
      'Run `npm run setup:electron` where the download is reachable.',
  );
}

function buildModels() {
  const tsxCli = path.join(path.dirname(require.resolve('tsx/package.json')), 'dist', 'cli.mjs');
  const run = spawnSync(process.execPath, [tsxCli, path.join(root, 'scripts', 'build-models.ts')], {
    cwd: root,
    stdio: 'inherit',
  });
  if (run.status !== 0) {
    console.error(
      'shotbox: building the embedded model failed (see above); run `npm run models` to retry.',
    );
    process.exit(run.status ?? 1);
  }
}

async function buildCommandLine() {
  try {
    const { buildCli } = await import('./build-cli.mjs');
    await buildCli();
  } catch (err) {
    console.error(
      `shotbox: building the CLI failed (${err?.message ?? err}); run \`npm run build:cli\`.`,
    );
    process.exit(1);
  }
}

function buildUi() {
  let cli;
  try {
    cli = path.join(
      path.dirname(require.resolve('electron-vite/package.json')),
      'bin',
      'electron-vite.js',
    );
  } catch {
    return; // production install without dev dependencies: nothing to build the UI with
  }
  const run = spawnSync(process.execPath, [cli, 'build'], { cwd: root, encoding: 'utf8' });
  if (run.status === 0) console.log('shotbox: CLI and UI built (out/).');
  else
    console.log(
      `shotbox: building the UI failed (\`npm run build\` shows why); \`shotbox serve\` will try again. ${(run.stderr ?? '').trim().split('\n').pop() ?? ''}`,
    );
}

installElectronBinary();
buildModels();
await buildCommandLine();
buildUi();
