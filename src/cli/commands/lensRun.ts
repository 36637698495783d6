/** What `shotbox match`, `coverage` and `suggest-priors` run (loaded when one of them runs). */
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
import { loadPriorSource, type PriorSource } from '../../core/lens/priorSource';
import { EXIT, UsageError } from '../exitCodes';
import { formatTable } from '../table';
import type { LensOptions } from './lens';
import { openExistingProject } from './projectFiles';

const FORMATS: readonly AnnotationFormat[] = ['voc', 'coco', 'yolo'];

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

/** `shotbox match`. */
export async function runMatch(opts: LensOptions, setExit: (code: number) => void): Promise<void> {
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
}

/** `shotbox coverage`. */
export async function runCoverage(
  opts: LensOptions,
  setExit: (code: number) => void,
): Promise<void> {
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
}

/** `shotbox suggest-priors`. */
export async function runSuggestPriors(
  opts: LensOptions,
  setExit: (code: number) => void,
): Promise<void> {
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
}
