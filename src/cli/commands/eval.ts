import type { Command } from 'commander';
import { SPLITS } from '../../shared/project/splits';
import { UsageError } from '../exitCodes';
import { EVAL_SCORE_THRESHOLD, type EvalCliOptions } from './evalOptions';

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
    .option(
      '--project <file.shotbox>',
      "run a model over the project's settled images and score it",
    )
    .option(
      '--model <name|path>',
      'with --project: the model to evaluate (default: the embedded one)',
    )
    .option(
      '--threshold <score>',
      `with --project: minimum detection score (default ${EVAL_SCORE_THRESHOLD})`,
    )
    .option('--provider <list>', 'with --project: execution providers to try in order')
    .option('--split <name>', 'with --project: only the images of this split (train, val, test)')
    .option(
      '--store',
      'with --project: keep the result in the project, as an evaluate job (the app lists it)',
    )
    .option('--json', 'print the numbers as JSON')
    .option('--report <out.html>', 'write a self-contained HTML report with PR curves and tables')
    .option('--quiet', 'no warnings about skipped entries')
    .action(async (opts: EvalCliOptions) => {
      // Loaded when the command runs: `shotbox --help` stays fast.
      const run = await import('./evalRun');
      if (opts.split !== undefined && !(SPLITS as readonly string[]).includes(opts.split))
        throw new UsageError(`--split must be one of ${SPLITS.join(', ')}, got '${opts.split}'`);
      if (opts.split !== undefined && !opts.project)
        throw new UsageError('--split goes with --project');
      if (opts.project) {
        if (opts.gt || opts.dt)
          throw new UsageError(
            '--project evaluates a model on the project; --gt/--dt compare files: use one',
          );
        setExit(await run.evalProject(opts.project, opts));
        return;
      }
      if (opts.model || opts.threshold || opts.provider || opts.store)
        throw new UsageError('--model, --threshold, --provider and --store go with --project');
      if (!opts.gt || !opts.dt)
        throw new UsageError(
          'give --gt <gt.json> and --dt <dets.json>, or --project <file.shotbox>',
        );
      setExit(await run.evalFiles(opts.gt, opts.dt, opts));
    });
}
