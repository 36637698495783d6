/**
 * `shotbox match`, `shotbox coverage`, `shotbox suggest-priors`: the SSD lens on the command
 * line, over a project's labels or annotation files alone, for a preset, config or model.
 */
import type { Command } from 'commander';
import { writeFileAtomic } from '../../core/fs/atomicWrite';
import type { AnnotationFormat } from '../../core/formats/annotationSet';
import {
  coverageReport,
  matchReport,
  suggestPriors,
  type CoverageReport,
} from '../../core/lens/datasetLens';
import {
  labelledFromFiles,
  labelledFromProject,
  type LabelledSet,
} from '../../core/lens/labelledSet';
import { loadPriorSource, PRESET_NAMES, type PriorSource } from '../../core/lens/priorSource';
import { DEFAULT_MATCH_THRESHOLD } from '../../shared/ssd/matching';
import { EXIT, UsageError } from '../exitCodes';
import { formatTable } from '../table';
import { openExistingProject } from './project';

interface LensOptions {
  project?: string;
  annotations?: string;
  format?: string;
  images?: string;
  preset?: string;
  config?: string;
  model?: string;
  threshold: string;
  json?: boolean;
  out?: string;
  budget?: string;
}

const FORMATS: readonly AnnotationFormat[] = ['voc', 'coco', 'yolo'];

function withInputs(cmd: Command): Command {
  return cmd
    .option('--project <file.shotbox>', "a project's settled labels")
    .option('--annotations <file-or-dir>', 'annotation files alone (image sizes from the files)')
    .option('--format <voc|coco|yolo>', 'format of --annotations')
    .option('--images <dir>', 'images giving sizes the labels lack (needed for yolo)')
    .option('--preset <name>', `built-in priors (${PRESET_NAMES.join(', ')})`)
    .option('--config <file.json>', 'a prior configuration file (docs/priors.md)')
    .option('--model <name>', "a model's own priors and resize mode")
    .option('--threshold <t>', 'positive-match IoU threshold', String(DEFAULT_MATCH_THRESHOLD));
}

async function loadInputs(
  opts: LensOptions,
): Promise<{ set: LabelledSet; source: PriorSource; threshold: number }> {
  const threshold = Number(opts.threshold);
  if (!(threshold > 0 && threshold <= 1)) {
    throw new UsageError(`--threshold ${opts.threshold} must be a number in (0, 1]`);
  }
  const sources = [opts.preset, opts.config, opts.model].filter((v) => v !== undefined);
  if (sources.length > 1) throw new UsageError('give only one of --preset, --config, --model');
  if ((opts.project === undefined) === (opts.annotations === undefined)) {
    throw new UsageError('give either --project or --annotations (with --format)');
  }
  let source: PriorSource;
  try {
    source = opts.config
      ? loadPriorSource({ kind: 'config', file: opts.config })
      : opts.model
        ? loadPriorSource({ kind: 'model', name: opts.model })
        : loadPriorSource({ kind: 'preset', name: opts.preset ?? 'ssd300' });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  let set: LabelledSet;
  if (opts.project) {
    const project = openExistingProject(opts.project);
    try {
      set = labelledFromProject(project);
    } finally {
      project.close();
    }
  } else {
    const format = opts.format as AnnotationFormat | undefined;
    if (!format || !FORMATS.includes(format)) {
      throw new UsageError(`--annotations needs --format ${FORMATS.join('|')}`);
    }
    try {
      set = await labelledFromFiles(opts.annotations!, format, opts.images);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
  }
  for (const p of set.problems) process.stderr.write(`${p.severity}: ${p.where}: ${p.message}\n`);
  return { set, source, threshold };
}

function exitFor(set: LabelledSet): number {
  return set.problems.some((p) => p.severity === 'error') ? EXIT.partial : EXIT.ok;
}

function pct(v: number): string {
  return `${(100 * v).toFixed(1)} %`;
}

function printCoverage(r: CoverageReport, title: string): void {
  process.stdout.write(
    `${title}: ${r.source}, ${r.priorCount} priors, ${r.boxes} boxes, threshold ${r.threshold}\n` +
      `  best IoU ≥ ${r.threshold}: ${pct(r.matchedFraction)}   mean positives per box: ` +
      `${r.meanPositives.toFixed(2)}\n`,
  );
}

export function registerLensCommands(program: Command, setExit: (code: number) => void): void {
  withInputs(
    program
      .command('match')
      .description('Match each labelled box to the default boxes, as SSD training does.'),
  )
    .option('--json', 'print the match as JSON')
    .option('--out <file.json>', 'write the JSON to a file')
    .action(async (opts: LensOptions) => {
      const { set, source, threshold } = await loadInputs(opts);
      const report = matchReport(set, source, threshold);
      const json = JSON.stringify(report);
      if (opts.out) await writeFileAtomic(opts.out, json);
      if (opts.json) process.stdout.write(`${json}\n`);
      else {
        const rows = report.images.flatMap((img) =>
          img.gts.map((g) => [
            img.file_name,
            g.class,
            g.box.map((v) => Math.round(v)).join(','),
            String(g.priors.length),
            g.bestIou.toFixed(3),
            g.ious.some((v) => v >= threshold) ? 'trains' : `no prior ≥ ${threshold}`,
          ]),
        );
        process.stdout.write(`Matching against ${source.label} (${source.set.count} priors)\n`);
        process.stdout.write(
          formatTable(['image', 'class', 'box', 'priors', 'best IoU', ''], rows, [
            'left',
            'left',
            'left',
            'right',
            'right',
            'left',
          ]),
        );
      }
      setExit(exitFor(set));
    });

  withInputs(
    program
      .command('coverage')
      .description('How well the default boxes cover the labelled boxes of a dataset.'),
  )
    .option('--json', 'print the statistics as JSON')
    .action(async (opts: LensOptions) => {
      const { set, source, threshold } = await loadInputs(opts);
      const report = coverageReport(set, source, threshold);
      if (opts.json) process.stdout.write(`${JSON.stringify(report)}\n`);
      else {
        printCoverage(report, 'Coverage');
        process.stdout.write(
          formatTable(
            ['layer', 'positives'],
            report.perLayer.map((l) => [l.name, String(l.positives)]),
            ['left', 'right'],
          ),
        );
        process.stdout.write('Worst-covered boxes\n');
        process.stdout.write(
          formatTable(
            ['image', 'box', 'class', 'best IoU'],
            report.worst.map((w) => [
              w.file_name,
              w.box.map((v) => Math.round(v)).join(','),
              w.class,
              w.bestIou.toFixed(3),
            ]),
            ['left', 'left', 'left', 'right'],
          ),
        );
      }
      setExit(exitFor(set));
    });

  withInputs(
    program
      .command('suggest-priors')
      .description('Search prior sizes and aspect ratios that cover the labelled boxes better.'),
  )
    .option('--budget <n>', 'most default boxes the suggestion may have (default: as many as now)')
    .requiredOption('--out <cfg.json>', 'where to write the suggested prior configuration')
    .option('--json', 'print before/after as JSON')
    .action(async (opts: LensOptions) => {
      const { set, source, threshold } = await loadInputs(opts);
      const budget = opts.budget === undefined ? undefined : Number(opts.budget);
      if (budget !== undefined && !(Number.isInteger(budget) && budget > 0)) {
        throw new UsageError(`--budget ${opts.budget} must be a positive whole number`);
      }
      const r = suggestPriors(set, source, threshold, budget);
      await writeFileAtomic(opts.out!, `${JSON.stringify(r.config, null, 2)}\n`);
      if (opts.json) {
        const { perLayer: _b, ...before } = r.before;
        const { perLayer: _a, ...after } = r.after;
        process.stdout.write(`${JSON.stringify({ before, after, out: opts.out })}\n`);
      } else {
        printCoverage(r.before, 'Before');
        printCoverage(r.after, 'After ');
        process.stdout.write(`suggested configuration written to ${opts.out}\n`);
      }
      setExit(exitFor(set));
    });
}
