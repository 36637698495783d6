// `npm run bench:cli`: how fast `shotbox --help` starts (best and median of 5), next to the same
// command run from the TypeScript sources through tsx (what every start cost before the bundle).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const RUNS = 5;

function time(args) {
  const samples = [];
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    const r = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${args.join(' ')} failed:\n${r.stderr}`);
    samples.push((performance.now() - started) / 1000);
  }
  samples.sort((a, b) => a - b);
  return { best: samples[0], median: samples[Math.floor(RUNS / 2)] };
}

spawnSync(process.execPath, [path.join(root, 'bin', 'shotbox.mjs'), '--version'], { cwd: root }); // rebuild if stale
const built = time([path.join(root, 'bin', 'shotbox.mjs'), '--help']);
const tsxCli = path.join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs');
const viaTsx = time([tsxCli, path.join(root, 'scripts', 'cli-from-sources.ts'), '--help']);
const fmt = (t) => `best ${t.best.toFixed(2)} s, median ${t.median.toFixed(2)} s`;
console.log(`shotbox --help (bundle):        ${fmt(built)}  (target ≤ 0.6 s best of ${RUNS})`);
console.log(
  `shotbox --help (tsx, sources):  ${fmt(viaTsx)}  (${(viaTsx.best / built.best).toFixed(1)}× slower)`,
);
