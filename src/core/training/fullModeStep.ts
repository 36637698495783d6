/**
 * The two pieces of `full` training that differ from the frozen-feature modes: a training sample
 * is drawn afresh for every step (the shared SSD augmentation, then the detector's preprocess:
 * no feature cache, since the backbone changes), and one optimiser step runs the whole network
 * forward and back in tfjs with the shared targets and loss.
 */
import type * as tf from '@tensorflow/tfjs';
import type { InputSpec } from '../../shared/models/manifest';
import type { Canvas } from '../../shared/ssd/canvasMapping';
import type { AugBox, AugmentOptions, Rng } from '../../shared/training/augment';
import { ssdLoss } from '../../shared/training/ssdLoss';
import { preprocess } from '../detector/preprocess';
import type { RgbImage } from '../image/decode';
import {
  augmentedView,
  augmentsBeyondFlip,
  viewTargets,
  type CachedView,
  type TargetContext,
} from './featureCache';
import type { TrainableNetwork } from './trainableNetwork';

/** One network input with its SSD targets. */
export interface FullSample {
  /** Preprocessed pixels as the detector feeds them ([3, size, size] for the face SSD). */
  pixels: Float32Array;
  canvas: Canvas;
  targets: CachedView['targets'];
}

/** An image's pixels and targets, unaugmented (validation, or training without augmentation). */
export function plainSample(
  image: RgbImage,
  boxes: readonly AugBox[],
  input: InputSpec,
  ctx: TargetContext,
): FullSample {
  const pre = preprocess(image, input);
  return { pixels: pre.data, canvas: pre.canvas, targets: viewTargets(boxes, pre.canvas, ctx) };
}

/**
 * A new augmented sample of an image (paper §3.6: photometric, zoom-out, min-IoU crop, flip, as
 * the options say), rendered at the network's resolution and preprocessed.
 */
export function augmentedSample(
  image: RgbImage,
  boxes: readonly AugBox[],
  augmentation: AugmentOptions,
  input: InputSpec,
  ctx: TargetContext,
  rng: Rng,
): FullSample {
  if (!augmentation.flip && !augmentsBeyondFlip(augmentation))
    return plainSample(image, boxes, input, ctx);
  const view = augmentedView(image, boxes, augmentation, Math.max(input.width, input.height), rng);
  return plainSample(view.image, view.boxes, input, ctx);
}

export interface StepLoss {
  /** Means over the batch. */
  loss: number;
  loc: number;
  conf: number;
}

/**
 * One optimiser step of the whole network on a batch: forward, the shared SSD loss per sample
 * (mean over the batch), backward through every layer, the optimiser's update.
 */
export function fullModeStep(
  network: TrainableNetwork,
  batch: readonly FullSample[],
  optimizer: tf.Optimizer,
): StepLoss {
  let loss = 0;
  let loc = 0;
  let conf = 0;
  const scale = 1 / batch.length;
  const grads = network.gradients(
    batch.map((s) => s.pixels),
    (outputs) =>
      outputs.map((o, i) => {
        const l = ssdLoss({
          loc: o.loc,
          logits: o.logits,
          numClasses: network.numClasses,
          targets: batch[i]!.targets,
          activation: 'softmax',
          backgroundIndex: 0,
        });
        loss += l.total * scale;
        loc += l.loc * scale;
        conf += l.conf * scale;
        return {
          gradLoc: l.gradLoc.map((g) => g * scale),
          gradLogits: l.gradLogits.map((g) => g * scale),
        };
      }),
  );
  const named: tf.NamedTensorMap = {};
  for (const [name, g] of grads) named[network.variableName(name)!] = g;
  optimizer.applyGradients(named);
  for (const g of Object.values(named)) g.dispose();
  return { loss, loc, conf };
}
