import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import type { BatchBenchReport, PassSummary, StageBreakdown } from '../../core/bench/batchBench';
import { EXIT, UsageError } from '../exitCodes';
import { formatTable } from '../table';
import { faceApiDemoPhotos } from './bench';

interface BenchBatchCliOptions {
  model?: string;
  images?: string;
  count: string;
  rounds: string;
  provider?: string;
  process: boolean;
  json?: boolean;
}

/** The target: batch detection at ≥ 0.9× (in process) and ≥ 0.85× (whole CLI) of bare. */
export const BATCH_TARGET = 0.9;
export const PROCESS_TARGET = 0.85;

export function registerBenchBatchCommand(program: Command, setExit: (code: number) => void): void {
  program
    .command('bench-batch')
    .description(
      'Batch detection (folder, project, whole `detect --project` process) against a bare ONNX Runtime loop, interleaved.',
    )
    .option('--model <name|path>', 'model to benchmark (default: the embedded face model)')
    .option(
      '--images <dir>',
      "folder of photos (default: ../shared/datasets/raccoon-train/images, else face-api's demo photos)",
    )
    .option('--count <n>', 'photos to use (the first n by name)', '120')
    .option('--rounds <n>', 'interleaved rounds (bare, batch, bare, …)', '3')
    .option('--provider <list>', 'execution providers to try in order, e.g. cuda,cpu')
    .option('--no-process', 'skip the `shotbox detect --project` process pass')
    .option('--json', 'print the report as JSON')
    .action(async (opts: BenchBatchCliOptions) => {
      const [{ runBatchBench, firstImages }, { parseProviderList }, { resolveModel }, root] =
        await Promise.all([
          import('../../core/bench/batchBench'),
          import('../../core/detector/executionProviders'),
          import('../../core/models/registry'),
          import('../../core/packageRoot'),
        ]);
      const count = positiveInt(opts.count, '--count');
      const rounds = positiveInt(opts.rounds, '--rounds');
      const packageRoot = root.packageRoot();
      const raccoon = path.resolve(
        packageRoot,
        '..',
        'shared',
        'datasets',
        'raccoon-train',
        'images',
      );
      const dir = opts.images ?? (existsSync(raccoon) ? raccoon : undefined);
      const files = dir ? await firstImages(path.resolve(dir), count) : faceApiDemoPhotos();
      if (files.length === 0) throw new UsageError(`no .jpg/.png images in ${dir}`);
      const report = await runBatchBench(resolveModel(opts.model), {
        files,
        rounds,
        workDir: path.join(os.tmpdir(), `shotbox-bench-batch-${process.pid}`),
        ...(opts.process
          ? { processFiles: files, shotboxBin: path.join(packageRoot, 'bin', 'shotbox.mjs') }
          : {}),
        ...(opts.provider ? { providers: parseProviderList(opts.provider) } : {}),
        onProgress: (m) => {
          if (!opts.json) process.stderr.write(`… ${m}\n`);
        },
      });
      process.stdout.write(
        opts.json
          ? `${JSON.stringify(report, null, 2)}\n`
          : formatBatchReport(report, dir ?? "face-api's demo photos"),
      );
      setExit(EXIT.ok);
    });
}

export function formatBatchReport(r: BatchBenchReport, dir: string): string {
  const ms = (v: number): string => v.toFixed(1);
  const load = (l: number[]): string => l.map((v) => v.toFixed(2)).join(' ');
  const lines: string[] = [
    `bench-batch: ${r.model} on ${r.provider.toUpperCase()}, ${r.images} images from ${dir}, ` +
      `${r.rounds} interleaved rounds, ${r.cores} cores`,
    `load average: ${load(r.loadAverage.start)} at the start, ${load(r.loadAverage.end)} at the end`,
    '',
  ];
  const stage = (name: string, pick: (s: StageBreakdown) => number): string[] => [
    name,
    ms(pick(r.folder.stages)),
    ms(pick(r.project.stages)),
  ];
  lines.push(
    formatTable(
      ['ms/image', 'folder', 'project'],
      [
        stage('wall', (s) => s.wall),
        stage('decode latency (worker)', (s) => s.decode),
        stage('waiting for decode', (s) => s.wait),
        stage('preprocess (worker)', (s) => s.preprocess),
        stage('inference', (s) => s.inference),
        stage('postprocess', (s) => s.postprocess),
        stage('database writes', (s) => s.db),
        stage('other', (s) => s.other),
      ],
      ['left', 'right', 'right'],
    ),
  );
  lines.push('');
  const rows: string[][] = [];
  const pass = (name: string, p: PassSummary | undefined): void => {
    if (!p) return;
    p.rounds.forEach((m, i) =>
      rows.push([
        `${name} #${i + 1}`,
        m.imagesPerSecond.toFixed(2),
        m.bareImagesPerSecond.toFixed(2),
        m.ratio.toFixed(2),
        m.loadAverage.toFixed(2),
      ]),
    );
  };
  pass('folder batch', r.folder);
  pass('project batch', r.project);
  pass(`detect --project process`, r.process);
  lines.push(
    formatTable(['pass', 'images/s', 'bare images/s', 'ratio', 'load 1m'], rows, [
      'left',
      'right',
      'right',
      'right',
      'right',
    ]),
  );
  lines.push('');
  lines.push(`bare rate:      ${r.bare.imagesPerSecond.toFixed(2)} images/s (median)`);
  const verdict = (ratio: number, target: number): string =>
    `${ratio.toFixed(2)}× bare (target ≥ ${target}: ${ratio >= target ? 'met' : 'not met'})`;
  lines.push(
    `folder batch:   ${r.folder.imagesPerSecond.toFixed(2)} images/s, ${verdict(r.folder.ratio, BATCH_TARGET)}`,
  );
  lines.push(
    `project batch:  ${r.project.imagesPerSecond.toFixed(2)} images/s, ${verdict(r.project.ratio, BATCH_TARGET)}`,
  );
  if (r.process) {
    lines.push(
      `whole process:  ${r.process.images} images in ${r.process.seconds.map((s) => s.toFixed(1)).join(' / ')} s, ` +
        verdict(r.process.ratio, PROCESS_TARGET),
    );
    const { startup } = r.process;
    lines.push(
      `                a 1-image run takes ${startup.seconds.toFixed(2)} s (start, model load, exit): ` +
        `the other ${r.process.images - 1} images ran at ${startup.imagesPerSecond.toFixed(2)} images/s, ` +
        `${startup.ratio.toFixed(2)}× bare`,
    );
  }
  return `${lines.join('\n')}\n`;
}

function positiveInt(text: string, name: string): number {
  const v = Number(text);
  if (!Number.isInteger(v) || v < 1)
    throw new UsageError(`${name} must be a positive integer, got '${text}'`);
  return v;
}
