import type { Command } from 'commander';
import { EvalInputError, type EvalInput } from '../../shared/eval/cocoFiles';
import { evaluateDetections, summaryJson, type EvaluationResult } from '../../shared/eval/evaluate';
import { writeFileAtomic } from '../../core/fs/atomicWrite';
import { readEvalFiles } from '../../core/eval/readEvalFiles';
import { renderEvalReport } from '../../core/eval/htmlReport';
import { EXIT, UsageError } from '../exitCodes';
import { formatTable } from '../table';

interface EvalCliOptions {
  gt?: string;
  dt?: string;
  project?: string;
  model?: string;
  split?: string;
  json?: boolean;
  report?: string;
  quiet?: boolean;
}

export function registerEvalCommand(program: Command, setExit: (code: number) => void): void {
  program
    .command('eval')
    .description(
      'Evaluate detections against ground truth: COCO AP (as pycocotools), VOC AP at IoU 0.5, per class.',
    )
    .option('--gt <gt.json>', 'COCO ground-truth file')
    .option(
      '--dt <dets.json>',
      'detections: a COCO results list or the output of `shotbox detect --out`',
    )
    .option('--json', 'print the numbers as JSON')
    .option('--report <out.html>', 'write a self-contained HTML report with PR curves and tables')
    .option('--quiet', 'no warnings about skipped entries')
    .action(async (opts: EvalCliOptions) => {
      if (opts.split !== undefined)
        throw new UsageError('--split is not available yet (splits come with a later version)');
      if (!opts.gt || !opts.dt)
        throw new UsageError('give both --gt <gt.json> and --dt <dets.json>');
      let input: EvalInput;
      try {
        input = await readEvalFiles(opts.gt, opts.dt);
      } catch (err) {
        if (err instanceof EvalInputError) {
          process.stderr.write(`shotbox: ${err.message}\n`);
          setExit(EXIT.failed);
          return;
        }
        throw err;
      }
      if (!opts.quiet) for (const w of input.warnings) process.stderr.write(`warning: ${w}\n`);
      const result = evaluateDetections(input.dataset);
      await writeOutputs(result, opts, {
        title: `${opts.dt} against ${opts.gt}`,
      });
      setExit(EXIT.ok);
    });
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
