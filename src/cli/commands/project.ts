import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import type { FormatProblem } from '../../core/formats/annotationSet';
import { EXIT, UsageError } from '../exitCodes';
import { formatTable } from '../table';
import { isSplit } from '../../shared/project/splits';
import { escapeControls as safe } from '../../shared/text/unsafeChars';

/** Problems printed in full; the rest are counted (the summary says how many). */
const SHOWN_PROBLEMS = 50;

/** What the project commands run on, loaded when one runs (not for `shotbox --help`). */
async function projectModules() {
  const [files, db, exporter, importer, folder, progress, review] = await Promise.all([
    import('./projectFiles'),
    import('../../core/db/projectDb'),
    import('../../core/project/exportAnnotations'),
    import('../../core/project/importAnnotations'),
    import('../../core/project/importFolder'),
    import('../progress'),
    import('../../core/project/imageReview'),
  ]);
  const [splitFiles, jobs] = await Promise.all([
    import('../../core/formats/splitFiles'),
    import('../../core/jobs/jobRunner'),
  ]);
  return {
    ...files,
    ...db,
    ...exporter,
    ...importer,
    ...folder,
    ...progress,
    ...review,
    ...splitFiles,
    JobRunner: jobs.JobRunner,
    JobError: jobs.JobError,
  };
}

function printProblems(problems: FormatProblem[], quiet: boolean): void {
  if (quiet) return;
  for (const p of problems.slice(0, SHOWN_PROBLEMS))
    process.stderr.write(`${p.severity}: ${safe(p.where)}: ${safe(p.message)}\n`);
  if (problems.length > SHOWN_PROBLEMS)
    process.stderr.write(`… and ${problems.length - SHOWN_PROBLEMS} more\n`);
}

interface ImportOptions {
  project: string;
  annotations?: string;
  format?: string;
  classes?: string;
  asLabels?: boolean;
  replace?: boolean;
  split?: string;
  quiet?: boolean;
}

/** "a.jpg, b.jpg, c.jpg and 3 more": names a list in one line. */
function nameSome(names: readonly string[], shown = 5): string {
  const head = names.slice(0, shown).join(', ');
  return names.length > shown ? `${head} and ${names.length - shown} more` : head;
}

export function registerProjectCommands(program: Command, setExit: (code: number) => void): void {
  program
    .command('import')
    .description(
      'Add a folder of images to a project (created if needed), optionally with their labels.',
    )
    .argument('<folder>', 'image folder (recursive); becomes the image root of a new project')
    .requiredOption('--project <file.shotbox>', 'project file')
    .option(
      '--annotations <path>',
      'labels to import: COCO .json, VOC folder of .xml, YOLO labels folder',
    )
    .option('--format <coco|voc|yolo>', 'format of --annotations (default: guessed from it)')
    .option(
      '--classes <file>',
      'YOLO class list (default: classes.txt / obj.names / data.yaml beside the labels)',
    )
    .option(
      '--as-labels',
      'boxes that carry a score (model predictions) become labels; default: pending predictions',
    )
    .option(
      '--replace',
      "the labels of --annotations replace the project's on every image the file lists (one undoable step); default: merge, keeping the project's box where the file holds the same object elsewhere",
    )
    .option(
      '--split <train|val|test>',
      "the split of every image --annotations names (default: the dataset's own: VOC ImageSets, a COCO file named for its split, YOLO data.yaml)",
    )
    .option('--quiet', 'no progress bar and no per-file messages')
    .action(async (folder: string, opts: ImportOptions) => {
      const {
        resolveAnnotationFormat,
        parseAnnotations,
        AnnotationImportError,
        ProjectDb,
        createProgress,
        importParsedAnnotations,
        replaceRefusal,
        readSplitFiles,
        JobRunner,
        JobError,
        imageRootProblem,
      } = await projectModules();
      if (!existsSync(folder)) throw new UsageError(`folder not found: ${path.resolve(folder)}`);
      // Before the project is opened: a file given as the folder must not create or touch one.
      if (imageRootProblem(folder))
        throw new UsageError(
          `import takes a folder of images, and ${path.resolve(folder)} is a file ` +
            `(its folder: ${path.dirname(path.resolve(folder))}); nothing was changed`,
        );
      if (opts.format && !opts.annotations)
        throw new UsageError('--format describes --annotations: give both');
      if (opts.replace && !opts.annotations)
        throw new UsageError("--replace replaces the project's labels by --annotations: give both");
      if (opts.split !== undefined && !opts.annotations)
        throw new UsageError(
          '--split gives the split of the images --annotations names: give both',
        );
      if (opts.split !== undefined && !isSplit(opts.split))
        throw new UsageError(`--split must be train, val or test, got '${safe(opts.split)}'`);
      const format = opts.annotations
        ? await resolveAnnotationFormat(opts.format, opts.annotations)
        : undefined;
      // Parse first: a broken label file should stop us before anything is written.
      const parsed = format
        ? await parseAnnotations(format, opts.annotations!, opts.classes)
        : undefined;
      if (parsed?.problems.some((p) => p.severity === 'error')) {
        throw new AnnotationImportError(parsed.problems);
      }
      const refusal = parsed && opts.replace ? replaceRefusal(parsed, opts.asLabels) : undefined;
      if (refusal) throw new UsageError(`--replace: ${refusal}`);
      const splits = format
        ? await readSplitFiles(
            format,
            opts.annotations!,
            isSplit(opts.split) ? opts.split : undefined,
          )
        : undefined;
      const { project, created } = ProjectDb.openOrCreate(opts.project, folder);
      let removeEmptyNew = false;
      try {
        const progress = createProgress('files', opts.quiet);
        // The folder phase is an import job (listed by `shotbox jobs`): Ctrl+C pauses it, and the
        // same command continues it, reading nothing already recorded.
        const runner = new JobRunner(project, {
          onEvent: (e) => {
            if (e.type === 'progress') progress.update(e.done, e.total);
          },
        });
        const abs = path.resolve(folder);
        const input = path.relative(project.imageRoot, abs).split(path.sep).join('/');
        const started = performance.now();
        let outcome;
        let interrupted = false;
        const onSigint = (): void => {
          interrupted = true;
          runner.pause(job.id);
        };
        let job: { id: number };
        try {
          const run = runner.startImport({ inputs: [input] });
          job = run.job;
          process.once('SIGINT', onSigint);
          outcome = await run.finished;
        } catch (err) {
          // A folder outside the image root, or another job running: the command fails (exit 1).
          if (err instanceof JobError) throw new Error(err.message, { cause: err });
          throw err;
        } finally {
          process.off('SIGINT', onSigint);
          progress.stop();
        }
        const report = {
          added: outcome.imported,
          alreadyKnown: outcome.alreadyKnown,
          duplicates: outcome.duplicates,
          problems: outcome.failures.map((f) => ({
            file: path.resolve(project.imageRoot, f.file),
            reason: f.reason,
          })),
          seconds: (performance.now() - started) / 1000,
        };
        if (!opts.quiet) {
          for (const p of report.problems)
            process.stderr.write(`skipped ${safe(p.file)}: ${safe(p.reason)}\n`);
          for (const d of report.duplicates) {
            process.stderr.write(
              `note: ${safe(d.file)} has the same content as ${safe(d.of)} (both kept; check for train/test leaks)\n`,
            );
          }
        }
        let labels = '';
        let warnings = 0;
        let skippedBoxes = 0;
        if (parsed && !interrupted) {
          let result;
          try {
            result = importParsedAnnotations(project, parsed, {
              ...(opts.asLabels ? { asLabels: true } : {}),
              ...(splits ? { splits } : {}),
              ...(opts.replace ? { mode: 'replace' as const } : {}),
              source: opts.annotations!,
            });
          } catch (err) {
            // Refused only once the folder is in (the file's images matched none of it): a
            // project this run made goes again, and a message never claims an unchanged project
            // the folder phase added to.
            if (!(err instanceof AnnotationImportError)) throw err;
            removeEmptyNew = created;
            const n = report.added;
            throw new AnnotationImportError(
              err.problems,
              created
                ? 'no project was created'
                : n > 0
                  ? `no label changed (the folder's ${n} new image${n === 1 ? ' was' : 's were'} added)`
                  : 'the project is unchanged',
            );
          }
          printProblems(result.warnings, opts.quiet ?? false);
          warnings = result.warnings.length;
          skippedBoxes = result.skippedBoxes;
          labels =
            `, ${result.boxes} boxes on ${result.images} images` +
            (result.predictions
              ? ` (${result.predictions} with a score stored as pending predictions; --as-labels makes them labels)`
              : '') +
            (result.alreadyPresent ? ` (${result.alreadyPresent} already present)` : '') +
            (result.replacedLabels
              ? `, replacing ${result.replacedLabels} label${result.replacedLabels === 1 ? '' : 's'} (undoable in the app)`
              : '') +
            (result.overlapping
              ? `, ${result.overlapping} not added where the project holds the same object (--replace takes the file's labels)`
              : '') +
            (result.negatives
              ? `, ${result.negatives} image${result.negatives === 1 ? '' : 's'} without objects marked reviewed`
              : '') +
            (result.mergedPredictions
              ? `, ${result.mergedPredictions} pending prediction${result.mergedPredictions === 1 ? '' : 's'} merged into the labels that cover them`
              : '') +
            (result.splits
              ? `, splits from ${safe(result.splits.source)} (${result.splits.set} images set)`
              : '') +
            (skippedBoxes
              ? `, ${skippedBoxes} box${skippedBoxes === 1 ? '' : 'es'} skipped (cannot be used: see the warnings)`
              : '') +
            (warnings ? `, ${warnings} warning(s)` : '');
        }
        process.stderr.write(
          `import: ${report.added} images added, ${report.alreadyKnown} already in the project, ` +
            `${report.duplicates.length} identical to another, ${report.problems.length} unreadable${labels} ` +
            `in ${report.seconds.toFixed(1)} s → ${project.file}${created ? ' (new project)' : ''}\n`,
        );
        if (interrupted) {
          process.stderr.write(
            `interrupted: import job ${job.id} paused; run the same command again to add the rest\n`,
          );
          setExit(EXIT.interrupted);
        } else if (report.added + report.alreadyKnown === 0) {
          // Nothing to label: exit 1 ("nothing could run"), as for detect without images. A
          // project made by this run is removed, so its image root does not trap the next import.
          process.stderr.write(
            `shotbox: no images found in ${path.resolve(folder)}${created ? '; no project was created' : ''}\n`,
          );
          removeEmptyNew = created;
          setExit(EXIT.failed);
        } else
          // Unreadable images and boxes that could not be used are inputs that failed.
          setExit(report.problems.length > 0 || skippedBoxes > 0 ? EXIT.partial : EXIT.ok);
      } finally {
        project.close();
        if (removeEmptyNew)
          for (const suffix of ['', '-wal', '-shm'])
            rmSync(`${project.file}${suffix}`, { force: true });
      }
    });

  program
    .command('export')
    .description("Write a project's labels as COCO JSON, Pascal VOC XML or YOLO txt.")
    .requiredOption('--project <file.shotbox>', 'project file')
    .requiredOption('--format <coco|voc|yolo>', 'output format')
    .requiredOption('--out <path>', 'COCO: a .json file; VOC and YOLO: a folder')
    .option(
      '--only <accepted|all>',
      'accepted: reviewed labels only; all: with pending predictions',
      'accepted',
    )
    .option(
      '--include-unreviewed',
      'also write images whose labels are not settled (not reviewed, no imported labels)',
    )
    .action(
      async (opts: {
        project: string;
        format: string;
        out: string;
        only: string;
        includeUnreviewed?: boolean;
      }) => {
        const { parseFormat, openExistingProject, exportProject, exportTargetProblem } =
          await projectModules();
        const format = parseFormat(opts.format, '--format');
        if (opts.only !== 'accepted' && opts.only !== 'all')
          throw new UsageError(`--only must be accepted or all, got '${opts.only}'`);
        const targetProblem = exportTargetProblem(format, opts.out);
        if (targetProblem) throw new UsageError(`--out ${targetProblem}`);
        const project = openExistingProject(opts.project, { readOnly: true });
        try {
          const summary = await exportProject(project, format, opts.out, {
            only: opts.only,
            ...(opts.includeUnreviewed ? { includeUnreviewed: true } : {}),
          });
          process.stderr.write(
            `export: ${summary.images} images, ${summary.boxes} boxes (${opts.only}) as ${format.toUpperCase()} → ${opts.out}` +
              ` (${summary.files} file${summary.files === 1 ? '' : 's'})\n`,
          );
          if (summary.leftOut.length > 0)
            process.stderr.write(
              `export: left out ${summary.leftOut.length} image${summary.leftOut.length === 1 ? '' : 's'} not reviewed yet ` +
                `(${nameSome(summary.leftOut)}); --include-unreviewed writes them too\n`,
            );
          setExit(EXIT.ok);
        } finally {
          project.close();
        }
      },
    );

  program
    .command('stats')
    .description(
      'Images by state, annotations by class, origin and review state, images not reviewed yet.',
    )
    .requiredOption('--project <file.shotbox>', 'project file')
    .option('--json', 'machine-readable output')
    .action(async (opts: { project: string; json?: boolean }) => {
      const { openExistingProject } = await projectModules();
      const project = openExistingProject(opts.project, { readOnly: true });
      try {
        const s = project.stats();
        if (opts.json) {
          process.stdout.write(
            `${JSON.stringify({ project: project.file, imageRoot: project.imageRoot, ...s }, null, 2)}\n`,
          );
        } else {
          const line = (o: Record<string, number>): string =>
            Object.entries(o)
              .map(([k, v]) => `${k} ${v}`)
              .join(', ');
          process.stdout.write(`Project ${project.file}\nImages in ${project.imageRoot}\n\n`);
          process.stdout.write(`images       ${s.images} (${line(s.imagesByStatus)})\n`);
          process.stdout.write(
            `not reviewed ${s.imagesNeverReviewed} (exports leave these out unless --include-unreviewed)\n`,
          );
          process.stdout.write(`annotations  ${s.annotations}\n`);
          process.stdout.write(`  by origin  ${line(s.byOrigin)}\n`);
          process.stdout.write(`  by review  ${line(s.byReview)}\n`);
          process.stdout.write(`detection runs ${s.runs}\n\n`);
          process.stdout.write(
            formatTable(
              ['class', 'boxes'],
              s.byClass.map((c) => [safe(c.name), String(c.count)]),
              ['left', 'right'],
            ),
          );
        }
        setExit(EXIT.ok);
      } finally {
        project.close();
      }
    });

  program
    .command('review')
    .description(
      'Mark images reviewed (their boxes still pending are rejected; undoable in the app), or reopen them.',
    )
    .argument('<images...>', 'image paths as the project stores them (relative to its image root)')
    .requiredOption('--project <file.shotbox>', 'project file')
    .option('--reopen', 'take the reviewed mark away instead')
    .action(async (names: string[], opts: { project: string; reopen?: boolean }) => {
      const { openExistingProject, markReviewed, reopenImage } = await projectModules();
      const project = openExistingProject(opts.project);
      try {
        const images = names.map((n) => {
          const image = project.images.byPath(n.replace(/\\/g, '/').replace(/^\.\//, ''));
          if (!image) throw new UsageError(`image '${n}' is not in the project`);
          return image;
        });
        for (const image of images) {
          let rejected = 0;
          if (opts.reopen) reopenImage(project, image.id);
          else rejected = markReviewed(project, image.id);
          const state = project.images.get(image.id)!.status;
          process.stderr.write(
            `review: ${image.path} ${state}` +
              (rejected ? ` (${rejected} pending box${rejected === 1 ? '' : 'es'} rejected)` : '') +
              '\n',
          );
        }
        setExit(EXIT.ok);
      } finally {
        project.close();
      }
    });

  program
    .command('relocate')
    .description("Point a project at its images' new folder (after moving them).")
    .requiredOption('--project <file.shotbox>', 'project file')
    .requiredOption('--image-root <dir>', 'the folder that now holds the images')
    .action(async (opts: { project: string; imageRoot: string }) => {
      const { openExistingProject, imageRootProblem } = await projectModules();
      const notAFolder = imageRootProblem(opts.imageRoot);
      if (notAFolder) throw new UsageError(`--image-root ${notAFolder}`);
      const project = openExistingProject(opts.project);
      try {
        const sample = project.images.list({ limit: 20 });
        const missing = sample.filter(
          (i) => !existsSync(path.join(path.resolve(opts.imageRoot), ...i.path.split('/'))),
        );
        if (sample.length > 0 && missing.length === sample.length) {
          throw new UsageError(
            `none of the project's images is under ${path.resolve(opts.imageRoot)} (e.g. ${sample[0]!.path})`,
          );
        }
        project.setImageRoot(opts.imageRoot);
        process.stderr.write(`relocate: images now read from ${project.imageRoot}\n`);
        setExit(EXIT.ok);
      } finally {
        project.close();
      }
    });
}
