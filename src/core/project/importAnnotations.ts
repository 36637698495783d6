import path from 'node:path';
import type { ImageRecord } from '../../shared/project/types';
import type { ProjectDb } from '../db/projectDb';
import {
  capBoxesPerImage,
  checkParsedClassNames,
  dropRepeatedBoxes,
  type FormatProblem,
  type ParsedImage,
  type ParseResult,
} from '../formats/annotationSet';
import type { SplitFileResult } from '../formats/splitFiles';
import { iouPair } from '../../shared/ssd/iou';
import { applyWantedSplits, type WantedSplit } from './splits';
import { DECIDED_OVERLAP_IOU } from './storePredictions';

/** An import refused as a whole; `problems` lists every error (and the warnings seen so far). */
export class AnnotationImportError extends Error {
  constructor(readonly problems: FormatProblem[]) {
    const errors = problems.filter((p) => p.severity === 'error');
    super(
      `import refused, the project is unchanged: ${errors.length} error(s)\n` +
        errors.map((p) => `  ${p.where}: ${p.message}`).join('\n'),
    );
    this.name = 'AnnotationImportError';
  }
}

export interface AnnotationImportReport {
  /** Images of the file found in the project. */
  images: number;
  /** Boxes added (labels and predictions). */
  boxes: number;
  /** Of those, boxes that carried a score and were stored as pending predictions. */
  predictions: number;
  /** Boxes identical to ones imported before (same image, class and coordinates): not added twice. */
  alreadyPresent: number;
  /**
   * Images the file lists without any object (none left out either), holding no box, now marked
   * reviewed: negatives, which exports and training keep ("nothing here").
   */
  negatives: number;
  /**
   * Pending model predictions removed because an imported label of their class now covers them
   * (IoU ≥ 0.7, the rule detection applies to new predictions): one undoable step.
   */
  mergedPredictions: number;
  /** Boxes skipped or changed (clipped), unknown images, size mismatches: the import went on. */
  warnings: FormatProblem[];
  /** Splits the dataset's files gave: where from, and how many images' split changed. */
  splits?: { source: string; set: number };
}

/** Relative tolerance for "outside the image": sub-pixel rounding in other tools is not a warning. */
const CLIP_EPSILON = 1e-6;

/**
 * Writes parsed annotations into the project in one transaction, or nothing at all: any parse
 * error refuses the import. Images are matched by path relative to the image root, then (when
 * unambiguous) by file name; boxes are converted to pixels with the project's own image sizes,
 * clipped to the image with a warning, and dropped with a warning when empty. Imported boxes are
 * labels, so they enter as `accepted` — except boxes that carry a score (a model's guesses, e.g.
 * an export with predictions): those enter as pending predictions unless `asLabels`. Image states
 * are re-derived in the same transaction. An image the file lists without objects, holding no
 * box, is marked reviewed: a negative. Not an undo step: an import is a bulk write from a file
 * that can be repeated (boxes already imported are not added twice); its ids never collide with
 * the history's.
 */
export function importParsedAnnotations(
  project: ProjectDb,
  input: ParseResult,
  options: { asLabels?: boolean; splits?: SplitFileResult } = {},
): AnnotationImportReport {
  // Hostile-input bounds and the class-name rule, before anything is matched or written.
  const parsed = dropRepeatedBoxes(checkParsedClassNames(capBoxesPerImage(input)));
  const problems = [...parsed.problems];
  if (problems.some((p) => p.severity === 'error')) throw new AnnotationImportError(problems);

  const match = imageMatcher(project.images.all());
  const warnings = problems.filter((p) => p.severity === 'warning');
  const planned: {
    image: ImageRecord;
    label: string;
    box: [number, number, number, number];
    score?: number;
  }[] = [];
  let matchedImages = 0;
  const negativeIds: number[] = [];
  const wantedSplits = new Map<number, WantedSplit>();
  const all = options.splits?.all;
  warnings.push(...(options.splits?.problems ?? []));

  for (const entry of parsed.annotations.images) {
    const image = match(entry.file);
    if (!image) {
      warnings.push({
        severity: 'warning',
        where: entry.where,
        message: `image '${entry.file}' is not in the project; its ${entry.boxes.length} box(es) skipped`,
      });
      continue;
    }
    matchedImages++;
    if (all) wantedSplits.set(image.id, { split: all, where: options.splits!.source ?? 'import' });
    checkClaimedSize(entry, image, warnings);
    if (entry.boxes.length === 0 && !entry.dropped) negativeIds.push(image.id);
    for (const b of entry.boxes) {
      const sx = b.normalized ? image.width : 1;
      const sy = b.normalized ? image.height : 1;
      let [x1, y1, x2, y2] = [b.x1 * sx, b.y1 * sy, b.x2 * sx, b.y2 * sy];
      const tolX = CLIP_EPSILON * image.width;
      const tolY = CLIP_EPSILON * image.height;
      if (x1 < -tolX || y1 < -tolY || x2 > image.width + tolX || y2 > image.height + tolY) {
        warnings.push({
          severity: 'warning',
          where: b.where,
          message: `box [${fmt(x1)}, ${fmt(y1)}, ${fmt(x2)}, ${fmt(y2)}] extends outside the ${image.width}×${image.height} image; clipped`,
        });
      }
      [x1, y1, x2, y2] = [
        clamp(x1, image.width),
        clamp(y1, image.height),
        clamp(x2, image.width),
        clamp(y2, image.height),
      ];
      if (!(x2 > x1 && y2 > y1)) {
        warnings.push({
          severity: 'warning',
          where: b.where,
          message: 'box is empty inside the image; skipped',
        });
        continue;
      }
      planned.push({
        image,
        label: b.label,
        box: [x1, y1, x2, y2],
        ...(b.score !== undefined && !options.asLabels ? { score: b.score } : {}),
      });
    }
  }
  if (matchedImages === 0 && parsed.annotations.images.length > 0) {
    throw new AnnotationImportError([
      ...warnings,
      {
        severity: 'error',
        where: 'import',
        message: `none of the ${parsed.annotations.images.length} images named in the file is in the project (import the image folder first)`,
      },
    ]);
  }

  if (options.splits && !all) {
    const toRef = splitRef(project.imageRoot);
    let unknown = 0;
    for (const e of options.splits.entries) {
      const image = match(toRef(e.ref));
      if (image) wantedSplits.set(image.id, { split: e.split, where: e.where });
      else unknown++;
    }
    if (unknown > 0)
      warnings.push({
        severity: 'warning',
        where: options.splits.source ?? 'splits',
        message: `${unknown} image(s) named in the split lists are not in the project; their split is not set`,
      });
  }

  let boxes = 0;
  let predictions = 0;
  let alreadyPresent = 0;
  let splitsSet = 0;
  let negatives = 0;
  let mergedPredictions = 0;
  project.transaction(() => {
    const labelledNow = new Set<number>();
    // Classes in the file's order, so a dataset's class list keeps its order in the project.
    const classIds = new Map(
      parsed.annotations.classes.map((name) => [name, project.classes.ensure(name)]),
    );
    const existing = new Map<number, Set<string>>();
    for (const p of planned) {
      const classId = classIds.get(p.label) ?? project.classes.ensure(p.label);
      classIds.set(p.label, classId);
      let keys = existing.get(p.image.id);
      if (!keys) {
        keys = new Set(
          project.annotations
            .ofImage(p.image.id)
            .filter((a) => a.origin === 'imported')
            .map((a) => boxKey(a.classId, [a.x1, a.y1, a.x2, a.y2])),
        );
        existing.set(p.image.id, keys);
      }
      const key = boxKey(classId, p.box);
      if (keys.has(key)) {
        alreadyPresent++;
        continue;
      }
      keys.add(key);
      const [x1, y1, x2, y2] = p.box;
      project.annotations.insert({
        imageId: p.image.id,
        classId,
        x1,
        y1,
        x2,
        y2,
        origin: 'imported',
        review: p.score === undefined ? 'accepted' : 'pending',
        score: p.score ?? null,
      });
      boxes++;
      if (p.score !== undefined) predictions++;
      else labelledNow.add(p.image.id);
    }
    mergedPredictions = mergeCoveredPredictions(project, labelledNow);
    // An image another entry gave boxes to in this import is not a negative.
    const marked = project.images.markImportedNegatives(
      negativeIds.filter((id) => !existing.has(id)),
    );
    negatives = marked.length;
    project.refreshImageStates([...existing.keys(), ...marked]);
    const applied = applyWantedSplits(project, wantedSplits);
    splitsSet = applied.set;
    for (const w of applied.warnings) warnings.push({ severity: 'warning', ...w });
  });
  return {
    images: matchedImages,
    boxes,
    predictions,
    alreadyPresent,
    negatives,
    mergedPredictions,
    warnings,
    ...(options.splits?.source
      ? { splits: { source: options.splits.source, set: splitsSet } }
      : {}),
  };
}

/**
 * Removes the pending model predictions that a label of the same class covers at IoU ≥ 0.7 on
 * these images, as one history step (undo brings them back): a model's guess at an object a
 * label now settles is no open question, and accepting it would double the label.
 */
function mergeCoveredPredictions(project: ProjectDb, imageIds: Iterable<number>): number {
  const covered: number[] = [];
  for (const imageId of imageIds) {
    const boxes = project.annotations.ofImage(imageId);
    const labels = boxes.filter((a) => a.review === 'accepted' || a.review === 'edited');
    const flat = (list: typeof boxes): Float64Array =>
      Float64Array.from(list.flatMap((a) => [a.x1, a.y1, a.x2, a.y2]));
    const labelFlat = flat(labels);
    for (const a of boxes) {
      if (a.origin !== 'model' || a.review !== 'pending') continue;
      const one = flat([a]);
      if (
        labels.some(
          (l, j) => l.classId === a.classId && iouPair(one, 0, labelFlat, j) >= DECIDED_OVERLAP_IOU,
        )
      )
        covered.push(a.id);
    }
  }
  if (covered.length === 0) return 0;
  project.history.record('merge predictions into imported labels', (w) => {
    for (const id of covered) w.deleteAnnotation(id);
  });
  return covered.length;
}

/** Finds the project image an annotation file means: exact path, path without extension, unique file name. */
function imageMatcher(images: ImageRecord[]): (file: string) => ImageRecord | undefined {
  const byPath = new Map(images.map((i) => [i.path, i]));
  const multi = (key: (i: ImageRecord) => string): Map<string, ImageRecord[]> => {
    const m = new Map<string, ImageRecord[]>();
    for (const i of images) m.set(key(i), [...(m.get(key(i)) ?? []), i]);
    return m;
  };
  const stem = (p: string): string => p.slice(0, p.length - path.posix.extname(p).length);
  const byStem = multi((i) => stem(i.path));
  const byName = multi((i) => path.posix.basename(i.path));
  const byNameStem = multi((i) => stem(path.posix.basename(i.path)));
  const unique = (list: ImageRecord[] | undefined): ImageRecord | undefined =>
    list?.length === 1 ? list[0] : undefined;
  return (raw) => {
    const file = raw.replace(/\\/g, '/').replace(/^\.\//, '');
    return (
      byPath.get(file) ??
      unique(byStem.get(file)) ??
      unique(byName.get(path.posix.basename(file))) ??
      unique(byNameStem.get(path.posix.basename(file)))
    );
  };
}

/** A split list's image reference as the matcher takes it: inside the image root, its path there. */
function splitRef(imageRoot: string): (ref: string) => string {
  return (ref) => {
    if (!path.isAbsolute(ref)) return ref;
    const rel = path.relative(imageRoot, ref);
    return rel.startsWith('..') || path.isAbsolute(rel)
      ? path.basename(ref)
      : rel.split(path.sep).join('/');
  };
}

function checkClaimedSize(entry: ParsedImage, image: ImageRecord, warnings: FormatProblem[]): void {
  if (entry.width === undefined || entry.height === undefined) return;
  if (entry.width === image.width && entry.height === image.height) return;
  const swapped = entry.width === image.height && entry.height === image.width;
  warnings.push({
    severity: 'warning',
    where: entry.where,
    message: swapped
      ? `the file gives ${entry.width}×${entry.height} but the image displays as ${image.width}×${image.height} (EXIF orientation?); boxes kept as written`
      : `the file gives ${entry.width}×${entry.height} but the image is ${image.width}×${image.height}; boxes kept as written`,
  });
}

function boxKey(classId: number, b: readonly number[]): string {
  return `${classId}:${b.map((v) => v.toFixed(6)).join(',')}`;
}

function clamp(v: number, hi: number): number {
  return v < 0 ? 0 : v > hi ? hi : v;
}

function fmt(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(2);
}
