// `npm run bench`: the detection pipeline bench (`shotbox bench`), the batch bench against a bare
// ONNX Runtime loop (`shotbox bench-batch`: folder, project and whole-process rates and ratios),
// then the project-scale bench (`shotbox bench-project`), each printing its report. Arguments after `--` go to bench-project,
// e.g. `npm run bench -- --images 2000 --annotations 200000`. Exits with the first non-zero code.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const shotbox = path.join(root, 'bin', 'shotbox.mjs');

const runs = [['bench'], ['bench-batch'], ['bench-project', ...process.argv.slice(2)]];
let exitCode = 0;
for (const args of runs) {
  console.log(`\n$ shotbox ${args.join(' ')}`);
  const result = spawnSync(process.execPath, [shotbox, ...args], { cwd: root, stdio: 'inherit' });
  const code = result.status ?? 1;
  if (result.error) console.error(`shotbox ${args[0]}: ${result.error.message}`);
  if (code !== 0 && exitCode === 0) exitCode = code;
}
process.exitCode = exitCode;
