/**
 * One fine-tuning run on a frozen backbone. ONNX Runtime computes the backbone's feature maps of
 * a fixed set of views of each training image once (the image, its mirror, a few seeded SSD
 * augmentations: `featureCache`); tfjs then trains the box and class predictors (`heads`) — and
 * in `extras` mode the SSD extra layers too — for many epochs on those cached maps. Each epoch
 * ends with val AP@0.5 of the current model (cached val maps, the detector's own postprocess at
 * score ≥ 0.01); the best epoch is the model written, and training stops early when val AP stops
 * improving. State is checkpointed after each epoch beside the output, so a stopped run resumes.
 */
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { canvasToImage } from '../../shared/ssd/canvasMapping';
import type { ModelManifest } from '../../shared/models/manifest';
import { postprocessRaw } from '../../shared/detection/postprocess';
import { seededRng, type AugBox, type AugmentOptions } from '../../shared/training/augment';
import { ssdLoss } from '../../shared/training/ssdLoss';
import { TRAIN_DEFAULTS } from '../../shared/training/defaults';
import { evaluateDetections } from '../../shared/eval/evaluate';
import { bestF1OperatingPoint, type OperatingPoint } from '../../shared/eval/operatingPoint';
import { writeFileAtomic } from '../fs/atomicWrite';
import type { EvalDataset, EvalDetection, EvalGroundTruth } from '../../shared/eval/dataset';
import { decodeImageFile } from '../image/decode';
import { Detector } from '../detector/detector';
import { readManifest, type ModelEntry } from '../models/registry';
import { faceApiSsdSpec } from '../models/faceApiSsd/modelSpec';
import {
  loadFaceApiSsdWeights,
  locateFaceApiSsdFiles,
} from '../models/faceApiSsd/convertFaceApiSsd';
import type { ProjectDb } from '../db/projectDb';
import type { SettledImage } from '../project/settledLabels';
import { BackboneFeatures } from './backboneFeatures';
import {
  cacheImage,
  cacheView,
  dequantizeMaps,
  viewsOf,
  type CachedImage,
  type CachedView,
} from './featureCache';
import {
  initialHeadParams,
  TrainableHeads,
  type HeadOutputs,
  type HeadParams,
} from './trainableHeads';
import { initialExtrasParams, TrainableExtras } from './trainableExtras';
import { modelNameFromPath, writeTrainedModel } from './exportTrained';
import { describeTrainingSet, trainingSet } from './trainingSet';
import { loadCheckpoint, type Checkpoint } from './checkpoint';
import { runEpochs } from './epochLoop';

export type TrainMode = 'heads' | 'extras' | 'full';

export interface TrainSettings {
  epochs: number;
  mode: TrainMode;
  batchSize: number;
  learningRate: number;
  /** Epochs without a better val mAP before stopping. */
  patience: number;
  valFraction: number;
  seed: number;
  augmentation: AugmentOptions;
  /**
   * Seeded augmented views per training image, computed once, besides the image and (with
   * `augmentation.flip`) its mirror. Default {@link DEFAULT_AUGMENTED_VIEWS}.
   */
  augmentedViews?: number;
  /**
   * Per-step decay of the moving average of the weights that is validated and exported
   * (`ParamAverage`); 0 validates and exports the raw weights. Default {@link DEFAULT_AVERAGE_DECAY}.
   */
  averageDecay?: number;
  /** Train on at most this many images (tests); default all. */
  maxImages?: number;
}

/** Augmented views per image when the settings do not say. */
export const DEFAULT_AUGMENTED_VIEWS: number = TRAIN_DEFAULTS.augmentedViews;

/** Weight-average decay when the settings do not say. */
export const DEFAULT_AVERAGE_DECAY: number = TRAIN_DEFAULTS.averageDecay;

/** How validation reads detections: as `shotbox eval` does (DESIGN.md §3). */
export const VAL_POSTPROCESS = {
  scoreThreshold: 0.01,
  iouThreshold: 0.45,
  topK: 200,
  perClassCandidates: 400,
  maxPerClass: null,
  // As the exported model's manifest does (it inherits the base model's conventions).
  clipBeforeNms: false,
};

export interface StepReport {
  epoch: number;
  step: number;
  steps: number;
  loss: number;
  loc: number;
  conf: number;
}

export interface EpochReport {
  epoch: number;
  epochs: number;
  trainLoss: number;
  valMap: number;
  bestEpoch: number;
  bestMap: number;
  seconds: number;
}

export interface TrainEvents {
  log(message: string): void;
  step(report: StepReport): void;
  epoch(report: EpochReport): void;
  /** Polled between steps: true stops the run (the last checkpoint and best model stay). */
  cancelled(): boolean;
}

export interface TrainRequest {
  project: ProjectDb;
  base: ModelEntry;
  /** `<dir>/<name>.json`. */
  out: string;
  settings: TrainSettings;
  events: TrainEvents;
}

export interface TrainOutcome {
  status: 'done' | 'early-stopped' | 'cancelled';
  epochsDone: number;
  bestEpoch: number;
  bestMap: number;
  history: EpochReport[];
  manifestPath: string | null;
}

interface ValImage extends CachedImage {
  file: string;
  boxes: AugBox[];
}

/** The directory holding a run's checkpoint, beside its output. */
export function checkpointDir(out: string): string {
  return path.join(path.dirname(out), `${modelNameFromPath(out)}.checkpoint`);
}

/** Runs a fine-tuning (either mode; the name stays for the callers that know it). */
export async function trainHeads(req: TrainRequest): Promise<TrainOutcome> {
  const { project, base, settings, events } = req;
  // The whole network trains without a feature cache: its own loop (trainFull.ts).
  if (settings.mode === 'full') return (await import('./trainFull')).trainFull(req);
  const manifest = base.manifest;
  const set = trainingSet(project, manifest, settings);
  const { classes, classColumn, train: trainSet, val: valSet, priors, coder } = set;
  events.log(describeTrainingSet(set));

  const spec = faceApiSsdSpec();
  const weights = await loadFaceApiSsdWeights(locateFaceApiSsdFiles().manifestPath, spec);
  const numClasses = classes.length + 1;

  const dir = checkpointDir(req.out);
  const identity = {
    project: project.file,
    base: manifest.name,
    classes: classes.map((c) => c.name),
    mode: settings.mode,
  };
  const resumed = await loadCheckpoint(dir, identity);
  const heads = new TrainableHeads(
    spec,
    numClasses,
    resumed?.last ?? initialHeadParams(spec, weights, numClasses, settings.seed),
  );
  const extras =
    settings.mode === 'extras'
      ? new TrainableExtras(spec, resumed?.last ?? initialExtrasParams(spec, weights))
      : null;
  const params = (): HeadParams => ({ ...heads.params(), ...extras?.params() });
  const assign = (p: HeadParams): void => {
    heads.assign(p);
    extras?.assign(p);
  };
  const state: Checkpoint = resumed ?? {
    identity,
    epochsDone: 0,
    bestEpoch: 0,
    bestMap: -1,
    history: [],
    last: params(),
    best: null,
  };
  if (resumed)
    events.log(
      `resuming after epoch ${resumed.epochsDone} (best val mAP ${fmt(resumed.bestMap)} at epoch ${resumed.bestEpoch})`,
    );

  const boxesOf = (s: SettledImage): AugBox[] =>
    s.boxes.map((b) => ({
      x1: b.x1,
      y1: b.y1,
      x2: b.x2,
      y2: b.y2,
      classIndex: classColumn.get(b.classId)!,
    }));
  const inputSize = Math.max(manifest.input.width, manifest.input.height);
  const viewOptions = {
    augmentation: settings.augmentation,
    augmentedViews: settings.augmentedViews ?? DEFAULT_AUGMENTED_VIEWS,
    inputSize,
  };

  // Every view's features once, before the first epoch.
  const backbone = await BackboneFeatures.create(spec, weights, manifest.input);
  events.log(
    `frozen backbone on ONNX Runtime (${backbone.provider}); ${settings.mode} on tfjs ${tf.getBackend()}`,
  );
  const train: CachedView[] = [];
  const val: ValImage[] = [];
  try {
    const t0 = performance.now();
    const viewRng = seededRng(settings.seed * 7919 + 1);
    for (const s of trainSet) {
      if (events.cancelled()) break;
      let image;
      try {
        image = await decodeImageFile(project.imagePath(s.image.path));
      } catch (err) {
        events.log(`skipping ${s.image.path}: ${(err as Error).message}`);
        continue;
      }
      for (const view of viewsOf(image, boxesOf(s), viewOptions, viewRng))
        train.push(await cacheView(backbone, view.image, view.boxes, { priors, coder }));
    }
    for (const s of valSet) {
      if (events.cancelled()) break;
      try {
        const file = project.imagePath(s.image.path);
        const image = await decodeImageFile(file);
        val.push({ ...(await cacheImage(backbone, image)), file, boxes: boxesOf(s) });
      } catch (err) {
        events.log(`skipping ${s.image.path}: ${(err as Error).message}`);
      }
    }
    events.log(
      `features of ${train.length} training views and ${val.length} validation images in ${((performance.now() - t0) / 1000).toFixed(0)} s`,
    );
  } finally {
    await backbone.dispose();
  }

  const base$ = { manifest, spec, weights };
  const className = classes.map((c) => c.name);
  const provenance = (epoch: number, map: number): Record<string, string> => ({
    'base-model': manifest.name,
    'base-source': manifest.provenance?.source ?? '',
    project: project.file,
    run: `${settings.seed}`,
    settings: JSON.stringify(settings),
    epoch: String(epoch),
    'val-map50': map.toFixed(4),
    'trained-by': 'shotbox train',
  });
  // In extras mode the maps the extra layers make are computed from the cached source map.
  const source = extras ? spec.predictors[extras.sourcePredictor]! : null;
  const sourceCells = source ? source.featureSize * source.featureSize : 0;
  const mapsOf = (cached: readonly Uint8Array[]): Float32Array[] => {
    const maps = dequantizeMaps(cached);
    if (!extras || !source) return maps;
    const made = extras.forward(maps[extras.sourcePredictor]!, sourceCells, source.channels);
    return maps.map((m, k) => made[k] ?? m);
  };
  const fedByExtras = new Set(extras ? extras.outputs.flatMap((name, k) => (name ? [k] : [])) : []);
  const forward = (maps: readonly Uint8Array[]): HeadOutputs => heads.forward(mapsOf(maps));
  const valMap = (): number =>
    valMap50(val, numClasses - 1, forward, (o) =>
      postprocessRaw(
        { offsets: o.loc, logits: o.logits, numPriors: priors.length / 4, numColumns: numClasses },
        {
          coder,
          priors,
          activation: 'softmax',
          backgroundIndex: 0,
          classColumns: className.map((_, i) => i + 1),
        },
        { ...VAL_POSTPROCESS, classAgnostic: className.length === 1 },
      ),
    );

  let status: TrainOutcome['status'];
  try {
    status = await runEpochs({
      settings,
      events,
      dir,
      state,
      trainCount: train.length,
      valCount: val.length,
      params,
      assign,
      step: (indices, optimizer) => {
        const batch = [];
        let sl = 0,
          sloc = 0,
          sconf = 0;
        for (const idx of indices) {
          const view = train[idx]!;
          const maps = mapsOf(view.maps);
          const out = heads.forward(maps);
          const loss = ssdLoss({
            loc: out.loc,
            logits: out.logits,
            numClasses,
            targets: view.targets,
            activation: 'softmax',
            backgroundIndex: 0,
          });
          batch.push({ maps, gradLoc: loss.gradLoc, gradLogits: loss.gradLogits });
          sl += loss.total;
          sloc += loss.loc;
          sconf += loss.conf;
        }
        const scale = 1 / batch.length;
        const named: tf.NamedTensorMap = {};
        for (const [name, g] of heads.gradients(batch, scale)) named[heads.variableName(name)!] = g;
        if (extras && source) {
          const dMaps = heads.inputGradients(batch, fedByExtras, scale);
          const grads = extras.gradients(
            batch.map((b) => b.maps[extras.sourcePredictor]!),
            sourceCells,
            source.channels,
            dMaps,
          );
          for (const d of dMaps) d?.dispose();
          for (const [name, g] of grads) named[extras.variableName(name)!] = g;
        }
        optimizer.applyGradients(named);
        for (const g of Object.values(named)) g.dispose();
        return { loss: sl / batch.length, loc: sloc / batch.length, conf: sconf / batch.length };
      },
      valMap,
      writeBest: async (kept, epoch, map) => {
        await writeTrainedModel({
          manifestPath: req.out,
          base: base$,
          classes: className,
          heads: kept,
          provenance: provenance(epoch, map),
        });
      },
    });
  } finally {
    heads.dispose();
    extras?.dispose();
  }
  if (state.bestEpoch > 0 && status !== 'cancelled') {
    await finishWrittenModel(req.out, val, numClasses - 1, (line) => events.log(line));
  }
  return {
    status,
    epochsDone: state.epochsDone,
    bestEpoch: state.bestEpoch,
    bestMap: state.bestMap,
    history: state.history,
    manifestPath: state.bestEpoch > 0 ? req.out : null,
  };
}

interface DetectionsLike {
  count: number;
  boxes: Float32Array;
  scores: Float32Array;
  classes: ArrayLike<number>;
}

/** AP@0.5 (COCO interpolation, mean over the classes) of the current heads on the val images. */
function valMap50(
  val: readonly ValImage[],
  numClasses: number,
  forward: (maps: readonly Uint8Array[]) => HeadOutputs,
  select: (out: HeadOutputs) => DetectionsLike,
): number {
  const detections: EvalDetection[] = [];
  for (const [i, s] of val.entries()) {
    const d = select(forward(s.maps));
    const px = d.boxes.slice(0, d.count * 4);
    canvasToImage(px, s.canvas, s.width, s.height);
    for (let k = 0; k < d.count; k++) {
      const [x1, y1, x2, y2] = [px[4 * k]!, px[4 * k + 1]!, px[4 * k + 2]!, px[4 * k + 3]!];
      detections.push({
        imageId: i,
        categoryId: d.classes[k]! + 1,
        bbox: [x1, y1, x2 - x1, y2 - y1],
        score: d.scores[k]!,
      });
    }
  }
  return apOf(val, numClasses, detections);
}

/**
 * The written model run by the real detector on the val images' files, as detection will run it:
 * its AP@0.5 (the same number as training's own val AP unless export and training disagree) and
 * the score threshold of best F1 on those images (see bestF1OperatingPoint).
 */
export async function detectorValResult(
  entry: ModelEntry,
  val: readonly { file: string; boxes: readonly AugBox[] }[],
  numClasses: number,
): Promise<{ map50: number; operating: OperatingPoint | undefined }> {
  const detector = await Detector.load(entry);
  try {
    const detections: EvalDetection[] = [];
    for (const [i, s] of val.entries()) {
      const result = await detector.detectFile(s.file, VAL_POSTPROCESS);
      for (const d of result.detections) {
        const [x1, y1, x2, y2] = d.box;
        detections.push({
          imageId: i,
          categoryId: d.classIndex + 1,
          bbox: [x1, y1, x2 - x1, y2 - y1],
          score: d.score,
        });
      }
    }
    const dataset = valDataset(val, numClasses, detections);
    return {
      map50: evaluateDetections(dataset).coco.AP50,
      operating: bestF1OperatingPoint(dataset, VAL_POSTPROCESS.scoreThreshold),
    };
  } finally {
    await detector.dispose();
  }
}

/**
 * Fewer val boxes than this choose no threshold: with a handful, one detection moves the best-F1
 * point anywhere between 0.01 and 1.
 */
export const MIN_VAL_BOXES_FOR_THRESHOLD = 10;

/**
 * After the best model is written: measures it through ONNX Runtime and sets its manifest's score
 * threshold to the val split's best-F1 point (the base model's threshold was chosen for the base
 * model's classes and scores, not these), recording how in its provenance. Without a point (no
 * val box found) the base model's threshold stays, and the log says so. Both training modes end
 * here.
 */
export async function finishWrittenModel(
  manifestPath: string,
  val: readonly { file: string; boxes: readonly AugBox[] }[],
  numClasses: number,
  log: (line: string) => void,
): Promise<void> {
  const entry = readManifest(manifestPath);
  const { map50, operating } = await detectorValResult(entry, val, numClasses);
  log(`written model: val AP@0.5 ${map50.toFixed(3)} through ONNX Runtime`);
  const base = entry.manifest.postprocess.scoreThreshold;
  const boxes = val.reduce((n, v) => n + v.boxes.length, 0);
  if (boxes < MIN_VAL_BOXES_FOR_THRESHOLD || !operating) {
    log(
      `score threshold: kept the base model's ${base} (${
        boxes < MIN_VAL_BOXES_FOR_THRESHOLD
          ? `${boxes} val boxes are too few to choose one; ${MIN_VAL_BOXES_FOR_THRESHOLD} are needed`
          : `the model found none of the ${boxes} val boxes`
      })`,
    );
    return;
  }
  const manifest: ModelManifest = {
    ...entry.manifest,
    postprocess: { ...entry.manifest.postprocess, scoreThreshold: round4(operating.threshold) },
    provenance: {
      ...entry.manifest.provenance,
      'score-threshold': `best F1 at IoU 0.5 on the val split (${val.length} images): F1 ${operating.f1.toFixed(3)}, precision ${operating.precision.toFixed(3)}, recall ${operating.recall.toFixed(3)}; the base model's was ${base}`,
    },
  };
  await writeFileAtomic(manifestPath, JSON.stringify(manifest, null, 2) + '\n');
  log(
    `score threshold: ${round4(operating.threshold)} (best F1 on val: ${operating.f1.toFixed(3)}, ` +
      `precision ${operating.precision.toFixed(3)}, recall ${operating.recall.toFixed(3)}, ` +
      `${operating.hits} of ${operating.positives} boxes found; the base model's was ${base})`,
  );
}

/** Four decimals keep the threshold readable in the manifest; a score on the boundary is unlikely. */
function round4(v: number): number {
  return Math.round(v * 1e4) / 1e4;
}

export function apOf(
  val: readonly { boxes: readonly AugBox[] }[],
  numClasses: number,
  detections: EvalDetection[],
): number {
  return evaluateDetections(valDataset(val, numClasses, detections)).coco.AP50;
}

/** The val images' settled boxes and the detections on them, as the evaluator reads them. */
function valDataset(
  val: readonly { boxes: readonly AugBox[] }[],
  numClasses: number,
  detections: EvalDetection[],
): EvalDataset {
  const groundTruth: EvalGroundTruth[] = [];
  let id = 1;
  for (const [i, s] of val.entries()) {
    for (const b of s.boxes) {
      const w = b.x2 - b.x1;
      const h = b.y2 - b.y1;
      groundTruth.push({
        id: id++,
        imageId: i,
        categoryId: b.classIndex,
        bbox: [b.x1, b.y1, w, h],
        area: w * h,
        iscrowd: false,
        difficult: false,
      });
    }
  }
  return {
    imageIds: val.map((_, i) => i),
    categories: Array.from({ length: numClasses }, (_, k) => ({
      id: k + 1,
      name: `class ${k + 1}`,
    })),
    groundTruth,
    detections,
  };
}

function fmt(v: number): string {
  return v < 0 ? '–' : v.toFixed(3);
}

export type { ModelManifest };
