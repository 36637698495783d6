import { mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import type { ProjectBenchReport, QueryMeasurement } from '../../core/bench/projectBench';
import { EXIT, UsageError } from '../exitCodes';
import { formatTable } from '../table';

interface BenchProjectCliOptions {
  images: string;
  annotations: string;
  samples: string;
  dir?: string;
  plans?: boolean;
  json?: boolean;
}

export function registerBenchProjectCommand(
  program: Command,
  setExit: (code: number) => void,
): void {
  program
    .command('bench-project')
    .description(
      'Time a project at scale: import of generated JPEGs, image pages and boxes with 1M annotations.',
    )
    .option('--images <n>', 'generated 640×480 JPEGs to import', '10000')
    .option('--annotations <n>', 'annotations spread over the images', '1000000')
    .option('--samples <n>', 'timed calls per query (after a warm-up)', '50')
    .option(
      '--dir <workdir>',
      'where images are generated (kept for the next run) and the project is built',
      defaultWorkDir(),
    )
    .option('--plans', 'print the query plan of every timed query, not only of slow ones')
    .option('--json', 'print the report as JSON')
    .action(async (opts: BenchProjectCliOptions) => {
      const { runProjectBench, QUERY_TARGET_MS } = await import('../../core/bench/projectBench');
      const images = positiveInt(opts.images, '--images');
      const annotations = nonNegativeInt(opts.annotations, '--annotations');
      const samples = positiveInt(opts.samples, '--samples');
      const workDir = path.resolve(opts.dir ?? defaultWorkDir());
      mkdirSync(workDir, { recursive: true });
      const report = await runProjectBench({
        workDir,
        images,
        annotations,
        samples,
        onProgress: (m) => {
          if (!opts.json) process.stderr.write(`… ${m}\n`);
        },
      });
      process.stdout.write(
        opts.json
          ? `${JSON.stringify(report, null, 2)}\n`
          : formatProjectReport(report, opts.plans ?? false, QUERY_TARGET_MS),
      );
      // A missed target is a finished run with a failed part, like a partly failed detect.
      setExit(report.pass ? EXIT.ok : EXIT.partial);
    });
}

function defaultWorkDir(): string {
  return path.join(os.tmpdir(), 'shotbox-bench');
}

const ms = (v: number): string => (v < 10 ? v.toFixed(2) : v.toFixed(1));
const verdict = (pass: boolean | undefined): string =>
  pass === undefined ? '' : pass ? 'pass' : 'FAIL';

export function formatProjectReport(
  r: ProjectBenchReport,
  allPlans: boolean,
  targetMs: number,
): string {
  const lines: string[] = [];
  lines.push(
    `bench-project: ${r.import.images} images (${r.imageSize.width}×${r.imageSize.height} JPEG), ` +
      `${r.annotationInsert.rows} annotations → ${r.projectFile}`,
  );
  lines.push(
    `generation (not timed below): ${r.generation.generated} written, ` +
      `${r.generation.images - r.generation.generated} reused, ${r.generation.seconds.toFixed(1)} s, ` +
      `${r.generation.averageKB.toFixed(0)} KB per image on average, in ${r.generation.dir}`,
  );
  lines.push('');
  lines.push(
    formatTable(
      ['what', 'measured', 'target', 'result'],
      [
        [
          `import ${r.import.images} JPEGs into a new project`,
          `${r.import.seconds.toFixed(1)} s (${r.import.imagesPerSecond.toFixed(0)}/s)`,
          `< ${r.import.targetSeconds.toFixed(0)} s`,
          verdict(r.import.pass),
        ],
        [
          '  baseline: read + SHA-256 only',
          `${r.import.baselineReadAndHash.seconds.toFixed(1)} s`,
          '',
          `import = ${r.import.baselineReadAndHash.ratio.toFixed(1)}× this`,
        ],
        [
          `insert ${r.annotationInsert.rows} annotations, one transaction`,
          `${r.annotationInsert.seconds.toFixed(1)} s (${(r.annotationInsert.rowsPerSecond / 1000).toFixed(0)}k rows/s)`,
          '',
          'setup',
        ],
      ],
      ['left', 'right', 'right', 'left'],
    ),
  );
  lines.push(
    formatTable(
      ['query', 'median ms', 'p95 ms', 'rows/n', 'target', 'result', 'vs baseline'],
      r.queries.map((q) => [
        q.role === 'baseline'
          ? `baseline: ${q.label}`
          : q.role === 'info'
            ? `(info) ${q.label}`
            : q.label,
        ms(q.latency.median),
        ms(q.latency.p95),
        q.rows.toFixed(0),
        q.targetMs !== undefined ? `p95 < ${q.targetMs}` : '',
        verdict(q.pass),
        q.versus ? `${q.versus.ratio.toFixed(2)}× ${q.versus.key}` : '',
      ]),
      ['left', 'right', 'right', 'right', 'right', 'left', 'left'],
    ),
  );
  lines.push(
    `database: ${(r.databaseBytes / 1024 / 1024).toFixed(0)} MB; queries timed on a fresh connection after a warm-up`,
  );
  // A baseline is slow on purpose; a target or an info query over the limit deserves its plan.
  const slow = r.queries.filter(
    (q) => q.role !== 'baseline' && (q.pass === false || q.latency.p95 >= targetMs),
  );
  const shown = allPlans ? r.queries : slow;
  for (const q of shown) {
    lines.push('');
    lines.push(`plan of "${q.label}" (median ${ms(q.latency.median)} ms):`);
    for (const s of q.statements) {
      lines.push(`  ${s.sql.replace(/\s+/g, ' ').trim()}`);
      for (const p of s.plan) lines.push(`    ${p}`);
    }
    for (const hint of q.hints) lines.push(`  → ${hint}`);
  }
  lines.push('');
  lines.push(r.pass ? 'all targets met' : `targets missed: ${missed(r).join(', ')}`);
  return `${lines.join('\n')}\n`;
}

function missed(r: ProjectBenchReport): string[] {
  const out: string[] = [];
  if (!r.import.pass) out.push('import');
  out.push(...r.queries.filter((q: QueryMeasurement) => q.pass === false).map((q) => q.label));
  return out;
}

function positiveInt(text: string, name: string): number {
  const v = Number(text);
  if (!Number.isInteger(v) || v < 1)
    throw new UsageError(`${name} must be a positive integer, got '${text}'`);
  return v;
}

function nonNegativeInt(text: string, name: string): number {
  const v = Number(text);
  if (!Number.isInteger(v) || v < 0)
    throw new UsageError(`${name} must be a whole number ≥ 0, got '${text}'`);
  return v;
}
