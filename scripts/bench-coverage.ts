// Coverage benchmark: 10,000 labelled boxes (2,000 images × 5, sides 2–62 % of the image)
// against SSD512's 24,564 priors with the real matcher (bucketed), beside the same boxes
// against SSD300's 8,732 in the same run. Target: ≤ 2 s for SSD512.
// Usage: npx tsx scripts/bench-coverage.ts
import { PRIOR_PRESETS } from '../src/shared/ssd/priorConfig';
import { generatePriors } from '../src/shared/ssd/priors';
import { buildPriorIndex } from '../src/shared/ssd/priorIndex';
import { computeCoverage, type CoverageImage } from '../src/shared/ssd/coverage';

let seed = 1;
const rand = (): number => {
  seed = (seed * 16807) % 2147483647;
  return seed / 2147483647;
};
const images: CoverageImage[] = [];
for (let i = 0; i < 2000; i++) {
  const g = new Float64Array(20);
  for (let k = 0; k < 5; k++) {
    const w = 0.02 + rand() * 0.6;
    const h = 0.02 + rand() * 0.6;
    const x = rand() * (1 - w);
    const y = rand() * (1 - h);
    g.set([x, y, x + w, y + h], 4 * k);
  }
  images.push({ gtXyxy: g });
}

function run(name: 'ssd300' | 'ssd512'): { ms: number; share: number; priors: number } {
  const t0 = performance.now();
  const set = generatePriors(PRIOR_PRESETS[name]);
  const stats = computeCoverage(buildPriorIndex(set), images);
  return { ms: performance.now() - t0, share: stats.matchedFraction, priors: set.count };
}

run('ssd300'); // warm-up (JIT)
const a = run('ssd300');
const b = run('ssd512');
console.log(`coverage of 10,000 boxes (priors generated, indexed and matched):`);
console.log(
  `  ssd300 (${a.priors} priors): ${a.ms.toFixed(0)} ms, covered ${(100 * a.share).toFixed(1)} %`,
);
console.log(
  `  ssd512 (${b.priors} priors): ${b.ms.toFixed(0)} ms, covered ${(100 * b.share).toFixed(1)} %  (${(b.ms / a.ms).toFixed(2)}× ssd300)`,
);
const ok = b.ms <= 2000;
console.log(
  `target:\n  ${ok ? 'pass' : 'FAIL'}  10,000 boxes vs 24,564 priors ≤ 2 s: ${b.ms.toFixed(0)} ms`,
);
process.exitCode = ok ? 0 : 3;
