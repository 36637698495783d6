/**
 * A `full` fine-tuning run: the whole network (backbone, extra layers, predictors) trains in
 * tfjs, on a native backend (fullModeSupport.ts). There is no feature cache, as the backbone
 * changes every step: each step draws new augmented samples of its images (the shared SSD
 * augmentation and the detector's preprocess), and validation runs the current network on the
 * val images. Everything else is the other modes': settled labels and stored splits, the shared
 * targets and loss, the cosine schedule, val AP@0.5 per epoch through the detector's postprocess,
 * the best epoch written with the project's ONNX writer (from the folded spec, with every trained
 * weight), early stopping, and a checkpoint per epoch that the same command resumes from.
 */
import * as tf from '@tensorflow/tfjs';
import { postprocessRaw } from '../../shared/detection/postprocess';
import type { EvalDetection } from '../../shared/eval/dataset';
import { canvasToImage } from '../../shared/ssd/canvasMapping';
import type { AugBox } from '../../shared/training/augment';
import { decodeImageFile, type RgbImage } from '../image/decode';
import { faceApiSsdSpec } from '../models/faceApiSsd/modelSpec';
import {
  loadFaceApiSsdWeights,
  locateFaceApiSsdFiles,
} from '../models/faceApiSsd/convertFaceApiSsd';
import type { SettledImage } from '../project/settledLabels';
import { loadCheckpoint, type Checkpoint } from './checkpoint';
import { runEpochs } from './epochLoop';
import { writeTrainedModel } from './exportTrained';
import { fullModeBackendProblem } from './fullModeSupport';
import { augmentedSample, fullModeStep, plainSample, type FullSample } from './fullModeStep';
import { foldedSpec, initialNetworkParams, TrainableNetwork } from './trainableNetwork';
import {
  apOf,
  checkpointDir,
  finishWrittenModel,
  VAL_POSTPROCESS,
  type TrainOutcome,
  type TrainRequest,
} from './trainRun';
import { describeTrainingSet, trainingSet } from './trainingSet';

/** Validation images go through the network this many at a time. */
const VAL_BATCH = 4;

interface TrainImage {
  path: string;
  image: RgbImage;
  boxes: AugBox[];
}

interface ValSample extends FullSample {
  file: string;
  boxes: AugBox[];
  width: number;
  height: number;
}

export async function trainFull(req: TrainRequest): Promise<TrainOutcome> {
  const { project, base, settings, events } = req;
  const problem = fullModeBackendProblem(tf.getBackend());
  if (problem) throw new Error(problem);
  const manifest = base.manifest;
  const set = trainingSet(project, manifest, settings);
  const { classes, classColumn, train: trainSet, val: valSet } = set;
  events.log(`${describeTrainingSet(set)}; the whole network trains on tfjs ${tf.getBackend()}`);

  // The layers on the base model's input size (512² for the face model): convolutions fit any
  // size, and the manifest's priors must then match the spec's maps.
  const { width, height } = manifest.input;
  if (width !== height) throw new Error(`${manifest.name}: full mode needs a square input`);
  const spec = faceApiSsdSpec(width);
  const weights = await loadFaceApiSsdWeights(locateFaceApiSsdFiles().manifestPath);
  const ctx = { priors: set.priors, coder: set.coder };
  if (ctx.priors.length / 4 !== spec.priorCount)
    throw new Error(
      `${manifest.name} has ${ctx.priors.length / 4} priors, its network ${spec.priorCount} outputs`,
    );
  const numClasses = classes.length + 1;
  const dir = checkpointDir(req.out);
  const identity = {
    project: project.file,
    base: manifest.name,
    classes: classes.map((c) => c.name),
    mode: settings.mode,
  };
  const resumed = await loadCheckpoint(dir, identity);
  const network = new TrainableNetwork(
    spec,
    numClasses,
    resumed?.last ?? initialNetworkParams(spec, weights, numClasses, settings.seed),
  );
  const state: Checkpoint = resumed ?? {
    identity,
    epochsDone: 0,
    bestEpoch: 0,
    bestMap: -1,
    history: [],
    last: network.params(),
    best: null,
  };
  if (resumed)
    events.log(
      `resuming after epoch ${resumed.epochsDone} (best val mAP ${resumed.bestMap < 0 ? '–' : resumed.bestMap.toFixed(3)} at epoch ${resumed.bestEpoch})`,
    );

  const boxesOf = (s: SettledImage): AugBox[] =>
    s.boxes.map((b) => ({
      x1: b.x1,
      y1: b.y1,
      x2: b.x2,
      y2: b.y2,
      classIndex: classColumn.get(b.classId)!,
    }));
  // Decoded once; a bad file is skipped with a message and the rest trains.
  const train: TrainImage[] = [];
  const val: ValSample[] = [];
  for (const s of trainSet) {
    if (events.cancelled()) break;
    try {
      const image = await decodeImageFile(project.imagePath(s.image.path));
      train.push({ path: s.image.path, image, boxes: boxesOf(s) });
    } catch (err) {
      events.log(`skipping ${s.image.path}: ${(err as Error).message}`);
    }
  }
  for (const s of valSet) {
    if (events.cancelled()) break;
    try {
      const file = project.imagePath(s.image.path);
      const image = await decodeImageFile(file);
      const boxes = boxesOf(s);
      const sample = plainSample(image, boxes, manifest.input, ctx);
      val.push({ ...sample, file, boxes, width: image.width, height: image.height });
    } catch (err) {
      events.log(`skipping ${s.image.path}: ${(err as Error).message}`);
    }
  }

  const className = classes.map((c) => c.name);
  const exportBase = { manifest, spec: foldedSpec(spec), weights };
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
  const valMap = (): number => {
    const detections: EvalDetection[] = [];
    for (let at = 0; at < val.length; at += VAL_BATCH) {
      const chunk = val.slice(at, at + VAL_BATCH);
      network.forward(chunk.map((s) => s.pixels)).forEach((o, j) => {
        const s = chunk[j]!;
        const d = postprocessRaw(
          {
            offsets: o.loc,
            logits: o.logits,
            numPriors: ctx.priors.length / 4,
            numColumns: numClasses,
          },
          {
            coder: ctx.coder,
            priors: ctx.priors,
            activation: 'softmax',
            backgroundIndex: 0,
            classColumns: className.map((_, i) => i + 1),
          },
          { ...VAL_POSTPROCESS, classAgnostic: className.length === 1 },
        );
        const px = d.boxes.slice(0, d.count * 4);
        canvasToImage(px, s.canvas, s.width, s.height);
        for (let k = 0; k < d.count; k++) {
          const [x1, y1, x2, y2] = [px[4 * k]!, px[4 * k + 1]!, px[4 * k + 2]!, px[4 * k + 3]!];
          detections.push({
            imageId: at + j,
            categoryId: d.classes[k]! + 1,
            bbox: [x1, y1, x2 - x1, y2 - y1],
            score: d.scores[k]!,
          });
        }
      });
    }
    return apOf(val, numClasses - 1, detections);
  };

  let status: TrainOutcome['status'];
  try {
    status = await runEpochs({
      settings,
      events,
      dir,
      state,
      trainCount: train.length,
      valCount: val.length,
      params: () => network.params(),
      assign: (p) => network.assign(p),
      // Each step draws new augmented samples of its images.
      step: (indices, optimizer, rng) =>
        fullModeStep(
          network,
          indices.map((i) => {
            const t = train[i]!;
            return augmentedSample(
              t.image,
              t.boxes,
              settings.augmentation,
              manifest.input,
              ctx,
              rng,
            );
          }),
          optimizer,
        ),
      valMap,
      writeBest: async (kept, epoch, map) => {
        await writeTrainedModel({
          manifestPath: req.out,
          base: exportBase,
          classes: className,
          heads: kept,
          provenance: provenance(epoch, map),
        });
      },
    });
  } finally {
    network.dispose();
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
