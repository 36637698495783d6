import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import type { FileProblem } from '../../core/detector/batch';
import type { ProviderName } from '../../core/detector/executionProviders';
import { escapeControls as safe } from '../../shared/text/unsafeChars';
import type { DetectJobOutcome } from '../../core/jobs/jobRunner';
import type { DetectJobParams } from '../../shared/jobs/types';
import { EXIT, UsageError } from '../exitCodes';

/** What `detect` runs on, loaded when it runs: `shotbox --help` need not load ONNX Runtime. */
async function detectModules() {
  const [
    batch,
    detector,
    providers,
    coco,
    atomic,
    registry,
    db,
    dip,
    folder,
    project,
    progress,
    jobs,
  ] = await Promise.all([
    import('../../core/detector/batch'),
    import('../../core/detector/detector'),
    import('../../core/detector/executionProviders'),
    import('../../core/formats/cocoDetections'),
    import('../../core/fs/atomicWrite'),
    import('../../core/models/registry'),
    import('../../core/db/projectDb'),
    import('../../core/project/detectIntoProject'),
    import('../../core/project/importFolder'),
    import('./projectFiles'),
    import('../progress'),
    import('../../core/jobs/jobRunner'),
  ]);
  return {
    ...batch,
    ...detector,
    ...providers,
    ...coco,
    ...atomic,
    ...registry,
    ...db,
    ...dip,
    ...folder,
    ...project,
    ...progress,
    ...jobs,
    cliProgress: (await import('cli-progress')).default,
  };
}

interface DetectCliOptions {
  model?: string;
  threshold?: string;
  iou?: string;
  provider?: string;
  out?: string;
  project?: string;
  includeReviewed?: boolean;
  quiet?: boolean;
}

export function registerDetectCommand(program: Command, setExit: (code: number) => void): void {
  program
    .command('detect')
    .description('Detect objects in images and folders (recursive); write COCO JSON.')
    .argument('[inputs...]', 'image files and/or folders (with --project: default all its images)')
    .option(
      '--model <name|path>',
      'registered model name, manifest .json or model .onnx',
      undefined,
    )
    .option('--threshold <score>', "minimum score (default: the model's, 0.5 for the face model)")
    .option('--iou <iou>', "NMS IoU threshold (default: the model's)")
    .option('--provider <list>', 'execution providers to try in order, e.g. cuda,cpu')
    .option('--out <file.json>', 'write COCO JSON here (default: standard output)')
    .option(
      '--project <file.shotbox>',
      'store detections in this project as pending boxes (resumable)',
    )
    .option('--include-reviewed', 'with --project: also run on images already reviewed')
    .option('--quiet', 'no progress bar and no per-file messages')
    .action(async (inputs: string[], opts: DetectCliOptions) => {
      // The worker threads start first, on the other core while this thread loads SQLite and the
      // rest: the image worker loads sharp and the resize kernel, and the model loads in its own
      // (a head start: a resumed job with another model loads that one instead).
      const [{ prewarmInferenceThread }, { prewarmImagePreparer: prewarmPreparer }] =
        await Promise.all([
          import('../../core/detector/inferenceThread'),
          import('../../core/detector/imagePreparer'),
        ]);
      prewarmInferenceThread();
      prewarmPreparer();
      const [early, registry, chain] = await Promise.all([
        import('../../core/detector/detector'),
        import('../../core/models/registry'),
        import('../../core/detector/executionProviders'),
      ]);
      try {
        early.Detector.preload(registry.resolveModel(opts.model), {
          thread: 'worker',
          batch: true,
          ...(opts.provider ? { providers: chain.parseProviderList(opts.provider) } : {}),
        });
      } catch {
        // A bad name or provider list is reported below, in the command's own words.
      }
      const {
        parseProviderList,
        resolveModel,
        collectImageFiles,
        Detector,
        CocoDetectionsBuilder,
        commonRoot,
        readInterruptedDetections,
        cliProgress,
        detectFiles,
        prewarmImagePreparer,
        writeFileAtomic,
      } = await detectModules();
      const scoreThreshold = parseUnit(opts.threshold, '--threshold');
      const iouThreshold = parseUnit(opts.iou, '--iou');
      const providers = opts.provider ? parseProviderList(opts.provider) : undefined;
      if (opts.project) {
        if (opts.out)
          throw new UsageError(
            '--out and --project do not go together: use `shotbox export` for files',
          );
        setExit(
          await detectIntoProjectCli(inputs, opts.project, {
            model: opts.model,
            scoreThreshold,
            iouThreshold,
            providers,
            includeReviewed: opts.includeReviewed,
            quiet: opts.quiet,
          }),
        );
        return;
      }
      if (inputs.length === 0)
        throw new UsageError('give images or folders to detect (or --project)');

      const entry = resolveModel(opts.model);
      // The image worker loads while the folders are walked and the model loads.
      prewarmImagePreparer();
      const collected = await collectImageFiles(inputs);
      const failures: FileProblem[] = [...collected.problems];
      const log = (line: string): void => {
        if (!opts.quiet) process.stderr.write(`${safe(line)}\n`);
      };
      for (const p of collected.problems) log(`skipped ${p.file}: ${p.reason}`);
      if (collected.files.length === 0) {
        process.stderr.write(`shotbox: no images found in ${inputs.join(', ')}\n`);
        setExit(EXIT.failed);
        return;
      }

      // Ctrl+C stops after the image in flight (from here on, model loading included); what was
      // detected so far is still written.
      const interrupt = new AbortController();
      const onSigint = (): void => interrupt.abort();
      process.once('SIGINT', onSigint);
      const root = commonRoot(collected.files);
      const coco = new CocoDetectionsBuilder(entry.manifest.classes, entry.manifest.name, root);
      // What a run's results depend on: an interrupted --out file continues only under the same.
      const settings = JSON.stringify({
        model: entry.manifest.name,
        scoreThreshold: scoreThreshold ?? null,
        iouThreshold: iouThreshold ?? null,
        root,
      });
      let todo = collected.files;
      if (opts.out) {
        const previous = await readInterruptedDetections(opts.out, settings);
        if (previous === 'other') {
          log(
            `${opts.out} was interrupted with other settings (model, thresholds or folder): starting over`,
          );
        } else if (previous) {
          coco.resume(previous);
          todo = todo.filter((f) => !coco.has(f));
          log(
            `continuing ${opts.out}: ${previous.images.length} images done before, ${todo.length} to go`,
          );
        }
      }
      const detector = await Detector.load(entry, {
        thread: 'worker',
        batch: true,
        ...(providers ? { providers } : {}),
      });
      log(
        `model ${entry.manifest.name} on ${detector.provider.toUpperCase()}; ${todo.length} images`,
      );
      const bar =
        process.stderr.isTTY && !opts.quiet
          ? new cliProgress.SingleBar(
              {
                format:
                  ' {bar} {value}/{total} images | {rate} img/s | ETA {eta_formatted} | {failed} failed',
                hideCursor: true,
              },
              cliProgress.Presets.shades_classic,
            )
          : undefined;
      bar?.start(todo.length, 0, { rate: '0.0', failed: 0 });

      const started = performance.now();
      let done = 0;
      let detections = 0;
      try {
        for await (const item of detectFiles(detector, todo, {
          ...(scoreThreshold !== undefined ? { scoreThreshold } : {}),
          ...(iouThreshold !== undefined ? { iouThreshold } : {}),
          signal: interrupt.signal,
        })) {
          done++;
          if (item.ok) {
            coco.addImage(item.file, item.result.width, item.result.height, item.result.detections);
            detections += item.result.detections.length;
          } else {
            failures.push({ file: item.file, reason: item.reason });
            // Erase the bar's line first; the next update redraws it below the message.
            if (bar) process.stderr.write('\r\x1b[K');
            log(`failed ${item.file}: ${item.reason}`);
          }
          const rate = done / ((performance.now() - started) / 1000);
          bar?.update(done, { rate: rate.toFixed(1), failed: failures.length });
        }
      } finally {
        process.off('SIGINT', onSigint);
        bar?.stop();
        await detector.dispose();
      }

      const seconds = (performance.now() - started) / 1000;
      coco.markIncomplete(interrupt.signal.aborted ? settings : undefined);
      const json = JSON.stringify(coco.toJSON(), null, 1);
      if (opts.out) await writeFileAtomic(opts.out, `${json}\n`);
      else process.stdout.write(`${json}\n`);

      const processed = done - (failures.length - collected.problems.length);
      if (failures.length > 0) {
        process.stderr.write(`${failures.length} input(s) could not be processed:\n`);
        for (const f of failures) process.stderr.write(`  ${safe(f.file)}: ${safe(f.reason)}\n`);
      }
      process.stderr.write(
        `detect: ${processed} images, ${detections} detections, ${(done / seconds).toFixed(2)} images/s, ` +
          `${failures.length} failed${opts.out ? ` → ${opts.out}` : ''}\n`,
      );
      if (interrupt.signal.aborted) {
        process.stderr.write(
          `interrupted after ${done} of ${todo.length} images; the results so far were written` +
            (opts.out ? '; run the same command again to continue\n' : '\n'),
        );
        setExit(EXIT.interrupted);
        return;
      }
      setExit(failures.length > 0 ? EXIT.partial : EXIT.ok);
    });
}

function parseUnit(text: string | undefined, name: string): number | undefined {
  if (text === undefined) return undefined;
  const v = Number(text);
  if (!Number.isFinite(v) || v < 0 || v > 1)
    throw new UsageError(`${name} must be a number between 0 and 1, got '${text}'`);
  return v;
}

/**
 * `detect --project`: inputs (if any) are added to the project first, then the model runs over
 * them (or over every image) and each detection is stored as a pending box. Ctrl+C or a kill
 * leaves a run that the same command resumes.
 */
async function detectIntoProjectCli(
  inputs: string[],
  projectFile: string,
  opts: {
    model?: string;
    scoreThreshold?: number;
    iouThreshold?: number;
    providers?: ProviderName[];
    includeReviewed?: boolean;
    quiet?: boolean;
  },
): Promise<number> {
  const {
    ProjectDb,
    imageRootProblem,
    openExistingProject,
    createProgress,
    relativeToRoot,
    Detector,
    resolveModel,
    JobRunner,
  } = await detectModules();
  // Without inputs the project must exist: a typo must not create an empty project. A new
  // project's image root is the first input, which must then be a folder.
  const rootProblem =
    inputs.length > 0 && !existsSync(projectFile) ? imageRootProblem(inputs[0]!) : undefined;
  if (rootProblem)
    throw new UsageError(
      `${rootProblem}; a new project is made from a folder (detect <folder> --project ${projectFile})`,
    );
  const { project, created } =
    inputs.length > 0
      ? ProjectDb.openOrCreate(projectFile, inputs[0]!)
      : { project: openExistingProject(projectFile), created: false };
  const progress = createProgress('images', opts.quiet);
  const interrupt = new AbortController();
  let loaded: Awaited<ReturnType<typeof Detector.load>> | undefined;
  const runner = new JobRunner(project, {
    detector: async (model) => {
      loaded = await Detector.load(resolveModel(model), {
        thread: 'worker',
        batch: true,
        ...(opts.providers ? { providers: opts.providers } : {}),
      });
      progress.log(`model ${loaded.manifest.name} on ${loaded.provider.toUpperCase()}`);
      return loaded;
    },
    onEvent: (e) => {
      if (e.type !== 'progress') return;
      progress.update(
        e.done,
        e.total,
        `${e.phase === 'import' ? '(importing) ' : ''}${e.failed ? `| ${e.failed} failed` : ''}`,
        e,
      );
    },
  });
  // Ctrl+C pauses the job after the image in flight; the same command resumes it.
  const onSigint = (): void => interrupt.abort();
  process.once('SIGINT', onSigint);
  try {
    const jobInputs: string[] = [];
    for (const input of inputs) {
      const abs = path.resolve(input);
      const rel = abs === project.imageRoot ? '' : relativeToRoot(project.imageRoot, abs);
      if (rel === undefined)
        throw new UsageError(`${abs} is outside the project's image root ${project.imageRoot}`);
      jobInputs.push(rel);
    }
    if (inputs.length === 0 && project.images.count() === 0) {
      process.stderr.write('shotbox: the project has no images\n');
      return EXIT.failed;
    }
    const params: DetectJobParams = {
      ...(inputs.length > 0 ? { inputs: jobInputs } : {}),
      ...(opts.model !== undefined ? { model: opts.model } : {}),
      ...(opts.scoreThreshold !== undefined ? { scoreThreshold: opts.scoreThreshold } : {}),
      ...(opts.iouThreshold !== undefined ? { iouThreshold: opts.iouThreshold } : {}),
      ...(opts.includeReviewed ? { includeReviewed: true } : {}),
    };
    const { job, resumed, finished } = runner.startDetect(params);
    if (resumed) progress.log(`resuming job ${job.id} (${job.done} of ${job.total} done before)`);
    interrupt.signal.addEventListener('abort', () => runner.pause(job.id), { once: true });
    let outcome: DetectJobOutcome;
    try {
      outcome = await finished;
    } finally {
      progress.stop();
      await loaded?.dispose();
    }
    if (outcome.imported > 0) progress.log(`added ${outcome.imported} new images to the project`);
    if (project.images.count() === 0) {
      process.stderr.write(
        `shotbox: the project has no images${created ? ' (give a folder to detect)' : ''}\n`,
      );
      return EXIT.failed;
    }
    const record = runner.get(job.id)!;
    for (const f of outcome.failures)
      process.stderr.write(`failed ${safe(f.file)}: ${safe(f.reason)}\n`);
    process.stderr.write(
      `detect: ${outcome.processed} images, ${outcome.detections} detections stored as pending` +
        (outcome.replaced ? ` (replacing ${outcome.replaced} older predictions)` : '') +
        `, ${outcome.merged} merged away (overlapping a box a person decided on)` +
        (outcome.skippedReviewed
          ? `, ${outcome.skippedReviewed} reviewed images skipped (--include-reviewed runs them)`
          : '') +
        (outcome.alreadyDone
          ? `, resumed run ${record.runId} (${outcome.alreadyDone} images already done)`
          : `, run ${record.runId}`) +
        `, ${outcome.failures.length} failed → ${project.file} (job ${job.id})\n`,
    );
    if (outcome.state === 'cancelled') {
      // Only another process (the app's jobs panel) can cancel it: Ctrl+C here pauses.
      process.stderr.write(`cancelled from another process: job ${job.id} will not resume\n`);
      return EXIT.interrupted;
    }
    if (outcome.state !== 'done') {
      process.stderr.write('interrupted: run the same command again to resume\n');
      return EXIT.interrupted;
    }
    return outcome.failures.length > 0 ? EXIT.partial : EXIT.ok;
  } finally {
    process.off('SIGINT', onSigint);
    project.close();
  }
}
