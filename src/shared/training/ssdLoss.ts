/**
 * The SSD objective (Liu et al. 2016, §2.2) of one image, with its gradient with respect to the
 * raw head outputs: L = (L_conf + α·L_loc) / max(1, #positives).
 * - L_loc: smooth-L1 between the location head and the encoded targets, positives only;
 * - L_conf: softmax cross-entropy (or, for models without a softmax, per-column sigmoid
 *   cross-entropy) over the positives and the hard negatives (3:1 per image).
 * The gradient is returned beside the value so any trainer (tfjs matMuls here) can back-propagate
 * it through the heads; an image without positives keeps no negatives (Caffe) and yields 0.
 */
import { backgroundConfidenceLoss, selectHardNegatives } from '../ssd/hardNegatives';
import type { TrainingTargets } from '../ssd/targets';

export interface SsdLossInput {
  /** 4P raw location outputs, in the box coder's layout. */
  loc: Float32Array;
  /** P×C raw class scores, row-major. */
  logits: Float32Array;
  numClasses: number;
  /** From `computeTargets` on the same priors. */
  targets: Pick<TrainingTargets, 'positive' | 'classes' | 'loc' | 'numPositives'>;
  activation: 'softmax' | 'sigmoid';
  /** Score column of the background; null for sigmoid models without one. */
  backgroundIndex: number | null;
  /** Default 3. */
  negPosRatio?: number;
  /** Weight α of the localisation term. Default 1 (the paper). */
  locWeight?: number;
}

export interface SsdLoss {
  /** (conf + α·loc) / max(1, positives). */
  total: number;
  /** Each term already divided by the normaliser. */
  loc: number;
  conf: number;
  numPositives: number;
  numNegatives: number;
  /** dL/d loc, 4P. */
  gradLoc: Float32Array;
  /** dL/d logits, P×C. */
  gradLogits: Float32Array;
}

export function ssdLoss(input: SsdLossInput): SsdLoss {
  const { loc, logits, numClasses: c, targets, activation, backgroundIndex } = input;
  const p = targets.positive.length;
  if (loc.length !== 4 * p) throw new Error(`${loc.length} location outputs for ${p} priors`);
  if (logits.length !== p * c) throw new Error(`${logits.length} scores for ${p} priors × ${c}`);
  const alpha = input.locWeight ?? 1;
  const norm = Math.max(1, targets.numPositives);
  const gradLoc = new Float32Array(4 * p);
  const gradLogits = new Float32Array(p * c);

  let locSum = 0;
  for (let i = 0; i < p; i++) {
    if (targets.positive[i] !== 1) continue;
    for (let j = 4 * i; j < 4 * i + 4; j++) {
      const d = loc[j]! - targets.loc[j]!;
      const a = Math.abs(d);
      locSum += a < 1 ? 0.5 * d * d : a - 0.5;
      gradLoc[j] = ((a < 1 ? d : Math.sign(d)) * alpha) / norm;
    }
  }

  const bgLoss = backgroundConfidenceLoss(logits, p, c, activation, backgroundIndex);
  const negatives = selectHardNegatives(bgLoss, targets.positive, {
    negPosRatio: input.negPosRatio ?? 3,
  });
  let confSum = 0;
  const addConf = (i: number, cls: number): void => {
    const row = i * c;
    if (activation === 'softmax') {
      let max = -Infinity;
      for (let k = 0; k < c; k++) max = Math.max(max, logits[row + k]!);
      let sum = 0;
      for (let k = 0; k < c; k++) sum += Math.exp(logits[row + k]! - max);
      const logSum = max + Math.log(sum);
      confSum += logSum - logits[row + cls]!;
      for (let k = 0; k < c; k++) {
        const prob = Math.exp(logits[row + k]! - logSum);
        gradLogits[row + k] = (prob - (k === cls ? 1 : 0)) / norm;
      }
    } else {
      // One binary cross-entropy per class column; the background column (if any) is not trained.
      for (let k = 0; k < c; k++) {
        if (k === backgroundIndex) continue;
        const x = logits[row + k]!;
        const y = k === cls ? 1 : 0;
        confSum += softplus(x) - y * x;
        gradLogits[row + k] = (sigmoid(x) - y) / norm;
      }
    }
  };
  const background = backgroundIndex ?? -1;
  for (let i = 0; i < p; i++) if (targets.positive[i] === 1) addConf(i, targets.classes[i]!);
  for (const i of negatives) addConf(i, background);

  return {
    total: (confSum + alpha * locSum) / norm,
    loc: locSum / norm,
    conf: confSum / norm,
    numPositives: targets.numPositives,
    numNegatives: negatives.length,
    gradLoc,
    gradLogits,
  };
}

function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}
