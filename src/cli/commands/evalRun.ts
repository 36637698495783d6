import { EvalInputError, type EvalInput } from '../../shared/eval/cocoFiles';
import { evaluateDetections, summaryJson, type EvaluationResult } from '../../shared/eval/evaluate';
import { writeFileAtomic } from '../../core/fs/atomicWrite';
import { readEvalFiles } from '../../core/eval/readEvalFiles';
import { renderEvalReport } from '../../core/eval/htmlReport';
import { Detector } from '../../core/detector/detector';
import { parseProviderList } from '../../core/detector/executionProviders';
import {
  NothingToEvaluateError,
  runProjectEvaluation,
  type ProjectEvaluation,
} from '../../core/eval/projectEvaluation';
import { JobRunner } from '../../core/jobs/jobRunner';
import { assignMissingSplits } from '../../core/project/splits';
import { resolveModel } from '../../core/models/registry';
import { EXIT, UsageError } from '../exitCodes';
import { createProgress } from '../progress';
import { formatTable } from '../table';
import type { Split } from '../../shared/project/splits';
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
  if (input.skipped === 0) return EXIT.ok;
  // Scored without them, as a results file with bad lines is; the exit code tells a script.
  process.stderr.write(
    `eval: ${input.skipped} ${input.skipped === 1 ? 'entry' : 'entries'} of the input could not be read and ${input.skipped === 1 ? 'was' : 'were'} left out${opts.quiet ? '' : ' (named above)'}\n`,
  );
  return EXIT.partial;
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
    const detector = await Detector.load(entry, {
      thread: 'worker',
      batch: true,
      ...(opts.provider ? { providers: parseProviderList(opts.provider) } : {}),
    });
    const about = `${detector.manifest.name} on ${detector.provider.toUpperCase()}`;
    let evaluation: ProjectEvaluation;
    let stored: { evaluationId: number; jobId: number } | undefined;
    try {
      if (opts.store) {
        // Stored results come from an evaluate job, as in the app (the jobs table records it).
        if (split && project.images.splitCounts().none > 0)
          progress.log(
            `assigned splits to ${assignMissingSplits(project).assigned} images (shotbox split changes them)`,
          );
        let announced = false;
        const runner = new JobRunner(project, {
          detector: async () => detector,
          onEvent: (e) => {
            if (e.type !== 'progress') return;
            if (!announced) {
              announced = true;
              progress.log(
                `evaluating ${about} over ${e.total} settled images (score ≥ ${scoreThreshold})`,
              );
            }
            progress.update(e.done, e.total, e.failed ? `| ${e.failed} failed` : '', e);
          },
        });
        interrupt.signal.addEventListener('abort', () => {
          for (const j of runner.list(1)) runner.cancel(j.id);
        });
        const { job, finished } = runner.startEvaluate({
          ...(opts.model !== undefined ? { model: opts.model } : {}),
          ...(split ? { split } : {}),
          scoreThreshold,
        });
        const outcome = await finished;
        if (outcome.result && outcome.evaluationId !== undefined)
          stored = { evaluationId: outcome.evaluationId, jobId: job.id };
        evaluation = {
          input: {
            images: outcome.processed,
            failures: outcome.failures,
            unlabelledClasses: [],
            interrupted: !outcome.result,
            dataset: { imageIds: [], categories: [], groundTruth: [], detections: [] },
          },
          result: outcome.result ?? null,
        };
      } else {
        evaluation = await runProjectEvaluation(project, detector, {
          scoreThreshold,
          ...(split ? { split } : {}),
          signal: interrupt.signal,
          onStart: ({ settled, assignedSplits }) => {
            if (assignedSplits)
              progress.log(
                `assigned splits to ${assignedSplits} images (shotbox split changes them)`,
              );
            progress.log(
              `evaluating ${about} over ${settled} settled images (score ≥ ${scoreThreshold})`,
            );
          },
          onProgress: (done, total, failed) =>
            progress.update(done, total, failed ? `| ${failed} failed` : ''),
        });
      }
    } catch (err) {
      if (err instanceof NothingToEvaluateError) {
        process.stderr.write(`shotbox: ${err.message}\n`);
        return EXIT.failed;
      }
      throw err;
    } finally {
      progress.stop();
      await detector.dispose();
    }
    const { input, result } = evaluation;
    for (const f of input.failures) process.stderr.write(`failed ${f.file}: ${f.reason}\n`);
    if (!result) {
      process.stderr.write('interrupted: nothing was evaluated\n');
      return EXIT.interrupted;
    }
    if (!opts.quiet)
      for (const name of input.unlabelledClasses)
        process.stderr.write(
          `note: the project has no labels of the model's class '${name}': its detections count, but it has no AP\n`,
        );
    await writeOutputs(result, opts, {
      title: `model ${entry.manifest.name} on ${project.file} (${input.images} settled images${split ? `, ${split} split` : ''})`,
    });
    if (stored)
      process.stderr.write(
        `stored as evaluation ${stored.evaluationId} (job ${stored.jobId}) in ${project.file}\n`,
      );
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
