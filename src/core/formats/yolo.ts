/**
 * YOLO (Darknet / Ultralytics) text labels: `<image path without extension>.txt` per image with
 * lines `class cx cy w h` normalised to [0,1] (prediction files add a sixth field, the
 * confidence: Ultralytics' `save_conf`), and a class list (classes.txt, obj.names or data.yaml
 * `names:`). See docs/formats.md.
 */
import path from 'node:path';
import { type FileEntry, writeFileSet } from '../fs/atomicWrite';
import type {
  ExportImage,
  ExportSet,
  ExportSummary,
  ParsedBox,
  ParsedImage,
  ParseResult,
} from './annotationSet';
import {
  ProblemList,
  assertExportableBox,
  assertExportableClasses,
  assertExportableSize,
  compareCodePoints,
  errorMessage,
  listFiles,
  outputPathsWithoutCollision,
  parseCoordinate,
  parseDecimal,
  pathKind,
  perImageFiles,
  quote,
  readTextFile,
  stripBom,
  toPosixRelative,
  withoutExtension,
} from './formatUtils';

/** How far outside [0,1] a box edge may be before a warning (rounding in other tools). */
export const YOLO_RANGE_TOLERANCE = 1e-3;

/** Class-list files looked for, in this order, in the labels folder and then its parent. */
export const CLASS_FILE_NAMES = ['classes.txt', 'obj.names', 'data.yaml', 'data.yml'] as const;

/**
 * The folders a dataset file (class list, data.yaml) of a labels folder may sit in: the folder,
 * its parent, and in the two layouts that nest labels one level deeper (Ultralytics'
 * `labels/train`, Roboflow's `train/labels`) the folder above those.
 */
export function datasetFolders(labelsDir: string): string[] {
  const dir = path.resolve(labelsDir);
  const parent = path.dirname(dir);
  const nested = [dir, parent].some((d) => path.basename(d).toLowerCase() === 'labels');
  return nested ? [dir, parent, path.dirname(parent)] : [dir, parent];
}

/**
 * Text files among the labels that are not label files, by name: class lists, read-me files
 * (Roboflow's README.roboflow.txt), and Pascal VOC's labelmap.txt and ImageSets lists (CVAT
 * writes them beside its XML files).
 */
export function isDatasetTextFile(relPath: string): boolean {
  const segments = relPath.split(/[\\/]/).map((s) => s.toLowerCase());
  const name = segments[segments.length - 1] ?? '';
  return (
    (CLASS_FILE_NAMES as readonly string[]).includes(name) ||
    name.startsWith('readme') ||
    name === 'labelmap.txt' ||
    segments.slice(0, -1).includes('imagesets')
  );
}

const FIELD_NAMES = ['class', 'cx', 'cy', 'w', 'h'] as const;

export interface ParseYoloOptions {
  /** classes.txt / obj.names (one name a line) or a .yaml/.yml with `names:`. */
  classesFile?: string;
}

/**
 * Parses a YOLO labels folder (recursively). ParsedImage.file is the txt's path relative to the
 * folder without ".txt" (no image extension: the importer matches any). Never throws for bad
 * input: problems are returned.
 */
export async function parseYolo(
  labelsDir: string,
  options: ParseYoloOptions = {},
): Promise<ParseResult> {
  const problems = new ProblemList(labelsDir);
  const done = (classes: string[], images: ParsedImage[]): ParseResult => ({
    annotations: { format: 'yolo', classes, images },
    problems: problems.toArray(),
  });
  if ((await pathKind(labelsDir)) !== 'directory') {
    problems.error(labelsDir, 'labels folder not found');
    return done([], []);
  }
  // Messages name files relative to the labels folder's parent: "labels/a.txt:3".
  const base = path.dirname(path.resolve(labelsDir));
  const display = (file: string): string => {
    const rel = toPosixRelative(base, path.resolve(file));
    return rel.startsWith('..') ? path.basename(file) : rel;
  };

  const classFile = options.classesFile ?? (await findClassFile(labelsDir));
  const classList =
    classFile === undefined
      ? undefined
      : await readClassFile(classFile, display(classFile), problems);
  const classes = classList?.names;
  if (classFile === undefined) {
    problems.error(
      labelsDir,
      `no class list: put ${CLASS_FILE_NAMES.join(', ')} in the labels folder or its parent (for labels/train or train/labels: the folder above those), or give one with --classes <file>`,
    );
  }

  const keypoints = classList?.keypoints;
  const labelFiles = await listLabelFiles(labelsDir, classFile, problems);
  const images: ParsedImage[] = [];
  for (const file of labelFiles) {
    const image = await parseLabelFile(
      file,
      toPosixRelative(labelsDir, file),
      display(file),
      { classes, keypoints },
      problems,
    );
    if (image !== undefined) images.push(image);
  }
  return done(classes ?? [], images);
}

/**
 * The keypoint values per label line of a pose dataset: `kpt_shape: [points, 2 or 3]` in its
 * data.yaml's text (Ultralytics); undefined without one.
 */
function keypointValues(yamlText: string): number | undefined {
  const shape = /^kpt_shape\s*:\s*\[\s*(\d+)\s*,\s*(\d+)\s*\]/m.exec(yamlText);
  return shape ? Number(shape[1]) * Number(shape[2]) : undefined;
}

interface LineContext {
  classes: readonly string[] | undefined;
  /** Pose labels: keypoint values after the box (see keypointValues). */
  keypoints: number | undefined;
}

async function findClassFile(labelsDir: string): Promise<string | undefined> {
  for (const dir of datasetFolders(labelsDir)) {
    for (const name of CLASS_FILE_NAMES) {
      const candidate = path.join(dir, name);
      if ((await pathKind(candidate)) === 'file') return candidate;
    }
  }
  return undefined;
}

/**
 * All .txt files except the class list (LabelImg keeps classes.txt among the labels) and other
 * dataset files (`isDatasetTextFile`: read-me files, VOC lists).
 */
async function listLabelFiles(
  labelsDir: string,
  classFile: string | undefined,
  problems: ProblemList,
): Promise<string[]> {
  let files: string[];
  try {
    files = await listFiles(labelsDir, '.txt');
  } catch (err) {
    problems.error(labelsDir, `cannot list the folder: ${errorMessage(err)}`);
    return [];
  }
  const excluded = new Set([path.resolve(labelsDir, 'classes.txt')]);
  if (classFile !== undefined) excluded.add(path.resolve(classFile));
  const labelFiles = files.filter(
    (f) => !excluded.has(path.resolve(f)) && !isDatasetTextFile(toPosixRelative(labelsDir, f)),
  );
  if (labelFiles.length === 0) problems.error(labelsDir, 'no .txt label files in this folder');
  return labelFiles.sort(compareCodePoints);
}

/**
 * Reads a class list; undefined (with errors) when it is unusable. An empty one (a project
 * without classes exports it, beside its negatives) is a list: any box line is then an error.
 */
async function readClassFile(
  file: string,
  label: string,
  problems: ProblemList,
): Promise<{ names: string[]; keypoints: number | undefined } | undefined> {
  const text = await readTextFile(file, label, problems, true);
  if (text === undefined) return undefined;
  const ext = path.extname(file).toLowerCase();
  const yaml = ext === '.yaml' || ext === '.yml';
  const names = yaml
    ? readYamlClasses(text, label, problems)
    : readLineClasses(text, label, problems);
  if (names === undefined) return undefined;
  const firstLine = new Map<string, number>();
  let ok = true;
  names.forEach((name, i) => {
    const other = firstLine.get(name);
    if (other === undefined) firstLine.set(name, i);
    else {
      problems.error(label, `duplicate class name ${quote(name)} (classes ${other} and ${i})`);
      ok = false;
    }
  });
  return ok ? { names, keypoints: yaml ? keypointValues(text) : undefined } : undefined;
}

/**
 * One name a line; trailing blank lines ignored (so a file of blank lines is an empty list), a
 * blank line between names is an error.
 */
function readLineClasses(text: string, label: string, problems: ProblemList): string[] | undefined {
  const lines = splitLines(text).map((l) => l.trim());
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const blank = lines.findIndex((l) => l === '');
  if (blank >= 0) {
    problems.error(
      `${label}:${blank + 1}`,
      'empty class name (a blank line would shift the class indices)',
    );
    return undefined;
  }
  return lines;
}

function readYamlClasses(text: string, label: string, problems: ProblemList): string[] | undefined {
  const parsed = parseYamlNames(text);
  if ('problem' in parsed) {
    problems.error(parsed.line === undefined ? label : `${label}:${parsed.line}`, parsed.problem);
    return undefined;
  }
  if (parsed.nc !== undefined && parsed.nc !== parsed.names.length) {
    problems.warning(
      label,
      `nc is ${parsed.nc} but names lists ${parsed.names.length} classes; names is used`,
    );
  }
  return parsed.names;
}

function splitLines(text: string): string[] {
  return text.split(/\r\n|\r|\n/);
}

async function parseLabelFile(
  file: string,
  rel: string,
  label: string,
  context: LineContext,
  problems: ProblemList,
): Promise<ParsedImage | undefined> {
  // An empty file is an image without objects (a "negative"), not a problem.
  const text = await readTextFile(file, label, problems, true);
  if (text === undefined) return undefined;
  const boxes: ParsedBox[] = [];
  let dropped = 0;
  splitLines(text).forEach((line, i) => {
    const trimmed = line.trim();
    const box = parseLabelLine(trimmed, `${label}:${i + 1}`, context, problems);
    if (box !== undefined) boxes.push(box);
    else if (trimmed !== '') dropped++;
  });
  return { file: withoutExtension(rel), boxes, ...(dropped > 0 ? { dropped } : {}), where: label };
}

/**
 * One label line (already trimmed); blank lines are skipped. Five fields are `class cx cy w h`,
 * six add a confidence. Seven or more are a polygon, `class x1 y1 … xn yn` (Ultralytics'
 * segmentation and oriented-box labels), plus a confidence when the values are odd in number:
 * its box is the polygon's bounding box, as Ultralytics takes it when it trains a detector on
 * such labels. In a pose dataset (kpt_shape) the keypoints follow the box (and its confidence)
 * instead, and are not read.
 */
function parseLabelLine(
  line: string,
  where: string,
  { classes, keypoints }: LineContext,
  problems: ProblemList,
): ParsedBox | undefined {
  if (line === '') return undefined;
  const fields = line.split(/\s+/);
  const n = fields.length;
  if (n < FIELD_NAMES.length) {
    // Darknet's train.txt (one image path a line) given among the labels.
    const hint =
      n === 1 && /\.(jpe?g|png|bmp|webp|tiff?|gif)$/i.test(fields[0] as string)
        ? ": this is a list of image paths (such as Darknet's train.txt), not a label file; give the folder of label files instead"
        : '';
    problems.error(
      where,
      `expected 5 fields "class cx cy w h" (6 with a confidence, 7 or more for a polygon), got ${n}${hint}`,
    );
    return undefined;
  }
  const pose = keypoints !== undefined && n > FIELD_NAMES.length + 1;
  if (pose && n !== FIELD_NAMES.length + keypoints && n !== FIELD_NAMES.length + 1 + keypoints) {
    problems.error(
      where,
      `expected ${FIELD_NAMES.length + keypoints} fields for a pose label (class cx cy w h and the ${keypoints} keypoint values of data.yaml's kpt_shape), or one more with a confidence; got ${n}`,
    );
    return undefined;
  }
  const polygon = !pose && n > FIELD_NAMES.length + 1;
  const valueCount = polygon ? n - 1 - ((n - 1) % 2) : FIELD_NAMES.length - 1;
  // Ultralytics writes a pose prediction's confidence after its box, a polygon's at the end.
  const confidence = pose
    ? n > FIELD_NAMES.length + keypoints
      ? FIELD_NAMES.length
      : undefined
    : 1 + valueCount < n
      ? n - 1
      : undefined;
  let score: number | undefined;
  if (confidence !== undefined) {
    const text = fields[confidence] as string;
    const conf = Number(text);
    if (!/^[\d.eE+-]+$/.test(text) || !(conf >= 0 && conf <= 1)) {
      problems.error(where, `confidence: ${quote(text)} is not a number from 0 to 1`);
      return undefined;
    }
    score = conf;
  }
  const classIndex = parseClassIndex(fields[0] as string, where, classes, problems);
  const values: number[] = [];
  let ok = true;
  for (let k = 1; k <= valueCount; k++) {
    const parsed = parseCoordinate(fields[k] as string);
    const name = polygon ? `${k % 2 === 1 ? 'x' : 'y'}${Math.ceil(k / 2)}` : FIELD_NAMES[k];
    if ('problem' in parsed) {
      problems.error(where, `${name}: ${parsed.problem}`);
      ok = false;
    } else values.push(parsed.value);
  }
  if (classIndex === undefined || !ok || classes === undefined) return undefined;
  const outside = polygon
    ? values.findIndex((v) => v < -YOLO_RANGE_TOLERANCE || v > 1 + YOLO_RANGE_TOLERANCE)
    : -1;
  if (outside >= 0) {
    // Ultralytics refuses them too; a pose label's visibility flags (2) land here without its
    // data.yaml.
    problems.error(
      where,
      `${outside % 2 === 0 ? 'x' : 'y'}${Math.floor(outside / 2) + 1}: ${values[outside]} is outside [0, 1], and polygon points are fractions of the image size (pose labels: give the data.yaml with their kpt_shape, with --classes if it is not found)`,
    );
    return undefined;
  }
  const corners = polygon
    ? polygonBox(values)
    : centreBox(values as [number, number, number, number]);
  const [x1, y1, x2, y2] = corners;
  if (!(x2 > x1 && y2 > y1)) {
    problems.skippedBoxes(
      where,
      polygon
        ? `polygon without area (its box is ${x2 - x1} wide, ${y2 - y1} high) skipped`
        : `empty or negative box (w ${values[2]}, h ${values[3]}) skipped`,
    );
    return undefined;
  }
  const box: ParsedBox = {
    label: classes[classIndex] as string,
    x1,
    y1,
    x2,
    y2,
    normalized: true,
    where,
    ...(score !== undefined ? { score } : {}),
  };
  warnIfOutsideImage(box, where, problems);
  return box;
}

function centreBox([cx, cy, w, h]: [number, number, number, number]): [
  number,
  number,
  number,
  number,
] {
  return [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2];
}

/** The bounding box of x1 y1 … xn yn. */
function polygonBox(values: readonly number[]): [number, number, number, number] {
  const box: [number, number, number, number] = [Infinity, Infinity, -Infinity, -Infinity];
  for (let i = 0; i + 1 < values.length; i += 2) {
    const [x, y] = [values[i] as number, values[i + 1] as number];
    box[0] = Math.min(box[0], x);
    box[1] = Math.min(box[1], y);
    box[2] = Math.max(box[2], x);
    box[3] = Math.max(box[3], y);
  }
  return box;
}

function parseClassIndex(
  field: string,
  where: string,
  classes: readonly string[] | undefined,
  problems: ProblemList,
): number | undefined {
  // A whole number, also as a float (`0.0`, `1.000000e+00`: numpy's savetxt writes every column
  // so, and Ultralytics reads the class as a float made int).
  const value = /^\d+$/.test(field) ? Number(field) : parseDecimal(field);
  if (value === undefined || !Number.isInteger(value) || value < 0) {
    problems.error(where, `class: ${quote(field)} is not a class index (a whole number from 0)`);
    return undefined;
  }
  const index = value;
  if (classes !== undefined && index >= classes.length) {
    const list = classes.length === 0 ? 'is empty' : `has ${classes.length}`;
    problems.error(where, `class: unknown class index ${index} (the class list ${list})`);
    return undefined;
  }
  return index;
}

/** Kept as read (the importer clips) but reported, so a pixel-unit file does not pass unseen. */
function warnIfOutsideImage(box: ParsedBox, where: string, problems: ProblemList): void {
  const lo = -YOLO_RANGE_TOLERANCE;
  const hi = 1 + YOLO_RANGE_TOLERANCE;
  if (box.x1 < lo || box.y1 < lo || box.x2 > hi || box.y2 > hi) {
    problems.warning(
      where,
      `box (${box.x1}, ${box.y1})–(${box.x2}, ${box.y2}) extends outside [0,1]; kept, to be clipped on import`,
    );
  }
}

/**
 * Formats a normalised value: 10 significant digits (within 1e-9 of exact), shortest form, so
 * 0.5 stays "0.5"; never exponent notation, which some YOLO readers reject.
 */
export function formatNormalized(value: number): string {
  const rounded = Number(value.toPrecision(10));
  const text = String(rounded);
  if (!/e/i.test(text)) return text;
  return rounded.toFixed(12).replace(/\.?0+$/, '');
}

/**
 * Writes `<outDir>/labels/<image path without extension>.txt` for every image (empty when it
 * has no boxes), `<outDir>/classes.txt` and `<outDir>/data.yaml`. Checks before writing.
 */
export async function exportYolo(set: ExportSet, outDir: string): Promise<ExportSummary> {
  assertExportableClasses(set.classes);
  const outPaths = outputPathsWithoutCollision(
    set.images.map((image) => image.file),
    (file) => `${withoutExtension(file)}.txt`,
  );
  for (const image of set.images) {
    assertExportableSize(image.file, image.width, image.height);
    for (const box of image.boxes) assertExportableBox(image.file, set.classes.length, box);
  }

  // All files or none: a half-written folder would pass for a complete export.
  await writeFileSet(yoloFiles(set, outDir, outPaths));
  const boxes = set.images.reduce((n, image) => n + image.boxes.length, 0);
  return { files: set.images.length + 2, images: set.images.length, boxes };
}

/** The label files (each made when it is written), then classes.txt and data.yaml. */
function* yoloFiles(
  set: ExportSet,
  outDir: string,
  outPaths: readonly string[],
): Generator<FileEntry> {
  yield* perImageFiles(set.images, path.join(outDir, 'labels'), outPaths, yoloLabelText);
  yield [path.join(outDir, 'classes.txt'), set.classes.map((c) => `${c}\n`).join('')];
  yield [path.join(outDir, 'data.yaml'), dataYamlText(set.classes, outDir)];
}

export function yoloLabelText(image: ExportImage): string {
  return image.boxes
    .map((b) => {
      const values = [
        (b.x1 + b.x2) / 2 / image.width,
        (b.y1 + b.y2) / 2 / image.height,
        (b.x2 - b.x1) / image.width,
        (b.y2 - b.y1) / image.height,
      ];
      // A prediction keeps its score (the sixth field), so re-importing it cannot make a label.
      const conf = b.score !== undefined ? ` ${formatNormalized(b.score)}` : '';
      return `${b.classIndex} ${values.map(formatNormalized).join(' ')}${conf}\n`;
    })
    .join('');
}

/**
 * Ultralytics' dataset file: `path` (the dataset root), `train`/`val` (image folders under it),
 * `names`. Ultralytics finds each label by replacing `images` with `labels` in the image's path,
 * so the images belong under `images/`, mirroring `labels/`; both splits name the same folder
 * until the user splits it. JSON strings are valid YAML double-quoted scalars, so any class name
 * and path survives.
 */
function dataYamlText(classes: readonly string[], outDir: string): string {
  return [
    '# Written by Shotbox. Put (or link) the images under images/, mirroring labels/.',
    `path: ${JSON.stringify(path.resolve(outDir))}`,
    'train: images',
    'val: images',
    `nc: ${classes.length}`,
    // An empty block list would be YAML null: say "no classes" as a list.
    classes.length === 0 ? 'names: []' : 'names:',
    ...classes.map((name) => `  - ${JSON.stringify(name)}`),
    '',
  ].join('\n');
}

/** The `names:` (and `nc:`) of a data.yaml, or what stops reading it. */
export type YamlNamesResult = { names: string[]; nc?: number } | { problem: string; line?: number };

type ScalarResult = { value: string } | { problem: string };

/**
 * Reads `names:` from a simple data.yaml without a YAML library: flow lists (`[a, 'b']`),
 * flow maps (`{0: a}`), block lists (`- a`) and block maps (`0: a`), with quoted or plain names
 * and comments. Map keys must be 0..N-1.
 */
export function parseYamlNames(text: string): YamlNamesResult {
  const lines = splitLines(stripBom(text));
  let nc: number | undefined;
  let namesLine = -1;
  lines.forEach((line, i) => {
    const ncMatch = /^nc\s*:\s*(\d+)\s*(?:#.*)?$/.exec(line);
    if (ncMatch) nc = Number(ncMatch[1]);
    if (namesLine < 0 && /^names\s*:/.test(line)) namesLine = i;
  });
  if (namesLine < 0) return { problem: 'no top-level "names:" list' };
  const rest = (lines[namesLine] as string).replace(/^names\s*:/, '');
  const start = rest.trimStart();
  let result: YamlNamesResult;
  if (start.startsWith('[') || start.startsWith('{')) {
    result = parseFlowNames([start, ...lines.slice(namesLine + 1)].join('\n'), namesLine + 1);
  } else if (start === '' || start.startsWith('#')) {
    result = parseBlockNames(lines, namesLine + 1);
  } else {
    return { problem: 'names must be a list or a map of index: name', line: namesLine + 1 };
  }
  if ('problem' in result) return result;
  return nc === undefined ? result : { ...result, nc };
}

/** `[a, "b"]` or `{0: a, 1: b}`, possibly over several lines. */
function parseFlowNames(source: string, line: number): YamlNamesResult {
  const items = splitFlowItems(source);
  if ('problem' in items) return { problem: items.problem, line };
  // `names: []`, as an export without classes writes it.
  if (items.items.length === 0) return { names: [] };
  const entries: { key?: string; raw: string }[] = [];
  for (const item of items.items) {
    if (source.startsWith('[')) {
      entries.push({ raw: item });
      continue;
    }
    const colon = item.search(/:(\s|$)/);
    if (colon < 0) return { problem: `names entry ${quote(item)} is not "index: name"`, line };
    entries.push({ key: item.slice(0, colon).trim(), raw: item.slice(colon + 1) });
  }
  return namesFromEntries(entries, line);
}

/** Splits the inside of a one-level flow collection at commas outside quotes; drops comments. */
function splitFlowItems(source: string): { items: string[] } | { problem: string } {
  const close = source.startsWith('[') ? ']' : '}';
  const items: string[] = [];
  let current = '';
  let quoteChar: string | undefined;
  for (let i = 1; i < source.length; i++) {
    const c = source[i] as string;
    if (quoteChar !== undefined) {
      current += c;
      if (quoteChar === '"' && c === '\\') current += source[++i] ?? '';
      else if (c === quoteChar) {
        if (quoteChar === "'" && source[i + 1] === "'") current += source[++i];
        else quoteChar = undefined;
      }
    } else if (c === '"' || c === "'") {
      quoteChar = c;
      current += c;
    } else if (c === '#' && /\s/.test(source[i - 1] ?? ' ')) {
      while (i < source.length && source[i] !== '\n') i++;
    } else if (c === '[' || c === '{') {
      return { problem: 'nested lists in names are not supported' };
    } else if (c === ',' || c === close) {
      if (current.trim() !== '' || c === ',') items.push(current.trim());
      current = '';
      if (c === close) return { items };
    } else {
      current += c;
    }
  }
  return { problem: `names list is not closed with "${close}"` };
}

/** `- name` or `index: name` lines after `names:`, up to the next top-level key. */
function parseBlockNames(lines: readonly string[], first: number): YamlNamesResult {
  const entries: { key?: string; raw: string; line: number }[] = [];
  for (let k = first; k < lines.length; k++) {
    const line = lines[k] as string;
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const indented = /^\s/.test(line);
    if (/^-(\s|$)/.test(trimmed)) {
      entries.push({ raw: trimmed.slice(1), line: k + 1 });
      continue;
    }
    if (!indented) break;
    const colon = trimmed.search(/:(\s|$)/);
    if (colon < 0) return { problem: `cannot read names entry ${quote(trimmed)}`, line: k + 1 };
    entries.push({ key: trimmed.slice(0, colon), raw: trimmed.slice(colon + 1), line: k + 1 });
  }
  return namesFromEntries(entries, first);
}

/** All list items, or all map entries with keys 0..N-1; names unquoted. */
function namesFromEntries(
  entries: readonly { key?: string; raw: string; line?: number }[],
  line: number,
): YamlNamesResult {
  if (entries.length === 0) return { problem: 'names is empty', line };
  const isMap = entries[0]?.key !== undefined;
  const names: string[] = new Array<string>(entries.length);
  for (const [i, entry] of entries.entries()) {
    const at = entry.line ?? line;
    if ((entry.key !== undefined) !== isMap) {
      return { problem: 'names mixes list items and index: name entries', line: at };
    }
    const scalar = parseYamlScalar(entry.raw);
    if ('problem' in scalar) return { problem: scalar.problem, line: at };
    const index = isMap ? parseMapKey(entry.key as string) : i;
    if (index === undefined || index >= entries.length || names[index] !== undefined) {
      return {
        problem: `names keys must be 0..${entries.length - 1}, each once; got ${quote(entry.key)}`,
        line: at,
      };
    }
    names[index] = scalar.value;
  }
  return { names };
}

function parseMapKey(key: string): number | undefined {
  const match = /^(['"]?)(\d+)\1$/.exec(key.trim());
  return match ? Number(match[2]) : undefined;
}

/** A YAML scalar: "double" (JSON-style escapes), 'single' ('' = '), or plain up to " #". */
function parseYamlScalar(raw: string): ScalarResult {
  const text = raw.trim();
  if (text.startsWith('"')) return parseQuoted(text, '"');
  if (text.startsWith("'")) return parseQuoted(text, "'");
  const plain = text.replace(/\s+#.*$/, '').trim();
  if (plain === '' || plain.startsWith('#')) return { problem: 'empty class name' };
  return { value: plain };
}

function parseQuoted(text: string, q: '"' | "'"): ScalarResult {
  let end = -1;
  for (let i = 1; i < text.length; i++) {
    if (q === '"' && text[i] === '\\') i++;
    else if (text[i] === q) {
      if (q === "'" && text[i + 1] === "'") i++;
      else {
        end = i;
        break;
      }
    }
  }
  if (end < 0) return { problem: `unclosed quote in ${quote(text)}` };
  const after = text.slice(end + 1).trim();
  if (after !== '' && !after.startsWith('#'))
    return { problem: `unexpected text after ${quote(text.slice(0, end + 1))}` };
  const inner = text.slice(1, end);
  const value =
    q === "'" ? inner.replace(/''/g, "'") : unescapeDoubleQuoted(text.slice(0, end + 1));
  if (value.trim() === '') return { problem: 'empty class name' };
  return { value };
}

function unescapeDoubleQuoted(quoted: string): string {
  try {
    return JSON.parse(quoted) as string;
  } catch {
    // YAML-only escapes (\x41, \e): keep the escaped character itself rather than fail.
    return quoted.slice(1, -1).replace(/\\(.)/g, '$1');
  }
}
