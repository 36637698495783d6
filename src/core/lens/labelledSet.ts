/**
 * The labelled boxes the lens inspects, from a project (its settled labels) or from annotation
 * files alone (VOC/COCO carry image sizes; YOLO is normalised, so its images give the sizes).
 * Bad entries are reported and skipped; the rest is inspected.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { AnnotationFormat, FormatProblem, ParseResult } from '../formats/annotationSet';
import { parseCoco } from '../formats/coco';
import { listFiles, pathKind, withoutExtension } from '../formats/formatUtils';
import { parseVoc } from '../formats/voc';
import { parseYolo } from '../formats/yolo';
import type { ProjectDb } from '../db/projectDb';
import { settledLabels } from '../project/settledLabels';
import { probeImage } from '../image/decode';

export type Box = [number, number, number, number];

export interface LabelledImage {
  /** As the label file names it (or the project's relative path). */
  file: string;
  width: number;
  height: number;
  /** Ground truth in file order: x1, y1, x2, y2 in image pixels, as written. */
  gts: Array<{ box: Box; class: string }>;
  /** Project image id, when the set comes from a project. */
  imageId?: number;
}

export interface LabelledSet {
  images: LabelledImage[];
  problems: FormatProblem[];
}

const IMAGE_EXTENSIONS = ['.jpg', '.jpeg', '.png', '.bmp', '.webp', '.tif', '.tiff', '.gif'];

/** The project's settled labels (the one `settledLabels` rule), image by image. */
export function labelledFromProject(project: ProjectDb): LabelledSet {
  const { classes, images } = settledLabels(project);
  const names = new Map(classes.map((c) => [c.id, c.name]));
  return {
    images: images
      .filter((s) => s.boxes.length > 0)
      .map((s) => ({
        file: s.image.path,
        width: s.image.width,
        height: s.image.height,
        imageId: s.image.id,
        gts: s.boxes.map((b) => ({
          box: [b.x1, b.y1, b.x2, b.y2] as Box,
          class: names.get(b.classId) ?? `class ${b.classId}`,
        })),
      })),
    problems: [],
  };
}

/**
 * Reads annotation files. `imagesDir` supplies sizes the files lack (always needed for YOLO:
 * an image with the label file's path and any image extension). Parse errors are reported, not
 * thrown; an image without a known size is skipped with a problem.
 */
export async function labelledFromFiles(
  input: string,
  format: AnnotationFormat,
  imagesDir?: string,
): Promise<LabelledSet> {
  const kind = await pathKind(input);
  if (kind === 'missing') throw new Error(`${input} does not exist`);
  let parsed: ParseResult;
  if (format === 'voc') parsed = await parseVoc(input);
  else if (format === 'coco') {
    if (kind !== 'file')
      throw new Error(`--format coco needs a COCO JSON file, ${input} is not one`);
    parsed = await parseCoco(input);
  } else parsed = await parseYolo(input);
  const problems = [...parsed.problems];
  const sizes = imagesDir ? await imageSizeLookup(imagesDir) : undefined;
  const images: LabelledImage[] = [];
  for (const entry of parsed.annotations.images) {
    let width = entry.width;
    let height = entry.height;
    if (!(width && height) && sizes) {
      const found = await sizes(entry.file);
      if (found) ({ width, height } = found);
    }
    if (!(width && height && width > 0 && height > 0)) {
      problems.push({
        severity: 'error',
        where: entry.where,
        message:
          `no image size for '${entry.file}'` +
          (imagesDir ? ` (no such image under ${imagesDir})` : ' (give --images <dir>)') +
          '; its boxes are skipped',
      });
      continue;
    }
    const gts: LabelledImage['gts'] = [];
    for (const b of entry.boxes) {
      const box: Box = b.normalized
        ? [b.x1 * width, b.y1 * height, b.x2 * width, b.y2 * height]
        : [b.x1, b.y1, b.x2, b.y2];
      if (!box.every(Number.isFinite) || box[2] < box[0] || box[3] < box[1]) {
        problems.push({
          severity: 'error',
          where: b.where,
          message: `box [${box.join(', ')}] is not x1 ≤ x2, y1 ≤ y2 with finite numbers; skipped`,
        });
        continue;
      }
      gts.push({ box, class: b.label });
    }
    images.push({ file: entry.file, width, height, gts });
  }
  return { images, problems };
}

/** Finds an image by the label's path (with or without extension) under `dir`; gives its size. */
async function imageSizeLookup(
  dir: string,
): Promise<(file: string) => Promise<{ width: number; height: number } | undefined>> {
  const byStem = new Map<string, string>();
  for (const ext of IMAGE_EXTENSIONS) {
    for (const f of await listFiles(dir, ext)) {
      const rel = path.relative(dir, f).split(path.sep).join('/');
      byStem.set(rel, f);
      if (!byStem.has(withoutExtension(rel))) byStem.set(withoutExtension(rel), f);
    }
  }
  return async (file) => {
    const full = byStem.get(file) ?? byStem.get(withoutExtension(file));
    if (!full) return undefined;
    try {
      const probe = await probeImage(await readFile(full), full);
      return { width: probe.width, height: probe.height };
    } catch {
      return undefined;
    }
  };
}
