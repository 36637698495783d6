/**
 * Reads the evaluator's input from COCO documents (already JSON-parsed): ground truth as a COCO
 * detection file, detections as a COCO results list `[{image_id, category_id, bbox, score}]` or
 * as a COCO document with `images`/`categories` (what `shotbox detect --out` writes, whose image
 * and category ids are its own: they are matched to the ground truth by file name and class
 * name). A bad entry is reported and skipped; only an unusable document is an error.
 */
import { z } from 'zod';
import {
  sortedImageIds,
  type EvalCategory,
  type EvalDataset,
  type EvalDetection,
  type EvalGroundTruth,
  type ImageId,
  type XywhBox,
} from './dataset';

export class EvalInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EvalInputError';
  }
}

/**
 * A number that pycocotools keys by: any finite one (Python's 1.0 and 1 are one key, as in a
 * Map). An integer beyond 2^53 is refused: JSON.parse has already rounded it to another one.
 */
const idNumber = z
  .number()
  .refine(
    (v) => Math.abs(v) <= Number.MAX_SAFE_INTEGER,
    'beyond 2^53: JavaScript cannot read this id exactly',
  );
/** pycocotools keys images by any hashable id: any number (1.5 too) or any string ('' too). */
const imageIdSchema = z.union([idNumber, z.string()]);
const finite = z.number().finite();
/**
 * Any four numbers: a box with a negative width or height overlaps nothing (IoU 0 in
 * pycocotools' bbIou and here) and is scored as such, with a warning.
 */
const bboxSchema = z.tuple([finite, finite, finite, finite]);

const gtDocumentSchema = z.object({
  images: z.array(z.unknown()),
  annotations: z.array(z.unknown()),
  categories: z.array(z.unknown()),
});
const gtImageSchema = z.object({ id: imageIdSchema, file_name: z.string().optional() });
const categorySchema = z.object({ id: z.number().int(), name: z.string().min(1) });
/**
 * A ground-truth category: pycocotools scores by `id` alone, so a name that is missing or not a
 * string does not lose the class (it is reported by its number, or its id).
 */
const gtCategorySchema = z.object({
  id: idNumber,
  name: z.union([z.string(), z.number()]).optional(),
});
/**
 * `iscrowd` as pycocotools reads it: `ignore = iscrowd` (any truthy value: a number other than
 * 0, true, a non-empty string) and, for the crowd IoU and repeated matching, `int(iscrowd)`, which
 * numpy then puts in a uint8 (below 0 it fails: -1 is refused here; -0.5 is int 0) and int() of a
 * string that is not digits fails.
 */
const crowdSchema = z
  .union([
    z.boolean(),
    finite.refine((v) => v > -1, 'iscrowd -1 or below makes pycocotools fail'),
    z
      .string()
      .refine(
        (s) => /^\s*[+-]?\d+\s*$/.test(s) && Number.parseInt(s, 10) >= 0,
        'iscrowd given as a string must be a non-negative integer (pycocotools takes int() of it)',
      ),
  ])
  .optional();
const gtAnnotationSchema = z.object({
  id: idNumber,
  image_id: imageIdSchema,
  category_id: idNumber,
  bbox: bboxSchema,
  area: finite.optional(),
  iscrowd: crowdSchema,
  // pycocotools never reads it; only the VOC metric does (readDifficult).
  difficult: z.unknown().optional(),
});
const detectionSchema = z.object({
  image_id: imageIdSchema,
  category_id: idNumber,
  bbox: bboxSchema,
  score: finite,
});
const dtDocumentSchema = z.object({
  images: z.array(z.unknown()).optional(),
  annotations: z.array(z.unknown()),
  categories: z.array(z.unknown()).optional(),
});

export interface EvalInput {
  dataset: EvalDataset;
  /** One line per skipped or doubtful entry, naming it. */
  warnings: string[];
  /**
   * Entries left out because they cannot be read (bad fields, an image or category the file does
   * not have): inputs that failed, unlike doubtful entries scored as pycocotools scores them or
   * detections of classes and images the ground truth does not evaluate.
   */
  skipped: number;
}

/** Problems of the same kind beyond this many are summarised in one line. */
const MAX_WARNINGS_PER_KIND = 5;

class Warnings {
  private readonly counts = new Map<string, number>();
  readonly lines: string[] = [];
  /** Entries left out (see EvalInput.skipped). */
  skipped = 0;
  /** A warning about an entry left out because it cannot be read. */
  skip(kind: string, line: string): void {
    this.skipped++;
    this.add(kind, line);
  }
  add(kind: string, line: string): void {
    const n = (this.counts.get(kind) ?? 0) + 1;
    this.counts.set(kind, n);
    if (n <= MAX_WARNINGS_PER_KIND) this.lines.push(line);
  }
  finish(): string[] {
    for (const [kind, n] of this.counts)
      if (n > MAX_WARNINGS_PER_KIND)
        this.lines.push(`… and ${n - MAX_WARNINGS_PER_KIND} more: ${kind}`);
    return this.lines;
  }
}

function issueText(error: z.ZodError): string {
  const issue = error.issues[0]!;
  const at = issue.path.length ? `${issue.path.join('.')}: ` : '';
  return `${at}${issue.message}`;
}

/** An id as a warning names it: a string in quotes, so that "" and " 1" are visible. */
function idText(id: ImageId): string {
  return typeof id === 'string' ? JSON.stringify(id) : String(id);
}

/** Which of a box's sides are negative, as a warning names them ('' when none is). */
function negativeSides(bbox: readonly number[]): string {
  const [, , w, h] = bbox as XywhBox;
  return w < 0 && h < 0 ? 'width and height' : w < 0 ? 'width' : h < 0 ? 'height' : '';
}

/**
 * `iscrowd` as pycocotools uses it: the box is ignored when the value is truthy (a number other
 * than 0, true, a non-empty string) and is a crowd (crowd IoU, matched by any number of
 * detections) when int() of it is not 0. The two differ for 0.5 or "0": ignored, but a regular box.
 */
function readCrowd(
  value: boolean | number | string | undefined,
  where: string,
  warnings: Warnings,
): { iscrowd: boolean; ignored: boolean } {
  if (value === undefined) return { iscrowd: false, ignored: false };
  if (typeof value === 'boolean') return { iscrowd: value, ignored: value };
  const crowd = Math.trunc(typeof value === 'string' ? Number.parseInt(value, 10) : value) !== 0;
  const ignored = typeof value === 'string' || value !== 0;
  if (typeof value === 'string' || !Number.isInteger(value)) {
    const read = crowd
      ? 'a crowd region (int() of it is not 0)'
      : 'ignored (never a miss) but matched as a regular box (int() of it is 0)';
    warnings.add(
      typeof value === 'string'
        ? 'iscrowd values given as strings'
        : 'iscrowd values that are not integers',
      `${where}: iscrowd ${JSON.stringify(value)} is not 0, 1 or a boolean; read as pycocotools reads it: ${read}`,
    );
  }
  return { iscrowd: crowd, ignored: ignored && !crowd };
}

/** A string that holds a decimal number ("1", " 0 ", "2.0"), as a VOC file's text does. */
const DECIMAL_TEXT = /^\s*[+-]?\d+(\.\d*)?\s*$/;

/**
 * Pascal VOC's `difficult` (pycocotools never reads it): a number or boolean, non-zero or true is
 * difficult (the VOC reference's astype(bool)); a string holding a decimal number is that number
 * (VOC XML's text, which the reference reads with int()); anything else (another string, null)
 * is not difficult.
 */
function readDifficult(value: unknown, where: string, warnings: Warnings): boolean {
  if (value === undefined || typeof value === 'boolean') return value === true;
  if (typeof value === 'string' && DECIMAL_TEXT.test(value)) {
    const difficult = Number(value) !== 0;
    warnings.add(
      'difficult flags given as strings',
      `${where}: difficult ${JSON.stringify(value)} is a string; read as the number it holds: ${difficult ? 'difficult' : 'not difficult'}`,
    );
    return difficult;
  }
  if (typeof value === 'number') {
    if (value !== 0 && value !== 1)
      warnings.add(
        'difficult flags other than 0, 1 or a boolean',
        `${where}: difficult ${value} is not 0, 1 or a boolean; read as difficult (any number but 0 is)`,
      );
    return value !== 0;
  }
  warnings.add(
    'difficult flags that are not numbers',
    `${where}: difficult ${JSON.stringify(value)} is not a number or a boolean; read as not difficult (COCO does not read the flag)`,
  );
  return false;
}

interface GroundTruthFile {
  images: { id: ImageId; fileName?: string }[];
  categories: EvalCategory[];
  annotations: EvalGroundTruth[];
}

function readGroundTruth(gt: unknown, label: string, warnings: Warnings): GroundTruthFile {
  const doc = gtDocumentSchema.safeParse(gt);
  if (!doc.success)
    throw new EvalInputError(
      `${label} is not a COCO ground-truth file (it needs "images", "annotations" and "categories" arrays): ${issueText(doc.error)}`,
    );
  const images: GroundTruthFile['images'] = [];
  const imageIds = new Set<ImageId>();
  doc.data.images.forEach((raw, i) => {
    const r = gtImageSchema.safeParse(raw);
    if (!r.success)
      return warnings.skip('bad images', `${label}: images[${i}] skipped: ${issueText(r.error)}`);
    if (imageIds.has(r.data.id))
      return warnings.add(
        'duplicate image ids',
        `${label}: images[${i}]: image id ${idText(r.data.id)} appears twice; counted once`,
      );
    imageIds.add(r.data.id);
    if (r.data.id === '')
      warnings.add('empty image ids', `${label}: images[${i}]: the image id is an empty string`);
    else if (typeof r.data.id === 'number' && !Number.isInteger(r.data.id))
      warnings.add(
        'image ids that are not integers',
        `${label}: images[${i}]: image id ${r.data.id} is not an integer; used as it is, as pycocotools does`,
      );
    images.push({ id: r.data.id, ...(r.data.file_name ? { fileName: r.data.file_name } : {}) });
  });
  if (new Set(images.map((i) => typeof i.id)).size > 1)
    throw new EvalInputError(`${label}: image ids mix numbers and strings`);

  const categories: EvalCategory[] = [];
  doc.data.categories.forEach((raw, i) => {
    const r = gtCategorySchema.safeParse(raw);
    if (!r.success)
      return warnings.skip(
        'bad categories',
        `${label}: categories[${i}] skipped: ${issueText(r.error)}`,
      );
    if (categories.some((c) => c.id === r.data.id))
      return warnings.add(
        'duplicate category ids',
        `${label}: categories[${i}]: category id ${r.data.id} appears twice; the first is kept`,
      );
    if (!Number.isInteger(r.data.id))
      warnings.add(
        'category ids that are not integers',
        `${label}: categories[${i}]: category id ${r.data.id} is not an integer; used as it is, as pycocotools does`,
      );
    const named = r.data.name === undefined ? '' : String(r.data.name);
    if (named === '')
      warnings.add(
        'categories without a name',
        `${label}: categories[${i}] has no name; reported as "${r.data.id}"`,
      );
    categories.push({ id: r.data.id, name: named === '' ? String(r.data.id) : named });
  });
  const categoryIds = new Set(categories.map((c) => c.id));

  const annotations: EvalGroundTruth[] = [];
  const annotationIds = new Set<number>();
  doc.data.annotations.forEach((raw, i) => {
    const r = gtAnnotationSchema.safeParse(raw);
    if (!r.success)
      return warnings.skip(
        'bad annotations',
        `${label}: annotations[${i}] skipped: ${issueText(r.error)}`,
      );
    const a = r.data;
    if (!imageIds.has(a.image_id))
      return warnings.skip(
        'annotations of unknown images',
        `${label}: annotations[${i}] skipped: image ${idText(a.image_id)} is not in "images"`,
      );
    if (!categoryIds.has(a.category_id))
      return warnings.skip(
        'annotations of unknown categories',
        `${label}: annotations[${i}] skipped: category ${a.category_id} is not in "categories"`,
      );
    if (annotationIds.has(a.id))
      warnings.add(
        'duplicate annotation ids',
        `${label}: annotations[${i}]: annotation id ${a.id} appears twice; as in pycocotools, the last one with this id is scored in place of each`,
      );
    annotationIds.add(a.id);
    const where = `${label}: annotations[${i}]`;
    if (!Number.isInteger(a.id))
      warnings.add(
        'annotation ids that are not integers',
        `${where}: annotation id ${a.id} is not an integer; used as it is, as pycocotools does`,
      );
    const area = a.area ?? a.bbox[2] * a.bbox[3];
    const negative = negativeSides(a.bbox);
    if (negative)
      warnings.add(
        'ground-truth boxes with a negative width or height',
        `${where}: bbox [${a.bbox.join(', ')}] has a negative ${negative}; scored as pycocotools scores it: IoU 0 with every detection, ${area < 0 ? `and its area ${area} is outside every range (ignored)` : `so a miss wherever its area ${area} is in range`}`,
      );
    const { iscrowd, ignored } = readCrowd(a.iscrowd, where, warnings);
    annotations.push({
      id: a.id,
      imageId: a.image_id,
      categoryId: a.category_id,
      bbox: a.bbox as XywhBox,
      area,
      iscrowd,
      ...(ignored ? { ignored } : {}),
      difficult: readDifficult(a.difficult, where, warnings),
    });
  });
  return { images, categories, annotations };
}

/**
 * Maps a detection document's own image ids to the ground truth's: by exact file name, else by a
 * unique file name without folders.
 */
function imageIdMap(
  dtImages: unknown[],
  gtImages: GroundTruthFile['images'],
  label: string,
  warnings: Warnings,
): Map<ImageId, ImageId | null> {
  const byName = new Map<string, ImageId>();
  const byBase = new Map<string, ImageId | null>();
  const base = (p: string): string => p.split(/[\\/]/).pop()!;
  for (const g of gtImages) {
    if (!g.fileName) continue;
    byName.set(g.fileName, g.id);
    const b = base(g.fileName);
    byBase.set(b, byBase.has(b) ? null : g.id);
  }
  // null: an image of the detections file that the ground truth does not have (reported here).
  const out = new Map<ImageId, ImageId | null>();
  const schema = z.object({ id: imageIdSchema, file_name: z.string().min(1) });
  dtImages.forEach((raw, i) => {
    const r = schema.safeParse(raw);
    if (!r.success)
      return warnings.skip('bad images', `${label}: images[${i}] skipped: ${issueText(r.error)}`);
    const id = byName.get(r.data.file_name) ?? byBase.get(base(r.data.file_name)) ?? undefined;
    if (id === undefined) {
      out.set(r.data.id, null);
      const why =
        byBase.get(base(r.data.file_name)) === null
          ? 'has the name of several ground-truth images'
          : 'is not in the ground truth';
      return warnings.add(
        'images not in the ground truth',
        `${label}: image ${JSON.stringify(r.data.file_name)} ${why}; its detections are not scored`,
      );
    }
    out.set(r.data.id, id);
  });
  return out;
}

/** Builds the evaluator's dataset from a COCO ground-truth document and a detections document. */
export function readEvalInput(
  gt: unknown,
  dt: unknown,
  labels: { gt: string; dt: string } = { gt: 'ground truth', dt: 'detections' },
): EvalInput {
  const warnings = new Warnings();
  const truth = readGroundTruth(gt, labels.gt, warnings);

  let entries: unknown[];
  let mapImage: (id: ImageId) => ImageId | undefined = (id) => id;
  let mapCategory: (id: number) => number | undefined = (id) => id;
  if (Array.isArray(dt)) entries = dt;
  else {
    const doc = dtDocumentSchema.safeParse(dt);
    if (!doc.success)
      throw new EvalInputError(
        `${labels.dt} is neither a COCO results list nor a COCO document with "annotations": ${issueText(doc.error)}`,
      );
    entries = doc.data.annotations;
    if (doc.data.images) {
      const map = imageIdMap(doc.data.images, truth.images, labels.dt, warnings);
      mapImage = (id) => {
        const to = map.get(id);
        if (to === undefined)
          warnings.skip(
            'detections on unknown images',
            `${labels.dt}: detections of image id ${id}, which is not in its "images", skipped`,
          );
        return to ?? undefined;
      };
    }
    if (doc.data.categories) {
      // Category ids are the detector's own: the ground truth's class of the same name is meant.
      const gtByName = new Map(truth.categories.map((c) => [c.name, c.id]));
      const map = new Map<number, number>();
      for (const raw of doc.data.categories) {
        const c = categorySchema.safeParse(raw);
        if (!c.success) continue;
        const id = gtByName.get(c.data.name);
        if (id !== undefined) map.set(c.data.id, id);
      }
      const names = new Map(
        doc.data.categories.flatMap((raw) => {
          const c = categorySchema.safeParse(raw);
          return c.success ? [[c.data.id, c.data.name] as const] : [];
        }),
      );
      const reported = new Set<number>();
      mapCategory = (id) => {
        const to = map.get(id);
        if (to === undefined && !reported.has(id)) {
          reported.add(id);
          warnings.add(
            'classes not in the ground truth',
            `${labels.dt}: class ${JSON.stringify(names.get(id) ?? String(id))} is not in the ground truth; its detections are not scored`,
          );
        }
        return to;
      };
    }
  }

  const gtImageIds = new Set(truth.images.map((i) => i.id));
  const gtCategoryIds = new Set(truth.categories.map((c) => c.id));
  const detections: EvalDetection[] = [];
  entries.forEach((raw, i) => {
    const r = detectionSchema.safeParse(raw);
    if (!r.success)
      return warnings.skip(
        'bad detections',
        `${labels.dt}: detection ${i} skipped: ${issueText(r.error)}`,
      );
    const imageId = mapImage(r.data.image_id);
    if (imageId === undefined) return;
    if (!gtImageIds.has(imageId))
      return warnings.skip(
        'detections on unknown images',
        `${labels.dt}: detection ${i} skipped: image ${idText(r.data.image_id)} is not in the ground truth`,
      );
    const categoryId = mapCategory(r.data.category_id);
    if (categoryId === undefined) return;
    if (!gtCategoryIds.has(categoryId))
      warnings.add(
        'detections of unknown categories',
        `${labels.dt}: detection ${i}: category ${categoryId} is not in the ground truth; not scored`,
      );
    const negative = negativeSides(r.data.bbox);
    if (negative) {
      const [, , w, h] = r.data.bbox;
      warnings.add(
        'detections with a negative width or height',
        `${labels.dt}: detection ${i}: bbox [${r.data.bbox.join(', ')}] has a negative ${negative}; scored as pycocotools scores it: IoU 0 with every box, ${w * h < 0 ? `its area ${w * h} is outside every range (ignored)` : `a false positive wherever its area ${w * h} is in range`}, and it takes one of the 100 places of its image and class`,
      );
    }
    detections.push({ imageId, categoryId, bbox: r.data.bbox as XywhBox, score: r.data.score });
  });

  return {
    dataset: {
      imageIds: sortedImageIds(truth.images.map((i) => i.id)),
      categories: [...truth.categories].sort((a, b) => a.id - b.id),
      groundTruth: truth.annotations,
      detections,
      imageNames: new Map(
        truth.images.flatMap((i) => (i.fileName ? [[i.id, i.fileName] as const] : [])),
      ),
    },
    warnings: warnings.finish(),
    skipped: warnings.skipped,
  };
}
