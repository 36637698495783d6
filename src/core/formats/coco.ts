/**
 * COCO object-detection JSON: `images` (id, file_name, width, height), `annotations` (id,
 * image_id, category_id, bbox [x, y, w, h] in pixels), `categories` (id, name).
 * See docs/formats.md for the conventions.
 */
import path from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../fs/atomicWrite';
import type {
  ExportSet,
  ExportSummary,
  ParsedBox,
  ParsedImage,
  ParseResult,
} from './annotationSet';
import {
  MAX_COORDINATE,
  ProblemList,
  assertExportableBox,
  assertExportableSize,
  assertRelativePath,
  checkImageReference,
  describeIssue,
  errorMessage,
  formatIssuePath,
  quote,
  readTextFile,
  roundPixels,
} from './formatUtils';

const idSchema = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const coordinateSchema = z.number().min(-MAX_COORDINATE).max(MAX_COORDINATE);

const documentSchema = z.object({
  images: z.array(z.unknown()),
  annotations: z.array(z.unknown()),
  categories: z.array(z.unknown()),
});

/**
 * An image's stated size is only checked against the real one (boxes are in pixels, and the
 * project reads the image itself): a file without it, or with 0 (CVAT's "unknown"), still
 * imports.
 */
const statedSizeSchema = z.number().int().min(0).max(MAX_COORDINATE).optional();
const imageSchema = z.object({
  id: idSchema,
  file_name: z.string().min(1),
  width: statedSizeSchema,
  height: statedSizeSchema,
});

const categorySchema = z.object({
  id: idSchema,
  name: z.string().min(1),
  supercategory: z.unknown().optional(),
});

const annotationSchema = z.object({
  id: idSchema,
  image_id: idSchema,
  category_id: idSchema,
  // Some tools write null or [] for segmentation-only annotations; length is checked later.
  bbox: z.array(coordinateSchema).nullish(),
  iscrowd: z.union([z.literal(0), z.literal(1), z.boolean()]).optional(),
  segmentation: z.unknown().optional(),
  // Detection results (and exports with predictions) carry the model's score.
  score: z.number().finite().nullish(),
});

type Section = 'images' | 'annotations' | 'categories';

/** Parses a COCO JSON file. Never throws for bad input: problems are returned. */
export async function parseCoco(file: string): Promise<ParseResult> {
  const label = path.basename(file);
  const problems = new ProblemList(label);
  const done = (classes: string[], images: ParsedImage[]): ParseResult => ({
    annotations: { format: 'coco', classes, images },
    problems: problems.toArray(),
  });

  const text = await readTextFile(file, label, problems);
  if (text === undefined) return done([], []);
  const json = parseJson(text, label, problems);
  if (json === undefined) return done([], []);
  const doc = readDocument(json, label, problems);
  if (doc === undefined) return done([], []);

  const categoryIds = collectIds(doc.categories, 'categories', label, problems);
  const imageIds = collectIds(doc.images, 'images', label, problems);
  collectIds(doc.annotations, 'annotations', label, problems);
  const { classes, classById } = readCategories(doc.categories, doc.annotations, label, problems);
  const imageById = readImages(doc.images, label, problems);
  readAnnotations(doc.annotations, {
    crowds: 0,
    label,
    problems,
    categoryIds,
    imageIds,
    classById,
    imageById,
  });
  return done(classes, [...imageById.values()]);
}

/** JSON.parse; on failure, reports V8's reason at the line and column where it failed. */
function parseJson(text: string, label: string, problems: ProblemList): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    // V8 quotes a multi-line snippet ("Unexpected token ']', ..."): keep only the reason.
    const reason = errorMessage(err)
      .replace(/,\s*(?:\.\.\.)?".*$/s, '')
      .replace(/\s+in JSON.*$/s, '');
    const offset = locateJsonError(text);
    if (offset === undefined) {
      problems.error(label, `broken JSON: ${reason}`);
    } else {
      const { line, column } = lineAndColumn(text, offset);
      problems.error(`${label}:${line}:${column}`, `broken JSON: ${reason}`);
    }
    return undefined;
  }
}

class JsonSyntaxError {
  constructor(readonly offset: number) {}
}

/**
 * Offset of the first JSON syntax error, found by a small recursive-descent scan, because
 * V8's messages do not always give a position. Undefined if none is found.
 */
export function locateJsonError(text: string): number | undefined {
  let i = 0;
  const fail = (): never => {
    throw new JsonSyntaxError(i);
  };
  const skipSpace = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text[i] as string)) i++;
  };
  const expect = (c: string): void => {
    if (text[i] !== c) fail();
    i++;
  };
  const literal = (word: string): void => {
    if (!text.startsWith(word, i)) fail();
    i += word.length;
  };
  const number = (): void => {
    const match = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
    match.lastIndex = i;
    if (!match.test(text)) fail();
    i = match.lastIndex;
  };
  const string = (): void => {
    expect('"');
    for (;;) {
      const c = text[i];
      if (c === undefined || c < ' ') fail();
      i++;
      if (c === '"') return;
      if (c === '\\') {
        if (text[i] === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) i += 5;
        else if ('"\\/bfnrt'.includes(text[i] ?? 'x')) i++;
        else fail();
      }
    }
  };
  const sequence = (close: string, item: () => void): void => {
    i++;
    skipSpace();
    if (text[i] === close) {
      i++;
      return;
    }
    for (;;) {
      item();
      skipSpace();
      if (text[i] !== ',') break;
      i++;
    }
    expect(close);
  };
  const member = (): void => {
    skipSpace();
    string();
    skipSpace();
    expect(':');
    value();
  };
  const value = (): void => {
    skipSpace();
    const c = text[i];
    if (c === '{') sequence('}', member);
    else if (c === '[') sequence(']', value);
    else if (c === '"') string();
    else if (c === 't') literal('true');
    else if (c === 'f') literal('false');
    else if (c === 'n') literal('null');
    else number();
  };
  try {
    value();
    skipSpace();
    if (i < text.length) fail();
    return undefined;
  } catch (err) {
    if (err instanceof JsonSyntaxError) return err.offset;
    return undefined; // e.g. stack overflow on absurd nesting: no position then
  }
}

function lineAndColumn(text: string, position: number): { line: number; column: number } {
  const before = text.slice(0, position);
  const line = before.split('\n').length;
  const column = position - (before.lastIndexOf('\n') + 1) + 1;
  return { line, column };
}

function readDocument(
  json: unknown,
  label: string,
  problems: ProblemList,
): z.infer<typeof documentSchema> | undefined {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    const hint = Array.isArray(json) ? ' (a results-only file has no images or categories)' : '';
    problems.error(label, `expected a COCO object with images, annotations and categories${hint}`);
    return undefined;
  }
  const parsed = documentSchema.safeParse(json, { reportInput: true });
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) {
    problems.error(`${label}: ${issue.path.map(String).join('.')}`, describeIssue(issue));
  }
  return undefined;
}

/**
 * Ids of all entries whose `id` is valid, whatever else is wrong with them, so that one bad
 * image does not also make each of its annotations a "dangling id" error. Reports duplicates.
 */
function collectIds(
  entries: readonly unknown[],
  section: Section,
  label: string,
  problems: ProblemList,
): Set<number> {
  const firstIndex = new Map<number, number>();
  entries.forEach((entry, i) => {
    const id = idSchema.safeParse(isRecord(entry) ? entry.id : undefined);
    if (!id.success) return;
    const other = firstIndex.get(id.data);
    if (other === undefined) firstIndex.set(id.data, i);
    else
      problems.error(
        `${label}: ${section}[${i}].id`,
        `duplicate id ${id.data} (also ${section}[${other}])`,
      );
  });
  return new Set(firstIndex.keys());
}

/** Validates one entry; reports each issue at its field. */
function validate<T>(
  schema: z.ZodType<T>,
  entry: unknown,
  where: string,
  problems: ProblemList,
): T | undefined {
  const parsed = schema.safeParse(entry, { reportInput: true });
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) {
    problems.error(formatIssuePath(where, issue.path), describeIssue(issue));
  }
  return undefined;
}

/**
 * Classes in category id order, and each valid category id's class name. A category that names
 * the supercategory of others and that no annotation uses is their group, not a class: Roboflow
 * writes one (id 0, named after the dataset, `supercategory: "none"`) above the real classes.
 */
function readCategories(
  entries: readonly unknown[],
  annotations: readonly unknown[],
  label: string,
  problems: ProblemList,
): { classes: string[]; classById: Map<number, string> } {
  const valid: { id: number; name: string; where: string }[] = [];
  const whereByName = new Map<string, string>();
  const categories = entries.map((entry, i) => {
    const where = `${label}: categories[${i}]`;
    return { where, category: validate(categorySchema, entry, where, problems) };
  });
  const used = new Set(annotations.map((a) => (isRecord(a) ? a.category_id : undefined)));
  const isGroup = (c: { id: number; name: string }): boolean =>
    !used.has(c.id) &&
    categories.some(({ category: o }) => o && o.id !== c.id && o.supercategory === c.name);
  for (const { where, category } of categories) {
    if (category === undefined || isGroup(category)) continue;
    const other = whereByName.get(category.name);
    if (other !== undefined) {
      // Two ids for one name would merge two classes silently.
      problems.error(
        `${where}.name`,
        `duplicate category name ${quote(category.name)} (also ${other})`,
      );
      continue;
    }
    whereByName.set(category.name, where);
    valid.push({ id: category.id, name: category.name, where });
  }
  valid.sort((a, b) => a.id - b.id);
  const classById = new Map<number, string>();
  for (const c of valid) if (!classById.has(c.id)) classById.set(c.id, c.name);
  return { classes: [...new Set(classById.values())], classById };
}

function readImages(
  entries: readonly unknown[],
  label: string,
  problems: ProblemList,
): Map<number, ParsedImage> {
  const imageById = new Map<number, ParsedImage>();
  const whereByFile = new Map<string, string>();
  entries.forEach((entry, i) => {
    const where = `${label}: images[${i}]`;
    const image = validate(imageSchema, entry, where, problems);
    if (image === undefined || imageById.has(image.id)) return;
    const file = checkImageReference(image.file_name);
    if ('problem' in file) {
      problems.error(`${where}.file_name`, file.problem);
      return;
    }
    const other = whereByFile.get(file.path);
    if (other !== undefined) {
      problems.error(
        `${where}.file_name`,
        `duplicate file_name ${quote(file.path)} (also ${other})`,
      );
      return;
    }
    whereByFile.set(file.path, where);
    const { width, height } = image;
    const stated = width !== undefined && height !== undefined && width > 0 && height > 0;
    if (!stated && (width === 0 || height === 0))
      problems.warning(
        `${where}: width, height`,
        `image size ${width ?? '?'}x${height ?? '?'} ignored; the real size is used`,
      );
    imageById.set(image.id, {
      file: file.path,
      ...(stated ? { width, height } : {}),
      boxes: [],
      where,
    });
  });
  return imageById;
}

interface AnnotationContext {
  /** Crowd annotations skipped so far. */
  crowds: number;
  label: string;
  problems: ProblemList;
  categoryIds: Set<number>;
  imageIds: Set<number>;
  classById: Map<number, string>;
  imageById: Map<number, ParsedImage>;
}

function readAnnotations(entries: readonly unknown[], ctx: AnnotationContext): void {
  entries.forEach((entry, i) => {
    const where = `${ctx.label}: annotations[${i}]`;
    const annotation = validate(annotationSchema, entry, where, ctx.problems);
    if (annotation === undefined) return;
    const box = annotationToBox(annotation, where, ctx);
    // Undefined when the image entry itself was invalid: that error is already reported.
    const image = ctx.imageById.get(annotation.image_id);
    if (!image) return;
    if (box === undefined) image.dropped = (image.dropped ?? 0) + 1;
    else image.boxes.push(box);
  });
}

function annotationToBox(
  a: z.infer<typeof annotationSchema>,
  where: string,
  ctx: AnnotationContext,
): ParsedBox | undefined {
  let ok = true;
  if (!ctx.imageIds.has(a.image_id)) {
    ctx.problems.error(`${where}.image_id`, `image_id ${a.image_id} matches no image`);
    ok = false;
  }
  if (!ctx.categoryIds.has(a.category_id)) {
    ctx.problems.error(`${where}.category_id`, `category_id ${a.category_id} matches no category`);
    ok = false;
  }
  const label = ctx.classById.get(a.category_id);
  if (!ok || label === undefined) return undefined;

  if (a.iscrowd === 1 || a.iscrowd === true) {
    // The first says what a crowd is and what to do; CVAT writes each mask as a crowd.
    ctx.problems.warning(
      `${where}.iscrowd`,
      ctx.crowds++ > 0
        ? 'crowd annotation (iscrowd=1) skipped'
        : 'crowd annotation (iscrowd=1) skipped: a crowd region holds many objects, and detectors neither train nor are scored on it (pycocotools ignores it). CVAT exports every mask as iscrowd 1 too: if the crowd annotations of this file are single objects, set their "iscrowd" to 0 and import again to get their boxes',
    );
    return undefined;
  }
  if (a.bbox === undefined || a.bbox === null || a.bbox.length === 0) {
    if (hasSegmentation(a.segmentation)) {
      ctx.problems.skippedBoxes(
        `${where}.bbox`,
        'segmentation-only annotation without bbox skipped',
      );
    } else {
      ctx.problems.error(`${where}.bbox`, 'missing required field');
    }
    return undefined;
  }
  if (a.bbox.length !== 4) {
    ctx.problems.error(
      `${where}.bbox`,
      `expected 4 numbers [x, y, width, height], got ${a.bbox.length}`,
    );
    return undefined;
  }
  const [x, y, w, h] = a.bbox as [number, number, number, number];
  if (!(w > 0 && h > 0)) {
    ctx.problems.skippedBoxes(
      `${where}.bbox`,
      `empty or negative box (width ${w}, height ${h}) skipped`,
    );
    return undefined;
  }
  return {
    label,
    x1: x,
    y1: y,
    x2: x + w,
    y2: y + h,
    normalized: false,
    where,
    ...(typeof a.score === 'number' ? { score: a.score } : {}),
  };
}

function hasSegmentation(segmentation: unknown): boolean {
  if (Array.isArray(segmentation)) return segmentation.length > 0;
  return typeof segmentation === 'object' && segmentation !== null; // RLE
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

interface CocoImageOut {
  id: number;
  file_name: string;
  width: number;
  height: number;
}

interface CocoAnnotationOut {
  id: number;
  image_id: number;
  category_id: number;
  bbox: [number, number, number, number];
  area: number;
  iscrowd: 0;
  score?: number;
}

/**
 * Writes one COCO JSON file. Ids count from 1; category_id = class index + 1 (COCO reserves 0).
 * Pixel numbers are written to 4 decimals (`roundPixels`): exact for whole pixels, and no
 * float noise such as 10.300000000000001 from x2 − x1.
 */
export async function exportCoco(set: ExportSet, outFile: string): Promise<ExportSummary> {
  const images: CocoImageOut[] = [];
  const annotations: CocoAnnotationOut[] = [];
  const seenFiles = new Set<string>();
  set.images.forEach((image, i) => {
    const file = assertRelativePath(image.file);
    if (seenFiles.has(file)) throw new Error(`export: image ${quote(file)} is listed twice`);
    seenFiles.add(file);
    assertExportableSize(file, image.width, image.height);
    images.push({ id: i + 1, file_name: file, width: image.width, height: image.height });
    for (const box of image.boxes) {
      assertExportableBox(file, set.classes.length, box);
      const w = box.x2 - box.x1;
      const h = box.y2 - box.y1;
      annotations.push({
        id: annotations.length + 1,
        image_id: i + 1,
        category_id: box.classIndex + 1,
        bbox: [roundPixels(box.x1), roundPixels(box.y1), roundPixels(w), roundPixels(h)],
        area: roundPixels(w * h),
        iscrowd: 0,
        ...(box.score === undefined ? {} : { score: box.score }),
      });
    }
  });
  const categories = set.classes.map((name, i) => ({ id: i + 1, name }));
  await writeFileAtomic(outFile, serializeCoco(images, annotations, categories));
  return { files: 1, images: images.length, boxes: annotations.length };
}

/** One entry per line: readable and diffable without the size of fully indented JSON. */
function serializeCoco(
  images: readonly CocoImageOut[],
  annotations: readonly CocoAnnotationOut[],
  categories: readonly { id: number; name: string }[],
): string {
  const list = (entries: readonly object[]): string =>
    entries.length === 0
      ? '[]'
      : `[\n    ${entries.map((e) => JSON.stringify(e)).join(',\n    ')}\n  ]`;
  const info = { description: 'Exported by Shotbox', date_created: new Date().toISOString() };
  return [
    '{',
    `  "info": ${JSON.stringify(info)},`,
    `  "images": ${list(images)},`,
    `  "annotations": ${list(annotations)},`,
    `  "categories": ${list(categories)}`,
    '}',
    '',
  ].join('\n');
}
