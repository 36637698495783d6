/**
 * The box predictors as trainable tfjs variables. A 1×1 convolution on a [cells, channels]
 * feature matrix is a matrix product, so each head is `X·W + b` and its gradients are `Xᵀ·dY`
 * and `Σ dY`: products that every tfjs backend (wasm included) runs. Weights are kept in TF's
 * layout ([channels, anchors·code], channel = anchor·code + j), which is how the spec's ONNX
 * emitter reads them, so export needs no reshuffling.
 */
import * as tf from '@tensorflow/tfjs';
import type { CheckedWeights } from '../models/faceApiSsd/checkWeights';
import type { SsdModelSpec } from '../models/faceApiSsd/modelSpec';
import { seededRng } from '../../shared/training/augment';

import { NamedVariables, type HeadParams } from './namedVariables';

export type { HeadParams } from './namedVariables';

export interface HeadOutputs {
  /** 4P, prior order. */
  loc: Float32Array;
  /** P × numClasses. */
  logits: Float32Array;
}

/**
 * Initial parameters: box heads from the base model, class heads new for `numClasses` columns
 * (background + N): small seeded weights, background bias so that p(background) ≈ 0.99 at the
 * start (a calm first epoch instead of a flood of false positives).
 */
export function initialHeadParams(
  spec: SsdModelSpec,
  base: CheckedWeights,
  numClasses: number,
  seed: number,
): HeadParams {
  const rng = seededRng(seed);
  const params: HeadParams = {};
  const bgBias = Math.log(0.99 / (0.01 / Math.max(1, numClasses - 1)));
  for (const p of spec.predictors) {
    params[p.boxEncoding.filters] = Float32Array.from(base.get(p.boxEncoding.filters));
    params[p.boxEncoding.bias] = Float32Array.from(base.get(p.boxEncoding.bias));
    const width = p.anchorsPerCell * numClasses;
    const w = new Float32Array(p.channels * width);
    const std = 0.01;
    for (let i = 0; i < w.length; i++) w[i] = (rng() * 2 - 1) * std * Math.sqrt(3);
    params[p.classLogits.filters] = w;
    const b = new Float32Array(width);
    for (let a = 0; a < p.anchorsPerCell; a++) b[a * numClasses] = bgBias;
    params[p.classLogits.bias] = b;
  }
  return params;
}

export class TrainableHeads extends NamedVariables {
  constructor(
    private readonly spec: SsdModelSpec,
    readonly numClasses: number,
    params: HeadParams,
  ) {
    super('heads');
    for (const p of spec.predictors) {
      const widths: Array<[string, number]> = [
        [p.boxEncoding.filters, p.anchorsPerCell * spec.boxCodeSize],
        [p.boxEncoding.bias, p.anchorsPerCell * spec.boxCodeSize],
        [p.classLogits.filters, p.anchorsPerCell * numClasses],
        [p.classLogits.bias, p.anchorsPerCell * numClasses],
      ];
      widths.forEach(([name, width], i) => {
        const value = params[name];
        if (!value) throw new Error(`no parameter ${name}`);
        const shape = i % 2 === 0 ? [p.channels, width] : [width];
        this.addVariable(name, value, shape);
      });
    }
  }

  get priorCount(): number {
    return this.spec.priorCount;
  }

  /** Forward pass of one image's feature maps. */
  forward(maps: readonly Float32Array[]): HeadOutputs {
    const loc = new Float32Array(4 * this.spec.priorCount);
    const logits = new Float32Array(this.numClasses * this.spec.priorCount);
    let prior = 0;
    this.spec.predictors.forEach((p, k) => {
      const cells = p.featureSize * p.featureSize;
      const [box, cls] = tf.tidy(() => {
        const x = tf.tensor2d(maps[k]!, [cells, p.channels]);
        return [
          tf.add(tf.matMul(x, this.v(p.boxEncoding.filters)), this.v(p.boxEncoding.bias)),
          tf.add(tf.matMul(x, this.v(p.classLogits.filters)), this.v(p.classLogits.bias)),
        ];
      });
      loc.set(box!.dataSync(), 4 * prior);
      logits.set(cls!.dataSync(), this.numClasses * prior);
      box!.dispose();
      cls!.dispose();
      prior += cells * p.anchorsPerCell;
    });
    return { loc, logits };
  }

  /**
   * Gradients of the parameters from dL/d outputs of a batch (same order as the feature maps),
   * summed over the batch and scaled by `scale`.
   */
  gradients(
    batch: ReadonlyArray<{
      maps: readonly Float32Array[];
      gradLoc: Float32Array;
      gradLogits: Float32Array;
    }>,
    scale: number,
  ): Map<string, tf.Tensor> {
    const grads = new Map<string, tf.Tensor>();
    let prior = 0;
    for (const [k, p] of this.spec.predictors.entries()) {
      const cells = p.featureSize * p.featureSize;
      const n = cells * p.anchorsPerCell;
      const boxW = p.anchorsPerCell * this.spec.boxCodeSize;
      const clsW = p.anchorsPerCell * this.numClasses;
      const x = new Float32Array(batch.length * cells * p.channels);
      const dBox = new Float32Array(batch.length * cells * boxW);
      const dCls = new Float32Array(batch.length * cells * clsW);
      batch.forEach((s, i) => {
        x.set(s.maps[k]!, i * cells * p.channels);
        dBox.set(s.gradLoc.subarray(4 * prior, 4 * (prior + n)), i * cells * boxW);
        dCls.set(
          s.gradLogits.subarray(this.numClasses * prior, this.numClasses * (prior + n)),
          i * cells * clsW,
        );
      });
      tf.tidy(() => {
        const xt = tf.tensor2d(x, [batch.length * cells, p.channels]);
        const gb = tf.mul(tf.tensor2d(dBox, [batch.length * cells, boxW]), scale);
        const gc = tf.mul(tf.tensor2d(dCls, [batch.length * cells, clsW]), scale);
        grads.set(p.boxEncoding.filters, tf.keep(tf.matMul(xt, gb, true, false)));
        grads.set(p.boxEncoding.bias, tf.keep(tf.sum(gb, 0)));
        grads.set(p.classLogits.filters, tf.keep(tf.matMul(xt, gc, true, false)));
        grads.set(p.classLogits.bias, tf.keep(tf.sum(gc, 0)));
      });
      prior += n;
    }
    return grads;
  }

  /**
   * dL/d feature map of the predictors in `which` (others null), [batch·cells, channels] each,
   * scaled by `scale`: what the layers under those maps (the extras) back-propagate. Call before
   * applying this step's gradients (it reads the current weights).
   */
  inputGradients(
    batch: ReadonlyArray<{ gradLoc: Float32Array; gradLogits: Float32Array }>,
    which: ReadonlySet<number>,
    scale: number,
  ): Array<tf.Tensor2D | null> {
    const out: Array<tf.Tensor2D | null> = [];
    let prior = 0;
    for (const [k, p] of this.spec.predictors.entries()) {
      const cells = p.featureSize * p.featureSize;
      const n = cells * p.anchorsPerCell;
      if (!which.has(k)) {
        out.push(null);
        prior += n;
        continue;
      }
      const boxW = p.anchorsPerCell * this.spec.boxCodeSize;
      const clsW = p.anchorsPerCell * this.numClasses;
      const dBox = new Float32Array(batch.length * cells * boxW);
      const dCls = new Float32Array(batch.length * cells * clsW);
      batch.forEach((s, i) => {
        dBox.set(s.gradLoc.subarray(4 * prior, 4 * (prior + n)), i * cells * boxW);
        dCls.set(
          s.gradLogits.subarray(this.numClasses * prior, this.numClasses * (prior + n)),
          i * cells * clsW,
        );
      });
      out.push(
        tf.tidy(() =>
          tf.mul(
            tf.add(
              tf.matMul(
                tf.tensor2d(dBox, [batch.length * cells, boxW]),
                this.v(p.boxEncoding.filters),
                false,
                true,
              ),
              tf.matMul(
                tf.tensor2d(dCls, [batch.length * cells, clsW]),
                this.v(p.classLogits.filters),
                false,
                true,
              ),
            ),
            scale,
          ),
        ) as tf.Tensor2D,
      );
      prior += n;
    }
    return out;
  }

  /** Applies gradients with the optimizer (keyed by the variables' names) and frees them. */
  apply(optimizer: tf.Optimizer, grads: Map<string, tf.Tensor>): void {
    const named: tf.NamedTensorMap = {};
    for (const [name, g] of grads) named[this.vars.get(name)!.name] = g;
    optimizer.applyGradients(named);
    for (const g of grads.values()) g.dispose();
  }

  private v(name: string): tf.Variable {
    return this.vars.get(name)!;
  }
}
