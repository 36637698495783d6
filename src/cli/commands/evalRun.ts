import { EvalInputError, type EvalInput } from '../../shared/eval/cocoFiles';
import { evaluateDetections, summaryJson, type EvaluationResult } from '../../shared/eval/evaluate';
import { writeFileAtomic } from '../../core/fs/atomicWrite';
import { readEvalFiles } from '../../core/eval/readEvalFiles';
import { renderEvalReport } from '../../core/eval/htmlReport';
import { Detector } from '../../core/detector/detector';
import { parseProviderList } from '../../core/detector/executionProviders';
import { evaluationInputFromProject } from '../../core/eval/evaluateProjectModel';
import { resolveModel } from '../../core/models/registry';
import { EXIT, UsageError } from '../exitCodes';
import { createProgress } from '../progress';
import { formatTable } from '../table';
import type { Split } from '../../shared/project/splits';
import { assignMissingSplits } from '../../core/project/splits';
import { openExistingProject } from './projectFiles';
import { EVAL_SCORE_THRESHOLD, type EvalCliOptions } from './evalOptions';

/** `--gt` against `--dt` (COCO files). Returns the exit code. */
export async function evalFiles(gt: string, dt: string, opts: EvalCliOptions): Promise<number> {
  let input: EvalInput;
  try {
    input = await readEvalFiles(gt, dt);
  } catch (err) {
    if (err instanceof EvalInputError) {
      process.stderr.write(`shotbox: ${err.message}\n`);
      return EXIT.failed;
    }
    throw err;
  }
  if (!opts.quiet) for (const w of input.warnings) process.stderr.write(`warning: ${w}\n`);
  const result = evaluateDetections(input.dataset);
  await writeOutputs(result, opts, {
    title: `${dt} against ${gt}`,
  });
  return EXIT.ok;
}

export async function evalProject(projectFile: string, opts: EvalCliOptions): Promise<number> {
  const scoreThreshold =
    opts.threshold === undefined ? EVAL_SCORE_THRESHOLD : Number(opts.threshold);
  if (!Number.isFinite(scoreThreshold) || scoreThreshold < 0 || scoreThreshold > 1)
    throw new UsageError(`--threshold must be a number between 0 and 1, got '${opts.threshold}'`);
  const entry = resolveModel(opts.model);
  const project = openExistingProject(projectFile);
  const progress = createProgress('images', opts.quiet);
  const interrupt = new AbortController();
  const onSigint = (): void => interrupt.abort();
  process.once('SIGINT', onSigint);
  try {
    const split = opts.split as Split | undefined;
    if (split && project.images.splitCounts().none > 0) {
      const r = assignMissingSplits(project);
      progress.log(`assigned splits to ${r.assigned} images (shotbox split changes them)`);
    }
    const settled = project.images.settled(split).length;
    if (settled === 0) {
      if (split) {
        process.stderr.write(
          `shotbox: no settled images in the ${split} split of ${project.file}\n`,
        );
        return EXIT.failed;
      }
      process.stderr.write(
        `shotbox: ${project.file} has no settled labels to evaluate against (review images or import labels first)\n`,
      );
      return EXIT.failed;
    }
    const detector = await Detector.load(
      entry,
      opts.provider ? { providers: parseProviderList(opts.provider) } : {},
    );
    let input;
    try {
      progress.log(
        `evaluating ${detector.manifest.name} on ${detector.provider.toUpperCase()} over ${settled} settled images (score ≥ ${scoreThreshold})`,
      );
      input = await evaluationInputFromProject(project, detector, {
        scoreThreshold,
        ...(split ? { split } : {}),
        signal: interrupt.signal,
        onProgress: (done, total, failed) =>
          progress.update(done, total, failed ? `| ${failed} failed` : ''),
      });
    } finally {
      progress.stop();
      await detector.dispose();
    }
    for (const f of input.failures) process.stderr.write(`failed ${f.file}: ${f.reason}\n`);
    if (input.interrupted) {
      process.stderr.write('interrupted: nothing was evaluated\n');
      return EXIT.interrupted;
    }
    if (!opts.quiet)
      for (const name of input.unlabelledClasses)
        process.stderr.write(
          `note: the project has no labels of the model's class '${name}': its detections count, but it has no AP\n`,
        );
    if (input.images === 0) {
      process.stderr.write('shotbox: no settled image could be read; nothing to evaluate\n');
      return EXIT.failed;
    }
    const result = evaluateDetections(input.dataset);
    await writeOutputs(result, opts, {
      title: `model ${entry.manifest.name} on ${project.file} (${input.images} settled images)`,
    });
    return input.failures.length > 0 ? EXIT.partial : EXIT.ok;
  } finally {
    process.off('SIGINT', onSigint);
    project.close();
  }
}

/** Prints the numbers (JSON or a table) and writes the report if asked. */
export async function writeOutputs(
  result: EvaluationResult,
  opts: { json?: boolean; report?: string },
  about: { title: string },
): Promise<void> {
  if (opts.json) process.stdout.write(`${JSON.stringify(summaryJson(result), null, 1)}\n`);
  else process.stdout.write(formatResult(result));
  if (opts.report) {
    await writeFileAtomic(opts.report, renderEvalReport(result, about));
    process.stderr.write(`report → ${opts.report}\n`);
  }
}

const fmt = (v: number): string => (v < 0 ? '—' : v.toFixed(3));

function formatResult(r: EvaluationResult): string {
  const c = r.coco;
  const cocoRows: [string, number][] = [
    ['AP @[.50:.95] all, 100 dets', c.AP],
    ['AP @.50', c.AP50],
    ['AP @.75', c.AP75],
    ['AP small', c.APs],
    ['AP medium', c.APm],
    ['AP large', c.APl],
    ['AR 1 det', c.AR1],
    ['AR 10 dets', c.AR10],
    ['AR 100 dets', c.AR100],
    ['AR small', c.ARs],
    ['AR medium', c.ARm],
    ['AR large', c.ARl],
  ];
  const e = r.errors.counts;
  return [
    `${r.images} images, ${r.groundTruth} ground-truth boxes, ${r.detections} detections\n`,
    formatTable(
      ['COCO', 'value'],
      cocoRows.map(([k, v]) => [k, fmt(v)]),
      ['left', 'right'],
    ),
    formatTable(
      ['VOC @.50', 'value'],
      [
        ['mAP (2007, 11-point)', fmt(r.voc.mAP11)],
        ['mAP (2010+, all points)', fmt(r.voc.mAPAll)],
      ],
      ['left', 'right'],
    ),
    formatTable(
      ['class', 'COCO AP', 'VOC07 AP', 'VOC AP', 'GT', 'dets'],
      r.classes.map((k) => [
        k.name,
        fmt(k.cocoAP),
        fmt(k.ap11),
        fmt(k.apAll),
        String(k.npos),
        String(k.ndet),
      ]),
      ['left', 'right', 'right', 'right', 'right', 'right'],
    ),
    formatTable(
      ['detections', 'count'],
      [
        ['correct', e.correct],
        ['localisation', e.localisation],
        ['duplicate', e.duplicate],
        ['wrong class', e.wrongClass],
        ['background', e.background],
        ['on crowd/difficult', e.ignored],
        ['missed ground truth', e.missed],
      ].map(([k, v]) => [String(k), String(v)]),
      ['left', 'right'],
    ),
  ].join('\n');
}
