import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { ProjectDb, type OpenProjectOptions } from '../../core/db/projectDb';
import type {
  AnnotationFormat,
  FormatProblem,
  ParseResult,
} from '../../core/formats/annotationSet';
import { parseCoco } from '../../core/formats/coco';
import { parseVoc } from '../../core/formats/voc';
import { parseYolo } from '../../core/formats/yolo';
import { exportProject } from '../../core/project/exportAnnotations';
import {
  AnnotationImportError,
  importParsedAnnotations,
} from '../../core/project/importAnnotations';
import { importFolder } from '../../core/project/importFolder';
import { EXIT, UsageError } from '../exitCodes';
import { createProgress } from '../progress';
import { formatTable } from '../table';
import { escapeControls as safe } from '../../shared/text/unsafeChars';

const FORMATS: AnnotationFormat[] = ['coco', 'voc', 'yolo'];
/** Problems printed in full; the rest are counted (the summary says how many). */
const SHOWN_PROBLEMS = 50;

function parseFormat(text: string | undefined, option: string): AnnotationFormat {
  if (!text || !(FORMATS as string[]).includes(text)) {
    throw new UsageError(
      `${option} must be one of ${FORMATS.join(', ')}${text ? `, got '${text}'` : ''}`,
    );
  }
  return text as AnnotationFormat;
}

export function openExistingProject(file: string, options: OpenProjectOptions = {}): ProjectDb {
  if (!existsSync(file)) {
    throw new UsageError(
      `project ${path.resolve(file)} does not exist (create it with \`shotbox import <folder> --project ${file}\`)`,
    );
  }
  const project = ProjectDb.open(file, options);
  // A read-only command still runs on a damaged file (what can be read is shown), but says so.
  if (project.damaged) process.stderr.write(`warning: ${safe(project.readOnlyReason ?? '')}\n`);
  return project;
}

export async function parseAnnotations(
  format: AnnotationFormat,
  source: string,
  classesFile?: string,
): Promise<ParseResult> {
  if (!existsSync(source)) throw new UsageError(`annotations not found: ${path.resolve(source)}`);
  if (format === 'coco') return parseCoco(source);
  if (format === 'voc') return parseVoc(source);
  return parseYolo(source, classesFile ? { classesFile } : {});
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
  quiet?: boolean;
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
    .option('--format <coco|voc|yolo>', 'format of --annotations')
    .option(
      '--classes <file>',
      'YOLO class list (default: classes.txt / obj.names / data.yaml beside the labels)',
    )
    .option('--quiet', 'no progress bar and no per-file messages')
    .action(async (folder: string, opts: ImportOptions) => {
      if (!existsSync(folder)) throw new UsageError(`folder not found: ${path.resolve(folder)}`);
      const format = opts.annotations ? parseFormat(opts.format, '--format') : undefined;
      // Parse first: a broken label file should stop us before anything is written.
      const parsed = format
        ? await parseAnnotations(format, opts.annotations!, opts.classes)
        : undefined;
      if (parsed?.problems.some((p) => p.severity === 'error')) {
        throw new AnnotationImportError(parsed.problems);
      }
      const { project, created } = ProjectDb.openOrCreate(opts.project, folder);
      try {
        const progress = createProgress('files', opts.quiet);
        const interrupt = new AbortController();
        const onSigint = (): void => interrupt.abort();
        process.once('SIGINT', onSigint);
        let report;
        try {
          report = await importFolder(project, folder, {
            signal: interrupt.signal,
            onProgress: (done, total) => progress.update(done, total),
          });
        } finally {
          process.off('SIGINT', onSigint);
          progress.stop();
        }
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
        if (parsed && !interrupt.signal.aborted) {
          const result = importParsedAnnotations(project, parsed);
          printProblems(result.warnings, opts.quiet ?? false);
          warnings = result.warnings.length;
          labels =
            `, ${result.boxes} boxes on ${result.images} images` +
            (result.alreadyPresent ? ` (${result.alreadyPresent} already present)` : '') +
            (warnings ? `, ${warnings} warning(s)` : '');
        }
        process.stderr.write(
          `import: ${report.added} images added, ${report.alreadyKnown} already in the project, ` +
            `${report.duplicates.length} identical to another, ${report.problems.length} unreadable${labels} ` +
            `in ${report.seconds.toFixed(1)} s → ${project.file}${created ? ' (new project)' : ''}\n`,
        );
        if (interrupt.signal.aborted) {
          process.stderr.write('interrupted: run the same command again to add the rest\n');
          setExit(EXIT.interrupted);
        } else setExit(report.problems.length > 0 ? EXIT.partial : EXIT.ok);
      } finally {
        project.close();
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
    .action(async (opts: { project: string; format: string; out: string; only: string }) => {
      const format = parseFormat(opts.format, '--format');
      if (opts.only !== 'accepted' && opts.only !== 'all')
        throw new UsageError(`--only must be accepted or all, got '${opts.only}'`);
      const project = openExistingProject(opts.project, { readOnly: true });
      try {
        const summary = await exportProject(project, format, opts.out, opts.only);
        process.stderr.write(
          `export: ${summary.images} images, ${summary.boxes} boxes (${opts.only}) as ${format.toUpperCase()} → ${opts.out}` +
            ` (${summary.files} file${summary.files === 1 ? '' : 's'})\n`,
        );
        setExit(EXIT.ok);
      } finally {
        project.close();
      }
    });

  program
    .command('stats')
    .description('Images, annotations by class, origin and review state, images never reviewed.')
    .requiredOption('--project <file.shotbox>', 'project file')
    .option('--json', 'machine-readable output')
    .action((opts: { project: string; json?: boolean }) => {
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
          process.stdout.write(`never reviewed ${s.imagesNeverReviewed}\n`);
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
    .command('relocate')
    .description("Point a project at its images' new folder (after moving them).")
    .requiredOption('--project <file.shotbox>', 'project file')
    .requiredOption('--image-root <dir>', 'the folder that now holds the images')
    .action((opts: { project: string; imageRoot: string }) => {
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
