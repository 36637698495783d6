import path from 'node:path';
import type { ImageRecord } from '../../shared/project/types';
import type { NewAnnotation } from '../db/annotationRepo';
import type { StepWriter } from '../db/editHistory';
import type { ProjectDb } from '../db/projectDb';
import { isLabel } from '../../shared/project/reviewRule';
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
import { ImageMatcher, type ImageMatch } from './imageMatch';
import { applyWantedSplits, type WantedSplit } from './splits';
import { DECIDED_OVERLAP_IOU } from './storePredictions';

/** An import refused as a whole; `problems` lists every error (and the warnings seen so far). */
export class AnnotationImportError extends Error {
  /**
   * @param outcome what the refusal left, when more than the labels were asked for (the CLI
   *   imports the image folder first): "no project was created", "no label changed (…)".
   */
  constructor(
    readonly problems: FormatProblem[],
    outcome = 'the project is unchanged',
  ) {
    const errors = problems.filter((p) => p.severity === 'error');
    super(
      `import refused, ${outcome}: ${errors.length} error(s)\n` +
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
  /**
   * Boxes identical to ones the project holds (same image, class and coordinates; imported
   * before, or decided by a person): not added twice.
   */
  alreadyPresent: number;
  /**
   * Merge only: boxes not added because a box of their class that the project already decided
   * (a label, or a rejected box) covers them at IoU ≥ 0.7: the same object, moved in the file.
   * The project's box is kept; `replace` takes the file's instead.
   */
  overlapping: number;
  /** Replace only: the project's labels on the listed images that the file's labels replaced. */
  replacedLabels: number;
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
  /**
   * Boxes of the file left out because they cannot be used (the sum of the warnings'
   * `skippedBoxes`): empty, without a box, on an image the project does not have.
   */
  skippedBoxes: number;
  /** Splits the dataset's files gave: where from, and how many images' split changed. */
  splits?: { source: string; set: number };
}

/**
 * How a file's boxes meet the labels a project holds on the same images. `merge` (the default)
 * adds what is new and keeps the project's box where the file holds the same object elsewhere
 * (a box of its class decided in the project covers it at IoU ≥ 0.7), so importing a corrected
 * file twice never doubles a label. `replace` makes the file's labels the labels of every image
 * it lists (their other labels are removed; pending and rejected boxes stay), as one undoable
 * history step, since it removes a person's work.
 */
export type ImportMode = 'merge' | 'replace';

export interface ImportOptions {
  /** Boxes with a score become labels too (default: pending predictions). */
  asLabels?: boolean;
  splits?: SplitFileResult;
  mode?: ImportMode;
  /** The file, as the history names a `replace` step. */
  source?: string;
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
 * box, is marked reviewed: a negative. How the file's boxes meet the project's: see ImportMode
 * (a merge is no undo step, a replace is one); a box the project holds already is never added
 * twice.
 */
export function importParsedAnnotations(
  project: ProjectDb,
  input: ParseResult,
  options: ImportOptions = {},
): AnnotationImportReport {
  // Hostile-input bounds and the class-name rule, before anything is matched or written.
  const parsed = dropRepeatedBoxes(checkParsedClassNames(capBoxesPerImage(input)));
  const problems = [...parsed.problems];
  if (problems.some((p) => p.severity === 'error')) throw new AnnotationImportError(problems);

  const matcher = new ImageMatcher(project.images.all(), project.imageRoot);
  const matches = matcher.matchAll(parsed.annotations.images);
  const warnings = problems.filter((p) => p.severity === 'warning');
  const planned: {
    image: ImageRecord;
    label: string;
    box: [number, number, number, number];
    score?: number;
    where: string;
  }[] = [];
  let matchedImages = 0;
  const negativeIds: number[] = [];
  const wantedSplits = new Map<number, WantedSplit>();
  const all = options.splits?.all;
  warnings.push(...(options.splits?.problems ?? []));

  let firstMiss: FormatProblem | undefined;
  parsed.annotations.images.forEach((entry, i) => {
    const found = matches[i] as ImageMatch;
    if (!found.image) {
      const miss: FormatProblem = {
        severity: 'warning',
        where: entry.where,
        message: `${found.problem}; its ${entry.boxes.length} box(es) skipped`,
        skippedBoxes: entry.boxes.length,
      };
      firstMiss ??= miss;
      warnings.push(miss);
      return;
    }
    const { image } = found;
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
          skippedBoxes: 1,
        });
        continue;
      }
      planned.push({
        image,
        label: b.label,
        box: [x1, y1, x2, y2],
        where: b.where,
        ...(b.score !== undefined && !options.asLabels ? { score: b.score } : {}),
      });
    }
  });
  warnings.push(...renamedCopies(parsed.annotations.images, matches));
  if (matchedImages === 0 && parsed.annotations.images.length > 0) {
    // The first entry's reason, so the one line printed says why (a Roboflow copy, a name that
    // several images share) and not only that nothing matched.
    const first = firstMiss ? `; the first, ${firstMiss.where}: ${firstMiss.message}` : '';
    throw new AnnotationImportError([
      ...warnings,
      {
        severity: 'error',
        where: 'import',
        message: `none of the ${parsed.annotations.images.length} images named in the file is in the project (import the image folder first)${first}`,
      },
    ]);
  }

  if (options.splits && !all) {
    let unknown = 0;
    for (const e of options.splits.entries) {
      const image = matcher.matchReference(e.ref);
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

  const mode = options.mode ?? 'merge';
  const refusal = mode === 'replace' ? replaceRefusal(input, options.asLabels) : undefined;
  if (refusal)
    throw new AnnotationImportError([
      ...warnings,
      { severity: 'error', where: 'import', message: refusal },
    ]);
  const counts = {
    boxes: 0,
    predictions: 0,
    alreadyPresent: 0,
    overlapping: 0,
    replacedLabels: 0,
    negatives: 0,
    mergedPredictions: 0,
  };
  const overlapped: string[] = [];
  let relabelled = 0;
  const relabelledAt: string[] = [];
  let splitsSet = 0;
  project.transaction(() => {
    // Classes in the file's order, so a dataset's class list keeps its order in the project.
    const classIds = new Map(
      parsed.annotations.classes.map((name) => [name, project.classes.ensure(name)]),
    );
    const byImage = new Map<number, { classId: number; p: (typeof planned)[number] }[]>();
    for (const p of planned) {
      const classId = classIds.get(p.label) ?? project.classes.ensure(p.label);
      classIds.set(p.label, classId);
      const list = byImage.get(p.image.id) ?? [];
      list.push({ classId, p });
      byImage.set(p.image.id, list);
    }
    // An image another entry gave boxes to in this import is not a negative.
    const negatives = negativeIds.filter((id) => !byImage.has(id));
    const write = (w: BoxWriter): void => {
      const labelledNow = new Set<number>();
      const listed = mode === 'replace' ? [...byImage.keys(), ...negatives] : byImage.keys();
      for (const imageId of new Set(listed)) {
        const entries = byImage.get(imageId) ?? [];
        let held = project.annotations.ofImage(imageId);
        if (mode === 'replace') {
          const fileLabels = new Set(
            entries.filter((e) => e.p.score === undefined).map((e) => boxKey(e.classId, e.p.box)),
          );
          for (const a of held) {
            if (!isLabel(a) || fileLabels.has(boxKey(a.classId, [a.x1, a.y1, a.x2, a.y2])))
              continue;
            w.removeLabel(a.id);
            counts.replacedLabels++;
          }
          held = project.annotations.ofImage(imageId);
        }
        // What the file cannot add again: boxes it imported before and boxes a person decided
        // (replacing, only labels: the file's label wins over a box a person rejected).
        const keys = new Set(
          held
            .filter((a) =>
              mode === 'replace'
                ? isLabel(a) || (a.origin === 'imported' && a.review === 'pending')
                : a.origin === 'imported' || a.review !== 'pending',
            )
            .map((a) => boxKey(a.classId, [a.x1, a.y1, a.x2, a.y2])),
        );
        const decided = held.filter((a) => a.review !== 'pending');
        const decidedFlat = Float64Array.from(decided.flatMap((a) => [a.x1, a.y1, a.x2, a.y2]));
        for (const { classId, p } of entries) {
          const key = boxKey(classId, p.box);
          if (keys.has(key)) {
            counts.alreadyPresent++;
            continue;
          }
          // The one "same object" rule detection applies: in merge mode the project's decided box
          // wins over the file's; a prediction never lands on a decided box in either mode.
          if (mode === 'merge' || p.score !== undefined) {
            const one = Float64Array.from(p.box);
            const over = decided.filter(
              (_, j) => iouPair(one, 0, decidedFlat, j) >= DECIDED_OVERLAP_IOU,
            );
            if (over.some((d) => d.classId === classId)) {
              counts.overlapping++;
              if (overlapped.length < 3) overlapped.push(p.where);
              continue;
            }
            // Another class on the same object: a class renamed in the file? Both are kept.
            if (p.score === undefined && over.some(isLabel)) {
              relabelled++;
              if (relabelledAt.length < 3) relabelledAt.push(p.where);
            }
          }
          keys.add(key);
          const [x1, y1, x2, y2] = p.box;
          w.insert({
            imageId,
            classId,
            x1,
            y1,
            x2,
            y2,
            origin: 'imported',
            review: p.score === undefined ? 'accepted' : 'pending',
            score: p.score ?? null,
          });
          counts.boxes++;
          if (p.score !== undefined) counts.predictions++;
          else labelledNow.add(imageId);
        }
      }
      const covered = coveredPredictions(project, labelledNow);
      counts.mergedPredictions = covered.length;
      const marked = w.settle(covered, negatives);
      counts.negatives = marked.length;
      project.refreshImageStates([...byImage.keys(), ...negatives]);
    };
    if (mode === 'replace') {
      const n = new Set([...byImage.keys(), ...negatives]).size;
      project.history.record(
        `replace the labels of ${n} image${n === 1 ? '' : 's'}` +
          (options.source ? ` from ${path.basename(options.source)}` : ''),
        (w) => write(historyWriter(project, w)),
      );
    } else write(bulkWriter(project));
    const applied = applyWantedSplits(project, wantedSplits);
    splitsSet = applied.set;
    for (const w of applied.warnings) warnings.push({ severity: 'warning', ...w });
  });
  if (counts.overlapping > 0)
    warnings.push({
      severity: 'warning',
      where: overlapped.join(', ') + (counts.overlapping > overlapped.length ? ', …' : ''),
      message:
        `${counts.overlapping} box(es) not added: each lies on a box of its class the project ` +
        `already decided (IoU ≥ ${DECIDED_OVERLAP_IOU}), the same object moved or redrawn; ` +
        `the project's boxes were kept`,
    });
  if (relabelled > 0)
    warnings.push({
      severity: 'warning',
      where: relabelledAt.join(', ') + (relabelled > relabelledAt.length ? ', …' : ''),
      message:
        `${relabelled} label(s) added on a project label of another class (IoU ≥ ` +
        `${DECIDED_OVERLAP_IOU}): a class renamed in the file? Both kept; a replace import ` +
        `takes the file's labels`,
    });
  return {
    images: matchedImages,
    ...counts,
    warnings,
    skippedBoxes: warnings.reduce((n, w) => n + (w.skippedBoxes ?? 0), 0),
    ...(options.splits?.source
      ? { splits: { source: options.splits.source, set: splitsSet } }
      : {}),
  };
}

/**
 * Why a file cannot replace labels, or undefined: its boxes with a score are a model's guesses,
 * and replacing labels with them would remove every listed image's labels for boxes that are no
 * labels at all (unless `asLabels`). Checked before anything is written.
 */
export function replaceRefusal(input: ParseResult, asLabels?: boolean): string | undefined {
  if (asLabels) return undefined;
  const scored = input.annotations.images.reduce(
    (n, i) => n + i.boxes.filter((b) => b.score !== undefined).length,
    0,
  );
  return scored > 0
    ? `${scored} box(es) of the file carry a score (a model's predictions, not labels): a replace takes labels only; import them as labels (--as-labels) or merge them (without --replace)`
    : undefined;
}

/**
 * The pending model predictions that a label of the same class covers at IoU ≥ 0.7 on these
 * images: a model's guess at an object a label now settles is no open question, and accepting it
 * would double the label.
 */
function coveredPredictions(project: ProjectDb, imageIds: Iterable<number>): number[] {
  const covered: number[] = [];
  for (const imageId of imageIds) {
    const boxes = project.annotations.ofImage(imageId);
    const labels = boxes.filter(isLabel);
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
  return covered;
}

/** Where an import's writes go: straight to the tables (merge) or into one history step (replace). */
interface BoxWriter {
  insert(input: NewAnnotation): void;
  /** Replace only: a label of a listed image that the file's labels replace. */
  removeLabel(id: number): void;
  /** Removes the predictions the new labels cover and marks the negatives; returns those marked. */
  settle(coveredPredictions: number[], negatives: number[]): number[];
}

/**
 * Merge: an import is a bulk write from a file that can be repeated, not an undo step (its ids
 * never collide with the history's) — except the removal of the predictions its labels cover,
 * a step of its own that undo brings back.
 */
function bulkWriter(project: ProjectDb): BoxWriter {
  return {
    insert: (input) => void project.annotations.insert(input),
    removeLabel: () => {
      throw new Error('a merge import never removes a label');
    },
    settle: (covered, negatives) => {
      if (covered.length > 0)
        project.history.record('merge predictions into imported labels', (w) => {
          for (const id of covered) w.deleteAnnotation(id);
        });
      return project.images.markImportedNegatives(negatives);
    },
  };
}

/** Replace: every write is part of the one step that undo reverts. */
function historyWriter(project: ProjectDb, w: StepWriter): BoxWriter {
  return {
    insert: (input) => void w.insertAnnotation(input),
    removeLabel: (id) => w.deleteAnnotation(id),
    settle: (covered, negatives) => {
      for (const id of covered) w.deleteAnnotation(id);
      const marked = project.images.unmarkedWithoutBoxes(negatives);
      for (const id of marked) w.setImageMarks(id, { reviewedMark: 1 });
      return marked;
    },
  };
}

/** One note per tool whose renamed copies were matched to the project's originals by name. */
function renamedCopies(
  entries: readonly ParsedImage[],
  matches: readonly ImageMatch[],
): FormatProblem[] {
  const tools = { 'label-studio': 'Label Studio upload', roboflow: 'Roboflow export' } as const;
  return (Object.keys(tools) as (keyof typeof tools)[]).flatMap((how) => {
    const found = matches.flatMap((m, i) => (m.image && m.how === how ? [i] : []));
    if (found.length === 0) return [];
    const [i] = found as [number];
    return [
      {
        severity: 'warning' as const,
        where: entries[i]!.where,
        message:
          `${found.length} image name(s) are ${tools[how]} names, matched to the project's originals ` +
          `('${entries[i]!.file}' → '${matches[i]!.image!.path}'` +
          (how === 'roboflow' ? ', same size' : '') +
          (found.length > 1 ? ', …' : '') +
          ')',
      },
    ];
  });
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
