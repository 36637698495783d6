/**
 * One fine-tuning run in `heads` mode: the frozen backbone (ONNX Runtime) gives feature maps of
 * each augmented sample, the trainable heads (tfjs) learn the SSD objective on them, each epoch
 * ends with val mAP of the exported model (the evaluator, through the real detector), the best
 * epoch is the model written, and training stops early when val mAP stops improving.
 * State is checkpointed after each epoch beside the output, so a stopped run resumes there.
 */
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { computeTargets } from '../../shared/ssd/targets';
import { createBoxCoder } from '../../shared/ssd/boxCoder';
import { imageToCanvas } from '../../shared/ssd/canvasMapping';
import { generatePriors } from '../../shared/ssd/priors';
import type { ModelManifest } from '../../shared/models/manifest';
import {
  planAugmentation,
  renderPlan,
  scaleBoxes,
  seededRng,
  type AugBox,
  type AugmentOptions,
} from '../../shared/training/augment';
import { ssdLoss } from '../../shared/training/ssdLoss';
import { evaluateDetections } from '../../shared/eval/evaluate';
import type { EvalDataset, EvalDetection, EvalGroundTruth } from '../../shared/eval/dataset';
import { decodeImageFile, type RgbImage } from '../image/decode';
import { Detector } from '../detector/detector';
import { readManifest, type ModelEntry } from '../models/registry';
import { faceApiSsdSpec } from '../models/faceApiSsd/modelSpec';
import {
  loadFaceApiSsdWeights,
  locateFaceApiSsdFiles,
} from '../models/faceApiSsd/convertFaceApiSsd';
import type { ProjectDb } from '../db/projectDb';
import { settledLabels, type SettledImage } from '../project/settledLabels';
import { BackboneFeatures } from './backboneFeatures';
import { initialHeadParams, TrainableHeads } from './trainableHeads';
import { modelNameFromPath, writeTrainedModel } from './exportTrained';
import { storedSplits, trainValSplit } from './trainValSplit';
import { loadCheckpoint, saveCheckpoint, type Checkpoint } from './checkpoint';

export interface TrainSettings {
  epochs: number;
  mode: 'heads';
  batchSize: number;
  learningRate: number;
  /** Epochs without a better val mAP before stopping. */
  patience: number;
  valFraction: number;
  seed: number;
  augmentation: AugmentOptions;
  /** Train on at most this many images (tests); default all. */
  maxImages?: number;
}

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

interface Sample {
  settled: SettledImage;
  image: RgbImage;
  boxes: AugBox[];
}

/** The directory holding a run's checkpoint, beside its output. */
export function checkpointDir(out: string): string {
  return path.join(path.dirname(out), `${modelNameFromPath(out)}.checkpoint`);
}

export async function trainHeads(req: TrainRequest): Promise<TrainOutcome> {
  const { project, base, settings, events } = req;
  const manifest = base.manifest;
  if (manifest.output.kind !== 'raw' || !manifest.priors || !manifest.boxCoder)
    throw new Error(`${manifest.name} has no raw outputs, priors and box coder to fine-tune`);
  if (manifest.name !== 'ssd-mobilenetv1-face' && !manifest.provenance?.['base-model'])
    throw new Error(`only the face-api SSD spec can be fine-tuned so far (got ${manifest.name})`);

  const { classes, images } = settledLabels(project);
  if (classes.length === 0) throw new Error(`${project.file} has no classes to train`);
  const classColumn = new Map(classes.map((c, i) => [c.id, i + 1]));
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
  const trainSet = settings.maxImages ? split.train.slice(0, settings.maxImages) : split.train;
  const valSet = settings.maxImages
    ? split.val.slice(0, Math.max(1, settings.maxImages >> 1))
    : split.val;
  events.log(
    `${trainSet.length} training images, ${valSet.length} validation images, ${classes.length} classes (${classes.map((c) => c.name).join(', ')})`,
  );

  const spec = faceApiSsdSpec();
  const weights = await loadFaceApiSsdWeights(locateFaceApiSsdFiles().manifestPath, spec);
  const priors = generatePriors(manifest.priors).boxes;
  const coder = createBoxCoder(manifest.boxCoder);
  const backbone = await BackboneFeatures.create(spec, weights, manifest.input);
  events.log(
    `frozen backbone on ONNX Runtime (${backbone.provider}); heads on tfjs ${tf.getBackend()}`,
  );

  const dir = checkpointDir(req.out);
  const identity = {
    project: project.file,
    base: manifest.name,
    classes: classes.map((c) => c.name),
    mode: settings.mode,
  };
  const resumed = await loadCheckpoint(dir, identity);
  const numClasses = classes.length + 1;
  const heads = new TrainableHeads(
    spec,
    numClasses,
    resumed?.last ?? initialHeadParams(spec, weights, numClasses, settings.seed),
  );
  const state: Checkpoint = resumed ?? {
    identity,
    epochsDone: 0,
    bestEpoch: 0,
    bestMap: -1,
    history: [],
    last: heads.params(),
    best: null,
  };
  if (resumed)
    events.log(
      `resuming after epoch ${resumed.epochsDone} (best val mAP ${fmt(resumed.bestMap)} at epoch ${resumed.bestEpoch})`,
    );

  const decode = async (s: SettledImage): Promise<Sample> => ({
    settled: s,
    image: await decodeImageFile(project.imagePath(s.image.path)),
    boxes: s.boxes.map((b) => ({
      x1: b.x1,
      y1: b.y1,
      x2: b.x2,
      y2: b.y2,
      classIndex: classColumn.get(b.classId)!,
    })),
  });
  const train: Sample[] = [];
  for (const s of trainSet) {
    try {
      train.push(await decode(s));
    } catch (err) {
      events.log(`skipping ${s.image.path}: ${(err as Error).message}`);
    }
  }
  const val: Sample[] = [];
  for (const s of valSet) {
    try {
      val.push(await decode(s));
    } catch (err) {
      events.log(`skipping ${s.image.path}: ${(err as Error).message}`);
    }
  }
  const inputSize = Math.max(manifest.input.width, manifest.input.height);
  const base$ = { manifest, spec, weights };
  const className = classes.map((c) => c.name);
  const provenance = (epoch: number, map: number): Record<string, string> => ({
    'base-model': manifest.name,
    'base-source': manifest.provenance?.source ?? '',
    project: project.file,
    run: `${settings.seed}`,
    settings: JSON.stringify({ ...settings, augmentation: settings.augmentation }),
    epoch: String(epoch),
    'val-map50': map.toFixed(4),
    'trained-by': 'shotbox train',
  });

  let status: TrainOutcome['status'] = 'done';
  try {
    for (let epoch = state.epochsDone + 1; epoch <= settings.epochs; epoch++) {
      if (epoch - state.bestEpoch > settings.patience && state.bestEpoch > 0) {
        status = 'early-stopped';
        break;
      }
      const t0 = performance.now();
      const lr =
        settings.learningRate * 0.5 * (1 + Math.cos((Math.PI * (epoch - 1)) / settings.epochs));
      const optimizer = tf.train.adam(lr);
      const rng = seededRng(settings.seed * 1000 + epoch);
      const order = shuffle(train.length, rng);
      const steps = Math.ceil(order.length / settings.batchSize);
      let lossSum = 0;
      let counted = 0;
      for (let step = 0; step < steps; step++) {
        if (events.cancelled()) {
          status = 'cancelled';
          break;
        }
        const batch = [];
        let sl = 0,
          sloc = 0,
          sconf = 0;
        for (const idx of order.slice(step * settings.batchSize, (step + 1) * settings.batchSize)) {
          const sample = train[idx]!;
          const plan = planAugmentation(
            rng,
            sample.image.width,
            sample.image.height,
            sample.boxes,
            settings.augmentation,
          );
          const vw = plan.view.x2 - plan.view.x1;
          const vh = plan.view.y2 - plan.view.y1;
          const scale = inputSize / Math.max(vw, vh);
          const ow = Math.max(1, Math.round(vw * scale));
          const oh = Math.max(1, Math.round(vh * scale));
          const image = renderPlan(sample.image, plan, ow, oh);
          const boxes = scaleBoxes(plan, ow, oh).filter(
            (b) => b.x2 - b.x1 >= 1 && b.y2 - b.y1 >= 1,
          );
          const { maps, canvas } = await backbone.compute(image);
          const gt = imageToCanvas(
            boxes.flatMap((b) => [b.x1, b.y1, b.x2, b.y2]),
            canvas,
          );
          const targets = computeTargets({
            priorsCxcywh: priors,
            gtXyxy: Float32Array.from(gt),
            gtClasses: boxes.map((b) => b.classIndex),
            coder,
          });
          const out = heads.forward(maps);
          const loss = ssdLoss({
            loc: out.loc,
            logits: out.logits,
            numClasses,
            targets,
            activation: 'softmax',
            backgroundIndex: 0,
          });
          batch.push({ maps, gradLoc: loss.gradLoc, gradLogits: loss.gradLogits });
          sl += loss.total;
          sloc += loss.loc;
          sconf += loss.conf;
        }
        heads.apply(optimizer, heads.gradients(batch, 1 / batch.length));
        lossSum += sl;
        counted += batch.length;
        events.step({
          epoch,
          step: step + 1,
          steps,
          loss: sl / batch.length,
          loc: sloc / batch.length,
          conf: sconf / batch.length,
        });
      }
      optimizer.dispose();
      if (status === 'cancelled') break;

      // Val mAP of this epoch's model, through the exported ONNX and the real detector.
      const params = heads.params();
      const candidate = path.join(dir, 'candidate.json');
      await writeTrainedModel({
        manifestPath: candidate,
        base: base$,
        classes: className,
        heads: params,
        provenance: provenance(epoch, 0),
      });
      const valMap = await valMap50(readManifest(candidate), val, classColumn.size);
      state.epochsDone = epoch;
      state.last = params;
      const better = valMap > state.bestMap;
      if (better) {
        state.bestMap = valMap;
        state.bestEpoch = epoch;
        state.best = params;
        await writeTrainedModel({
          manifestPath: req.out,
          base: base$,
          classes: className,
          heads: params,
          provenance: provenance(epoch, valMap),
        });
      }
      const report: EpochReport = {
        epoch,
        epochs: settings.epochs,
        trainLoss: lossSum / Math.max(1, counted),
        valMap,
        bestEpoch: state.bestEpoch,
        bestMap: state.bestMap,
        seconds: (performance.now() - t0) / 1000,
      };
      state.history.push(report);
      await saveCheckpoint(dir, state);
      events.epoch(report);
    }
  } finally {
    heads.dispose();
    await backbone.dispose();
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

/** AP@0.5 (COCO interpolation, mean over the classes) of a model on the val samples. */
async function valMap50(
  entry: ModelEntry,
  val: readonly Sample[],
  numClasses: number,
): Promise<number> {
  const detector = await Detector.load(entry);
  try {
    const groundTruth: EvalGroundTruth[] = [];
    const detections: EvalDetection[] = [];
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
      const result = await detector.detectImage(s.image, { scoreThreshold: 0.01 });
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
    const dataset: EvalDataset = {
      imageIds: val.map((_, i) => i),
      categories: Array.from({ length: numClasses }, (_, k) => ({
        id: k + 1,
        name: `class ${k + 1}`,
      })),
      groundTruth,
      detections,
    };
    return evaluateDetections(dataset).coco.AP50;
  } finally {
    await detector.dispose();
  }
}

function shuffle(n: number, rng: () => number): number[] {
  const a = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

function fmt(v: number): string {
  return v < 0 ? '–' : v.toFixed(3);
}

export type { ModelManifest };
