/**
 * Helpers shared by the annotation parsers and exporters (coco.ts, voc.ts, yolo.ts): problem
 * collection, strict number parsing, safe relative paths, file listing and reading.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { core as zcore } from 'zod';
import type { FileEntry } from '../fs/atomicWrite';
import type { ExportImage, FormatProblem } from './annotationSet';
import { decodeTextBytes, type TextBytesResult } from './textDecoding';

/** Problems kept in full; the rest are counted in one final "and N more" problem. */
export const MAX_PROBLEMS = 200;

/** Largest coordinate or size accepted (pixels); anything bigger is a broken file. */
export const MAX_COORDINATE = 1e7;

/** Collects problems in order, keeping the first MAX_PROBLEMS and counting the others. */
export class ProblemList {
  private readonly kept: FormatProblem[] = [];
  private droppedErrors = 0;
  private droppedWarnings = 0;
  private droppedSkippedBoxes = 0;
  private errorCount = 0;

  /** @param summaryWhere where the "and N more" entry points: the file or folder parsed. */
  constructor(private readonly summaryWhere = '') {}

  error(where: string, message: string): void {
    this.errorCount++;
    this.add({ severity: 'error', where, message });
  }

  warning(where: string, message: string): void {
    this.add({ severity: 'warning', where, message });
  }

  /** A warning that leaves `boxes` boxes of the file out (see FormatProblem.skippedBoxes). */
  skippedBoxes(where: string, message: string, boxes = 1): void {
    this.add({ severity: 'warning', where, message, skippedBoxes: boxes });
  }

  get hasErrors(): boolean {
    return this.errorCount > 0;
  }

  /** The problems, capped; the summary entry is an error if any dropped one was. */
  toArray(): FormatProblem[] {
    const dropped = this.droppedErrors + this.droppedWarnings;
    if (dropped === 0) return [...this.kept];
    const summary: FormatProblem = {
      severity: this.droppedErrors > 0 ? 'error' : 'warning',
      where: this.summaryWhere,
      message: `and ${count(dropped, 'more problem')} (${count(this.droppedErrors, 'error')}, ${count(this.droppedWarnings, 'warning')}) not listed`,
      ...(this.droppedSkippedBoxes > 0 ? { skippedBoxes: this.droppedSkippedBoxes } : {}),
    };
    return [...this.kept, summary];
  }

  private add(problem: FormatProblem): void {
    if (this.kept.length < MAX_PROBLEMS) this.kept.push(problem);
    else if (problem.severity === 'error') this.droppedErrors++;
    else {
      this.droppedWarnings++;
      this.droppedSkippedBoxes += problem.skippedBoxes ?? 0;
    }
  }
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * Parses a plain decimal number ("12", "-3.5", "1e-3"); undefined for anything else, including
 * "NaN", "Infinity", hex and empty text. Number() alone accepts too much ("", "0x10").
 */
export function parseDecimal(text: string): number | undefined {
  if (!DECIMAL.test(text)) return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}

/** Parses a decimal within ±MAX_COORDINATE, or says what is wrong with it. */
export function parseCoordinate(text: string): { value: number } | { problem: string } {
  const value = parseDecimal(text);
  if (value === undefined) {
    return { problem: `${quote(text)} is not a number` };
  }
  if (Math.abs(value) > MAX_COORDINATE) {
    return { problem: `${text} is out of range (larger than ${MAX_COORDINATE})` };
  }
  return { value };
}

/** A value shown in a message: strings quoted and shortened, others as JSON. */
export function quote(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = typeof value === 'string' ? JSON.stringify(value) : safeJson(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function safeJson(value: unknown): string {
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/**
 * Checks a file name taken from an annotation file and returns it as a clean relative path with
 * forward slashes ("./a\\b.jpg" → "a/b.jpg"). Names that could reach outside the image root
 * (absolute, drive letter, "..", NUL) are refused: the importer joins them to the root.
 */
export function checkRelativePath(name: string): { path: string } | { problem: string } {
  if (name.includes('\0')) return { problem: 'file name contains a NUL character' };
  // Windows tools write backslashes; a backslash in a real file name is rarer than that.
  const slashed = name.replace(/\\/g, '/');
  if (slashed.trim() === '') return { problem: 'file name is empty' };
  if (slashed.startsWith('/')) return { problem: `absolute path ${quote(name)} refused` };
  if (/^[A-Za-z]:/.test(slashed)) {
    return { problem: `path with a drive letter ${quote(name)} refused` };
  }
  const segments = slashed.split('/');
  if (segments.includes('..')) {
    return { problem: `path with ".." ${quote(name)} refused (it could leave the image folder)` };
  }
  const clean = segments.filter((s) => s !== '' && s !== '.').join('/');
  if (clean === '') return { problem: `file name ${quote(name)} names no file` };
  return { path: clean };
}

/** The root of an absolute image reference, forward-slashed: `/` or a drive's `C:/`. */
const ABSOLUTE_REFERENCE = /^(?:[A-Za-z]:)?\//;

/** True for an image reference (forward slashes) that is absolute: `/data/a.jpg`, `C:/a.jpg`. */
export function isAbsoluteReference(slashed: string): boolean {
  return ABSOLUTE_REFERENCE.test(slashed);
}

/**
 * A file name taken from an annotation file as the importer looks it up among the project's
 * images (src/core/project/imageMatch.ts): forward slashes, empty and "." segments dropped, and
 * absolute paths, drive letters and ".." kept, since other tools write them (Label Studio's
 * `/data/upload/1/a.jpg`, a Windows `C:\data\a.jpg`) and the name is compared, never opened.
 * Only a name that names nothing (empty, a NUL character) is a problem.
 */
export function checkImageReference(name: string): { path: string } | { problem: string } {
  if (name.includes('\0')) return { problem: 'file name contains a NUL character' };
  const slashed = name.replace(/\\/g, '/');
  if (slashed.trim() === '') return { problem: 'file name is empty' };
  const root = ABSOLUTE_REFERENCE.exec(slashed)?.[0] ?? '';
  const segments = slashed
    .slice(root.length)
    .split('/')
    .filter((s) => s !== '' && s !== '.');
  if (segments.length === 0) return { problem: `file name ${quote(name)} names no file` };
  return { path: root + segments.join('/') };
}

/** Same check for exporters, where a bad path is a bug in the caller. */
export function assertRelativePath(name: string): string {
  const checked = checkRelativePath(name);
  if ('problem' in checked)
    throw new Error(`export: image path ${quote(name)}: ${checked.problem}`);
  return checked.path;
}

/** "sub/a.b.jpg" → "sub/a.b". */
export function withoutExtension(posixPath: string): string {
  const ext = path.posix.extname(posixPath);
  return ext === '' ? posixPath : posixPath.slice(0, -ext.length);
}

/** Relative path with forward slashes, for messages and ParsedImage.file. */
export function toPosixRelative(from: string, to: string): string {
  return path.relative(from, to).split(path.sep).join('/');
}

export function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/**
 * Reads a text file (BOM removed), its bytes decoded by `decode` (UTF-8, or UTF-16 by its BOM;
 * the VOC reader passes XML's rule). Reports unreadable and undecodable files, and empty ones
 * unless `allowEmpty` (an empty YOLO label file is a valid image without boxes).
 */
export async function readTextFile(
  file: string,
  where: string,
  problems: ProblemList,
  allowEmpty = false,
  decode: (bytes: Uint8Array) => TextBytesResult = decodeTextBytes,
): Promise<string | undefined> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (err) {
    problems.error(where, `cannot read the file: ${errorMessage(err)}`);
    return undefined;
  }
  const decoded = decode(bytes);
  if ('problem' in decoded) {
    problems.error(
      decoded.line !== undefined ? `${where}:${decoded.line}` : where,
      decoded.problem,
    );
    return undefined;
  }
  const text = stripBom(decoded.text);
  if (!allowEmpty && text.trim() === '') {
    problems.error(where, 'the file is empty');
    return undefined;
  }
  return text;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export type PathKind = 'file' | 'directory' | 'missing' | 'other';

export async function pathKind(p: string): Promise<PathKind> {
  try {
    const s = await stat(p);
    if (s.isFile()) return 'file';
    if (s.isDirectory()) return 'directory';
    return 'other';
  } catch {
    return 'missing';
  }
}

/**
 * Files under `dir` (recursively) whose name ends with `ext` (case-insensitive), sorted.
 * Hidden files and folders (".name") are skipped: macOS "._a.xml" forks, temp files.
 */
export async function listFiles(dir: string, ext: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (current: string): Promise<void> => {
    const entries = await readdir(current, { withFileTypes: true });
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile() && entry.name.toLowerCase().endsWith(ext)) found.push(full);
    }
  };
  await walk(dir);
  return found.sort(compareCodePoints);
}

export function compareCodePoints(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** "annotations[3].bbox[2]" from a zod issue path. */
export function formatIssuePath(prefix: string, issuePath: readonly PropertyKey[]): string {
  let out = prefix;
  for (const key of issuePath) {
    out += typeof key === 'number' ? `[${key}]` : `.${String(key)}`;
  }
  return out;
}

/** Short, user-facing text for a zod issue (parsed with `reportInput: true`). */
export function describeIssue(issue: zcore.$ZodIssue): string {
  const input = 'input' in issue ? issue.input : undefined;
  switch (issue.code) {
    case 'invalid_type':
      if (input === undefined) return 'missing required field';
      if (typeof input === 'number' && !Number.isFinite(input)) {
        return `${input} is not a finite number`;
      }
      return `expected ${issue.expected === 'int' ? 'an integer' : issue.expected}, got ${quote(input)}`;
    case 'too_big':
    case 'too_small':
      if (issue.origin === 'array') {
        const n = Array.isArray(input) ? input.length : '?';
        return `expected ${issue.code === 'too_big' ? 'at most' : 'at least'} ${describeBound(issue)} items, got ${n}`;
      }
      if (issue.origin === 'string') return 'must not be empty';
      return `${quote(input)} is out of range (${issue.code === 'too_big' ? 'maximum' : 'minimum'} ${describeBound(issue)})`;
    case 'invalid_union':
      return `unexpected value ${quote(input)}`;
    default:
      return issue.message;
  }
}

function describeBound(issue: zcore.$ZodIssueTooBig | zcore.$ZodIssueTooSmall): string {
  const bound = issue.code === 'too_big' ? issue.maximum : issue.minimum;
  return String(bound);
}

/** Throws if a class list cannot be exported without changing class indices. */
export function assertExportableClasses(classes: readonly string[]): void {
  classes.forEach((name, i) => {
    if (name.trim() === '') throw new Error(`export: class ${i} has an empty name`);
    if (/[\r\n]/.test(name))
      throw new Error(`export: class ${i} ${quote(name)} contains a line break`);
  });
}

/** Decimals of pixel coordinates in files (COCO, VOC, detect --out): 1/10000 of a pixel. */
export const PIXEL_DECIMALS = 4;

/** A pixel coordinate as files carry it: to PIXEL_DECIMALS, no float noise (10.3, not 10.300000000000001). */
export function roundPixels(v: number): number {
  const scale = 10 ** PIXEL_DECIMALS;
  return Math.round(v * scale) / scale;
}

/** Throws if a box cannot be exported: bad class index or non-finite numbers (caller bugs). */
export function assertExportableBox(
  file: string,
  classCount: number,
  box: { classIndex: number; x1: number; y1: number; x2: number; y2: number },
): void {
  if (!Number.isInteger(box.classIndex) || box.classIndex < 0 || box.classIndex >= classCount) {
    throw new Error(
      `export: ${file}: class index ${box.classIndex} is not in 0..${classCount - 1}`,
    );
  }
  for (const v of [box.x1, box.y1, box.x2, box.y2]) {
    if (!Number.isFinite(v)) throw new Error(`export: ${file}: box coordinate ${v} is not finite`);
  }
}

export function assertExportableSize(file: string, width: number, height: number): void {
  if (!(Number.isFinite(width) && width > 0 && Number.isFinite(height) && height > 0)) {
    throw new Error(`export: ${file}: image size ${width}x${height} is not positive`);
  }
}

/**
 * Maps each image to its output file and throws when two images would share one
 * ("a.jpg" and "a.png" both → "a.txt"), compared case-insensitively because Windows and macOS
 * file systems are: one would silently overwrite the other.
 */
export function outputPathsWithoutCollision(
  files: readonly string[],
  toOutput: (file: string) => string,
): string[] {
  const seen = new Map<string, string>();
  return files.map((file) => {
    const out = toOutput(assertRelativePath(file));
    const key = out.toLowerCase();
    const other = seen.get(key);
    if (other !== undefined) {
      throw new Error(
        `export: ${quote(other)} and ${quote(file)} would both be written to ${quote(out)}; rename one of the images`,
      );
    }
    seen.set(key, file);
    return out;
  });
}

/**
 * One file per image at `dir`/`outPaths[i]` ('/'-separated), its text made when it is written,
 * so a large export is not held in memory at once (for writeFileSet).
 */
export function* perImageFiles(
  images: readonly ExportImage[],
  dir: string,
  outPaths: readonly string[],
  text: (image: ExportImage) => string,
): Generator<FileEntry> {
  for (const [i, image] of images.entries())
    yield [path.join(dir, ...(outPaths[i] as string).split('/')), text(image)];
}
