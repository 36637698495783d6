// Explicit, opt-in step: download ONNX Runtime's CUDA execution provider (Linux x64 / Windows
// x64). It comes from outside the npm registry, so `npm install` never does this by itself.
// Needs network access to the ONNX Runtime release feed and an NVIDIA driver with CUDA 12.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
if (!['linux', 'win32'].includes(process.platform) || process.arch !== 'x64') {
  console.error(
    `shotbox: the CUDA provider exists for Linux and Windows x64 only (this is ${process.platform}-${process.arch}).`,
  );
  process.exit(1);
}
const dir = path.dirname(require.resolve('onnxruntime-node/package.json'));
const run = spawnSync(
  process.execPath,
  [path.join(dir, 'script', 'install.js'), '--onnxruntime-node-install=cuda12'],
  {
    cwd: dir,
    stdio: 'inherit',
    env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'cuda12' },
  },
);
if (run.status !== 0) {
  console.error(
    'shotbox: could not install the CUDA provider (network or driver missing); the CPU provider stays in use.',
  );
  process.exit(run.status ?? 1);
}
console.log('shotbox: CUDA provider installed. `npx shotbox models` shows whether it loads.');
