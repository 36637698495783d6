import { createRequire } from 'node:module';
import path from 'node:path';
import type { Command } from 'commander';
import type { BenchReport } from '../../core/bench/pipelineBench';
import { EXIT, UsageError } from '../exitCodes';
import { formatTable } from '../table';

interface BenchCliOptions {
  model?: string;
  images?: string;
  runs: string;
  baselineRuns: string;
  provider?: string;
  baseline: boolean;
  baselineBackend: string;
  json?: boolean;
}

/** face-api's six demo photos: the default bench set (they ship with the package the model comes from). */
export function faceApiDemoPhotos(): string[] {
  const require = createRequire(import.meta.url);
  const demo = path.join(
    path.dirname(require.resolve('@vladmandic/face-api/package.json')),
    'demo',
  );
  return [1, 2, 3, 4, 5, 6].map((i) => path.join(demo, `sample${i}.jpg`));
}

export function registerBenchCommand(program: Command, setExit: (code: number) => void): void {
  program
    .command('bench')
    .description(
      "Time the detection pipeline per stage against face-api's own pipeline and a bare ONNX Runtime loop.",
    )
    .option('--model <name|path>', 'model to benchmark (default: the embedded face model)')
    .option('--images <dir>', "images to run (default: face-api's six demo photos)")
    .option('--runs <n>', 'timed passes over the images for our pipeline', '5')
    .option('--baseline-runs <n>', "timed passes for face-api's pipeline (slow on pure JS)", '1')
    .option('--provider <list>', 'execution providers to try in order, e.g. cuda,cpu')
    .option(
      '--baseline-backend <name>',
      "tfjs backend for face-api's pipeline: wasm or cpu (pure JS, ~10 s/image)",
      'wasm',
    )
    .option('--no-baseline', "skip face-api's pipeline")
    .option('--json', 'print the report as JSON')
    .action(async (opts: BenchCliOptions) => {
      // Loaded here, not for `shotbox --help`.
      const [{ runPipelineBench }, { collectImageFiles }, { parseProviderList }, { resolveModel }] =
        await Promise.all([
          import('../../core/bench/pipelineBench'),
          import('../../core/detector/batch'),
          import('../../core/detector/executionProviders'),
          import('../../core/models/registry'),
        ]);
      const runs = positiveInt(opts.runs, '--runs');
      const baselineRuns = positiveInt(opts.baselineRuns, '--baseline-runs');
      if (opts.baselineBackend !== 'wasm' && opts.baselineBackend !== 'cpu') {
        throw new UsageError(
          `--baseline-backend must be wasm or cpu, got '${opts.baselineBackend}'`,
        );
      }
      const baselineBackend: 'wasm' | 'cpu' = opts.baselineBackend;
      const entry = resolveModel(opts.model);
      const files = opts.images
        ? (await collectImageFiles([opts.images])).files
        : faceApiDemoPhotos();
      const dir = opts.images ?? "face-api's demo/sample*.jpg";
      if (files.length === 0) throw new UsageError(`no images in ${dir}`);
      const report = await runPipelineBench(entry, files, {
        runs,
        baselineRuns,
        skipBaseline: !opts.baseline,
        baselineBackend,
        ...(opts.provider ? { providers: parseProviderList(opts.provider) } : {}),
        onProgress: (m) => {
          if (!opts.json) process.stderr.write(`… ${m}\n`);
        },
      });
      process.stdout.write(
        opts.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report, dir),
      );
      setExit(EXIT.ok);
    });
}

export function formatReport(r: BenchReport, dir: string): string {
  const ms = (v: number): string => v.toFixed(1);
  const lines: string[] = [];
  lines.push(
    `bench: ${r.model} on ${r.provider.toUpperCase()}, ${r.images} images from ${dir}, ${r.runs} runs`,
  );
  lines.push('');
  lines.push(
    formatTable(
      ['stage', 'median ms/image'],
      [
        ['decode (sharp)', ms(r.ours.decode)],
        ['preprocess', ms(r.ours.preprocess)],
        ['inference', ms(r.ours.inference)],
        ['postprocess', ms(r.ours.postprocess)],
        ['end to end', ms(r.ours.total)],
      ],
      ['left', 'right'],
    ),
  );
  lines.push(
    `ours:      ${ms(r.ours.total)} ms/image, ${r.ours.imagesPerSecond.toFixed(2)} images/s one at a time`,
  );
  lines.push(
    `batch:     ${r.batch.imagesPerSecond.toFixed(2)} images/s (shotbox detect: decoding overlaps inference)`,
  );
  if (r.baseline) {
    lines.push(
      `face-api:  ${ms(r.baseline.total)} ms/image (tfjs ${r.baseline.backend}, same decoder), ` +
        `${r.baseline.imagesPerSecond.toFixed(2)} images/s`,
    );
  }
  lines.push(
    `bare run:  ${ms(r.bareRun.median)} ms (InferenceSession.run on one preprocessed tensor)`,
  );
  lines.push('');
  if (r.ratios.speedupVsBaseline !== undefined) {
    lines.push(
      `end to end vs face-api:   ${r.ratios.speedupVsBaseline.toFixed(1)}× faster (per image, one at a time)`,
    );
  }
  lines.push(
    `inference vs bare run:    ${r.ratios.inferenceVsBare.toFixed(2)}× (1.00 = no overhead)`,
  );
  return `${lines.join('\n')}\n`;
}

function positiveInt(text: string, name: string): number {
  const v = Number(text);
  if (!Number.isInteger(v) || v < 1)
    throw new UsageError(`${name} must be a positive integer, got '${text}'`);
  return v;
}
