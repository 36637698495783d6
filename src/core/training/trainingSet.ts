import type { ModelManifest } from '../../shared/models/manifest';
import type { ClassRecord } from '../../shared/project/types';
import { createBoxCoder, type BoxCoder } from '../../shared/ssd/boxCoder';
import { generatePriors } from '../../shared/ssd/priors';
import type { ProjectDb } from '../db/projectDb';
import { settledLabels, type SettledImage } from '../project/settledLabels';
import { storedSplits, trainValSplit } from './trainValSplit';

/** What every training mode starts from: the base model's box math and the images it learns. */
export interface TrainingSet {
  /** The base model's default boxes, [P·4], and its box coder: the targets are encoded on them. */
  priors: Float32Array;
  coder: BoxCoder;
  /** The project's classes; a class's network column is `classColumn.get(id)` (0: background). */
  classes: ClassRecord[];
  classColumn: Map<number, number>;
  train: SettledImage[];
  val: SettledImage[];
}

/**
 * Checks that the base model can be fine-tuned, and takes the project's settled labels split
 * into train and val (stored splits kept, the rest seeded), capped by `maxImages` (val at half).
 * Throws a message for the person when the model or the labels cannot train.
 */
export function trainingSet(
  project: ProjectDb,
  manifest: ModelManifest,
  settings: { valFraction: number; seed: number; maxImages?: number },
): TrainingSet {
  if (manifest.output.kind !== 'raw' || !manifest.priors || !manifest.boxCoder)
    throw new Error(`${manifest.name} has no raw outputs, priors and box coder to fine-tune`);
  if (manifest.name !== 'ssd-mobilenetv1-face' && !manifest.provenance?.['base-model'])
    throw new Error(`only the face-api SSD spec can be fine-tuned so far (got ${manifest.name})`);

  const { classes, images } = settledLabels(project);
  if (classes.length === 0) throw new Error(`${project.file} has no classes to train`);
  const labelled = images.filter((s) => s.boxes.length > 0);
  if (labelled.length < 2)
    throw new Error(
      `${project.file} has ${labelled.length} settled labelled images; training needs at least 2`,
    );
  const split = trainValSplit(images, {
    valFraction: settings.valFraction,
    seed: settings.seed,
    splits: storedSplits(project),
  });
  const { maxImages } = settings;
  return {
    priors: generatePriors(manifest.priors).boxes,
    coder: createBoxCoder(manifest.boxCoder),
    classes,
    classColumn: new Map(classes.map((c, i) => [c.id, i + 1])),
    train: maxImages ? split.train.slice(0, maxImages) : split.train,
    val: maxImages ? split.val.slice(0, Math.max(1, maxImages >> 1)) : split.val,
  };
}

/** The run's first log line: how many images of which classes. */
export function describeTrainingSet(set: TrainingSet): string {
  const names = set.classes.map((c) => c.name).join(', ');
  return `${set.train.length} training images, ${set.val.length} validation images, ${set.classes.length} classes (${names})`;
}
