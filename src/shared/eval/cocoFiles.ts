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

const imageIdSchema = z.union([z.number().int(), z.string().min(1)]);
const finite = z.number().finite();
const bboxSchema = z
  .tuple([finite, finite, finite, finite])
  .refine(([, , w, h]) => w >= 0 && h >= 0, 'width and height must not be negative');
const flagSchema = z.union([z.literal(0), z.literal(1), z.boolean()]).optional();

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
  id: z.number().int(),
  name: z.union([z.string(), z.number()]).optional(),
});
/** pycocotools treats any non-zero `iscrowd` as crowd (`if iscrowd[j]`, `ignore = iscrowd`). */
const crowdSchema = z.union([z.number().int().nonnegative(), z.boolean()]).optional();
const gtAnnotationSchema = z.object({
  id: z.number().int(),
  image_id: imageIdSchema,
  category_id: z.number().int(),
  bbox: bboxSchema,
  area: finite.optional(),
  iscrowd: crowdSchema,
  difficult: flagSchema,
});
const detectionSchema = z.object({
  image_id: imageIdSchema,
  category_id: z.number().int(),
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
}

/** Problems of the same kind beyond this many are summarised in one line. */
const MAX_WARNINGS_PER_KIND = 5;

class Warnings {
  private readonly counts = new Map<string, number>();
  readonly lines: string[] = [];
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
      return warnings.add('bad images', `${label}: images[${i}] skipped: ${issueText(r.error)}`);
    if (imageIds.has(r.data.id))
      return warnings.add(
        'duplicate image ids',
        `${label}: images[${i}]: image id ${r.data.id} appears twice; counted once`,
      );
    imageIds.add(r.data.id);
    images.push({ id: r.data.id, ...(r.data.file_name ? { fileName: r.data.file_name } : {}) });
  });
  if (new Set(images.map((i) => typeof i.id)).size > 1)
    throw new EvalInputError(`${label}: image ids mix numbers and strings`);

  const categories: EvalCategory[] = [];
  doc.data.categories.forEach((raw, i) => {
    const r = gtCategorySchema.safeParse(raw);
    if (!r.success)
      return warnings.add(
        'bad categories',
        `${label}: categories[${i}] skipped: ${issueText(r.error)}`,
      );
    if (categories.some((c) => c.id === r.data.id))
      return warnings.add(
        'duplicate category ids',
        `${label}: categories[${i}]: category id ${r.data.id} appears twice; the first is kept`,
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
      return warnings.add(
        'bad annotations',
        `${label}: annotations[${i}] skipped: ${issueText(r.error)}`,
      );
    const a = r.data;
    if (!imageIds.has(a.image_id))
      return warnings.add(
        'annotations of unknown images',
        `${label}: annotations[${i}] skipped: image ${a.image_id} is not in "images"`,
      );
    if (!categoryIds.has(a.category_id))
      return warnings.add(
        'annotations of unknown categories',
        `${label}: annotations[${i}] skipped: category ${a.category_id} is not in "categories"`,
      );
    if (annotationIds.has(a.id))
      warnings.add(
        'duplicate annotation ids',
        `${label}: annotations[${i}]: annotation id ${a.id} appears twice; as in pycocotools, the last one with this id is scored in place of each`,
      );
    annotationIds.add(a.id);
    annotations.push({
      id: a.id,
      imageId: a.image_id,
      categoryId: a.category_id,
      bbox: a.bbox as XywhBox,
      area: a.area ?? a.bbox[2] * a.bbox[3],
      iscrowd: a.iscrowd === true || (typeof a.iscrowd === 'number' && a.iscrowd > 0),
      difficult: a.difficult === 1 || a.difficult === true,
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
      return warnings.add('bad images', `${label}: images[${i}] skipped: ${issueText(r.error)}`);
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
          warnings.add(
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
      return warnings.add(
        'bad detections',
        `${labels.dt}: detection ${i} skipped: ${issueText(r.error)}`,
      );
    const imageId = mapImage(r.data.image_id);
    if (imageId === undefined) return;
    if (!gtImageIds.has(imageId))
      return warnings.add(
        'detections on unknown images',
        `${labels.dt}: detection ${i} skipped: image ${r.data.image_id} is not in the ground truth`,
      );
    const categoryId = mapCategory(r.data.category_id);
    if (categoryId === undefined) return;
    if (!gtCategoryIds.has(categoryId))
      warnings.add(
        'detections of unknown categories',
        `${labels.dt}: detection ${i}: category ${categoryId} is not in the ground truth; not scored`,
      );
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
  };
}
