import path from 'node:path';
import type { Command } from 'commander';
import type { TrainJob } from '../../shared/training/protocol';
import { EXIT, UsageError } from '../exitCodes';

import { TRAIN_DEFAULTS } from '../../shared/training/defaults';

export { TRAIN_DEFAULTS };

interface TrainCliOptions {
  project: string;
  base: string;
  out: string;
  epochs?: string;
  mode: string;
  split?: string;
  augment: boolean;
  augmentedViews?: string;
  backend?: string;
  maxImages?: string;
  quiet?: boolean;
}

export function registerTrainCommand(program: Command, setExit: (code: number) => void): void {
  program
    .command('train')
    .description(
      'Fine-tune a model on the project’s settled labels in a worker process; writes <name>.onnx and <name>.json.',
    )
    .requiredOption('--project <file.shotbox>', 'project file')
    .option('--base <model>', 'model to start from', 'ssd-mobilenetv1-face')
    .requiredOption('--out <dir/name.json>', 'manifest to write (the ONNX file goes beside it)')
    .option('--epochs <n>', `epochs (default ${TRAIN_DEFAULTS.epochs})`)
    .option(
      '--mode <heads|extras|full>',
      'what is trained: heads (box and class predictors), extras (also the SSD extra layers), full (the whole network; needs @tensorflow/tfjs-node or -node-gpu)',
      TRAIN_DEFAULTS.mode,
    )
    .option('--split <train>', 'training split (the stored val split validates; test is kept out)')
    .option('--no-augment', 'train without the paper’s augmentation (not even the mirror)')
    .option(
      '--augmented-views <n>',
      `SSD-augmented views per image, computed once, besides the image and its mirror (default ${TRAIN_DEFAULTS.augmentedViews})`,
    )
    .option(
      '--backend <list>',
      'tfjs backends to try in order (tensorflow-gpu,tensorflow,wasm,cpu)',
    )
    .option('--max-images <n>', 'use at most n training images (quick trials)')
    .option('--quiet', 'no progress bar')
    .action(async (opts: TrainCliOptions) => {
      setExit(await train(opts));
    });
}

function positiveInt(
  text: string | undefined,
  flag: string,
  fallback?: number,
): number | undefined {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0)
    throw new UsageError(`${flag} must be a positive integer, got '${text}'`);
  return n;
}

function nonNegativeInt(text: string | undefined, flag: string, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 32)
    throw new UsageError(`${flag} must be an integer from 0 to 32, got '${text}'`);
  return n;
}

/** Why `--mode full` cannot run here (no native tfjs backend), or null when it can. */
async function fullModeRefusal(): Promise<string | null> {
  const { fullModeAvailability } = await import('../../core/training/fullModeSupport');
  const support = fullModeAvailability();
  return support.available ? null : support.reason;
}

async function train(opts: TrainCliOptions): Promise<number> {
  // Loaded when training runs, not for `shotbox --help`.
  const [
    { spawnTrainer },
    { checkpointDir },
    { parseTfBackendList },
    { NO_AUGMENTATION, PAPER_AUGMENTATION },
    { createProgress },
    { openExistingProject },
  ] = await Promise.all([
    import('../../core/training/spawnTrainer'),
    import('../../core/training/trainRun'),
    import('../../core/training/tfBackend'),
    import('../../shared/training/augment'),
    import('../progress'),
    import('./projectFiles'),
  ]);
  if (opts.mode === 'full') {
    const refusal = await fullModeRefusal();
    if (refusal) throw new UsageError(refusal);
  }
  if (opts.mode !== 'heads' && opts.mode !== 'extras' && opts.mode !== 'full')
    throw new UsageError(`--mode must be heads, extras or full, got '${opts.mode}'`);
  const mode = opts.mode;
  if (opts.split !== undefined && opts.split !== 'train')
    throw new UsageError(`--split must be 'train' (val validates, test is left for evaluation)`);
  if (!opts.out.endsWith('.json'))
    throw new UsageError(`--out must name the manifest, <dir>/<name>.json`);
  // Fail on a missing project here, with the usual message, not inside the worker; training reads
  // the stored splits, so images without one get it first (and the person is told).
  const { ensureSplits } = await import('../../core/training/ensureSplits');
  const opened = openExistingProject(opts.project);
  try {
    const note = ensureSplits(opened);
    if (note) process.stderr.write(`train: ${note}\n`);
  } finally {
    opened.close();
  }
  const job: TrainJob = {
    projectFile: path.resolve(opts.project),
    base: opts.base,
    out: path.resolve(opts.out),
    settings: {
      epochs: positiveInt(opts.epochs, '--epochs', TRAIN_DEFAULTS.epochs)!,
      mode,
      batchSize: TRAIN_DEFAULTS.batchSize,
      learningRate: TRAIN_DEFAULTS.learningRate,
      patience: TRAIN_DEFAULTS.patience,
      valFraction: TRAIN_DEFAULTS.valFraction,
      seed: TRAIN_DEFAULTS.seed,
      augmentation: opts.augment ? PAPER_AUGMENTATION : NO_AUGMENTATION,
      augmentedViews: opts.augment
        ? nonNegativeInt(opts.augmentedViews, '--augmented-views', TRAIN_DEFAULTS.augmentedViews)
        : 0,
      averageDecay: TRAIN_DEFAULTS.averageDecay,
      ...(opts.maxImages ? { maxImages: positiveInt(opts.maxImages, '--max-images')! } : {}),
    },
    ...(opts.backend ? { backends: parseTfBackendList(opts.backend) } : {}),
  };
  const progress = createProgress('steps', opts.quiet);
  let lastMap = '–';
  const handle = spawnTrainer(job, (m) => {
    if (m.type === 'backend') progress.log(`tfjs backend: ${m.description}`);
    else if (m.type === 'log') progress.log(m.message);
    else if (m.type === 'step') {
      progress.update(
        (m.epoch - 1) * m.steps + m.step,
        job.settings.epochs * m.steps,
        `| epoch ${m.epoch}/${job.settings.epochs} | loss ${m.loss.toFixed(3)} (loc ${m.loc.toFixed(3)}, conf ${m.conf.toFixed(3)}) | val mAP ${lastMap}`,
      );
    } else if (m.type === 'epoch') {
      const r = m.report;
      lastMap = r.valMap.toFixed(3);
      progress.log(
        `epoch ${r.epoch}/${r.epochs}: train loss ${r.trainLoss.toFixed(3)}, val AP@0.5 ${r.valMap.toFixed(3)} (best ${r.bestMap.toFixed(3)} at epoch ${r.bestEpoch}), ${r.seconds.toFixed(0)} s`,
      );
    }
  });
  let interrupts = 0;
  const onSigint = (): void => {
    interrupts++;
    if (interrupts === 1) {
      progress.log(
        'stopping after this step (Ctrl+C again to stop now; the last checkpoint stays)',
      );
      handle.cancel();
    } else handle.kill();
  };
  process.on('SIGINT', onSigint);
  try {
    const done = await handle.finished;
    progress.stop();
    const where = done.manifestPath ? ` → ${done.manifestPath}` : '';
    const verdict =
      done.status === 'cancelled'
        ? `stopped after epoch ${done.epochsDone}; run the same command to resume (checkpoint in ${checkpointDir(job.out)})`
        : done.status === 'early-stopped'
          ? `stopped early after epoch ${done.epochsDone} (no better val AP for ${job.settings.patience} epochs)`
          : `done: ${done.epochsDone} epochs`;
    process.stderr.write(
      `train: ${verdict}; best val AP@0.5 ${done.bestMap < 0 ? '–' : done.bestMap.toFixed(3)} at epoch ${done.bestEpoch}${where}\n`,
    );
    return done.status === 'cancelled' ? EXIT.interrupted : EXIT.ok;
  } catch (err) {
    progress.stop();
    process.stderr.write(`shotbox: train: ${(err as Error).message}\n`);
    return EXIT.failed;
  } finally {
    process.off('SIGINT', onSigint);
  }
}
