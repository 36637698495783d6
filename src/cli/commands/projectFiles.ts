import { existsSync } from 'node:fs';
import path from 'node:path';
import { ProjectDb, type OpenProjectOptions } from '../../core/db/projectDb';
import type { AnnotationFormat, ParseResult } from '../../core/formats/annotationSet';
import { FORMAT_NAMES, sniffFormat } from '../../core/formats/sniffFormat';
import { escapeControls as safe } from '../../shared/text/unsafeChars';
import { UsageError } from '../exitCodes';

/**
 * Project files and label files as the commands open them (loaded by each command's action, so
 * `shotbox --help` does not load SQLite and the parsers).
 */

export const FORMATS: AnnotationFormat[] = ['coco', 'voc', 'yolo'];

export function parseFormat(text: string | undefined, option: string): AnnotationFormat {
  if (!text || !(FORMATS as string[]).includes(text)) {
    throw new UsageError(
      `${option} must be one of ${FORMATS.join(', ')}${text ? `, got '${text}'` : ''}`,
    );
  }
  return text as AnnotationFormat;
}

/**
 * The format of `--annotations`: the one given, checked against what the path holds (a VOC
 * folder given as COCO gets a plain message, not a JSON syntax error), or the one it holds.
 */
export async function resolveAnnotationFormat(
  given: string | undefined,
  source: string,
): Promise<AnnotationFormat> {
  if (!existsSync(source)) throw new UsageError(`annotations not found: ${path.resolve(source)}`);
  const sniffed = await sniffFormat(source);
  if (given === undefined) {
    if ('format' in sniffed) return sniffed.format;
    throw new UsageError(
      `cannot tell the format of ${source} (${sniffed.unknown}): give --format ${FORMATS.join('|')}`,
    );
  }
  const format = parseFormat(given, '--format');
  if ('format' in sniffed && sniffed.format !== format) {
    throw new UsageError(
      `${source} holds ${FORMAT_NAMES[sniffed.format]}, not ${FORMAT_NAMES[format]}: ` +
        `use --format ${sniffed.format} (or leave --format out)`,
    );
  }
  return format;
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
  // The parsers (and the XML parser under VOC) load here: most commands that open a project,
  // `detect --project` among them, never parse a label file.
  if (format === 'coco') return (await import('../../core/formats/coco')).parseCoco(source);
  if (format === 'voc') return (await import('../../core/formats/voc')).parseVoc(source);
  const { parseYolo } = await import('../../core/formats/yolo');
  return parseYolo(source, classesFile ? { classesFile } : {});
}
