/**
 * The whole SSD (backbone, extra layers, box and class predictors) as trainable tfjs variables,
 * built from the model spec (converted graph models cannot be trained, tfjs #4531): `full` mode.
 * Unlike the heads and extras, it uses real convolutions (conv2d, depthwiseConv2d), whose filter
 * gradients need a native tfjs backend to be fast (wasm has no Conv2DBackpropFilter).
 *
 * Batch norm is folded into the depthwise filters and a bias at the start (the inference form
 * the ONNX writer emits too) and trained as such: batches of a few images give no usable batch
 * statistics. {@link foldedSpec} describes the folded weights, so the project's ONNX writer exports
 * every trained tensor from the same spec. Filters stay in TF layout (conv HWIO [k, k, in, out],
 * depthwise [k, k, channels, 1], predictors [1, 1, channels, anchors·code] stored as
 * [channels, anchors·code]), which is what the writer reads.
 */
import * as tf from '@tensorflow/tfjs';
import type { CheckedWeights } from '../models/faceApiSsd/checkWeights';
import type { ConvLayerSpec, SsdModelSpec } from '../models/faceApiSsd/modelSpec';
import { NamedVariables, type HeadParams } from './namedVariables';
import { initialHeadParams, type HeadOutputs } from './trainableHeads';

/** Name of a batch-norm layer's folded filters / bias (distinct from the base's unfolded ones). */
function foldedNames(layer: ConvLayerSpec): { filters: string; bias: string } {
  return { filters: `${layer.name}/folded_weights`, bias: `${layer.name}/folded_bias` };
}

/** Filters and bias parameter names of a layer in the folded spec. */
function layerParamNames(layer: ConvLayerSpec): { filters: string; bias: string } {
  return layer.weights.kind === 'bias'
    ? { filters: layer.weights.filters, bias: layer.weights.bias }
    : foldedNames(layer);
}

/** The spec with every batch norm folded: each layer reads filters + bias (what full mode trains). */
export function foldedSpec(spec: SsdModelSpec): SsdModelSpec {
  return {
    ...spec,
    layers: spec.layers.map((l) =>
      l.weights.kind === 'bias' ? l : { ...l, weights: { kind: 'bias', ...foldedNames(l) } },
    ),
  };
}

/**
 * Initial parameters of the whole network: the base model's layers (batch norm folded in float64,
 * rounded once, as the ONNX writer folds), box heads from the base model and new class heads for
 * `numClasses` columns, as {@link initialHeadParams}.
 */
export function initialNetworkParams(
  spec: SsdModelSpec,
  base: CheckedWeights,
  numClasses: number,
  seed: number,
): HeadParams {
  const params: HeadParams = {};
  for (const layer of spec.layers) {
    const w = layer.weights;
    if (w.kind === 'bias') {
      params[w.filters] = Float32Array.from(base.get(w.filters));
      params[w.bias] = Float32Array.from(base.get(w.bias));
      continue;
    }
    // Depthwise HWIO [k, k, C, 1]: channel c's taps are every C-th value from c.
    const filters = base.get(w.filters);
    const gamma = base.get(w.gamma);
    const beta = base.get(w.beta);
    const mean = base.get(w.movingMean);
    const variance = base.get(w.movingVariance);
    const c = layer.inChannels;
    const folded = new Float32Array(filters.length);
    const bias = new Float32Array(c);
    for (let ch = 0; ch < c; ch++) {
      const scale = gamma[ch]! / Math.sqrt(variance[ch]! + w.epsilon);
      for (let i = ch; i < filters.length; i += c) folded[i] = filters[i]! * scale;
      bias[ch] = beta[ch]! - mean[ch]! * scale;
    }
    const names = foldedNames(layer);
    params[names.filters] = folded;
    params[names.bias] = bias;
  }
  return { ...params, ...initialHeadParams(spec, base, numClasses, seed) };
}

/** One batch's outputs as tensors: loc [N, priors, 4], logits [N, priors, classes]. */
interface NetworkTensors {
  loc: tf.Tensor3D;
  logits: tf.Tensor3D;
}

export class TrainableNetwork extends NamedVariables {
  constructor(
    private readonly spec: SsdModelSpec,
    readonly numClasses: number,
    params: HeadParams,
  ) {
    super('network');
    const take = (name: string, shape: number[]): void => {
      const value = params[name];
      if (!value) throw new Error(`no parameter ${name}`);
      this.addVariable(name, value, shape);
    };
    for (const layer of spec.layers) {
      const { filters, bias } = layerParamNames(layer);
      const k = layer.kernel;
      take(
        filters,
        layer.kind === 'depthwise'
          ? [k, k, layer.inChannels, 1]
          : [k, k, layer.inChannels, layer.outChannels],
      );
      take(bias, [layer.outChannels]);
    }
    for (const p of spec.predictors) {
      const box = p.anchorsPerCell * spec.boxCodeSize;
      const cls = p.anchorsPerCell * numClasses;
      take(p.boxEncoding.filters, [1, 1, p.channels, box]);
      take(p.boxEncoding.bias, [box]);
      take(p.classLogits.filters, [1, 1, p.channels, cls]);
      take(p.classLogits.bias, [cls]);
    }
  }

  /**
   * The network on a batch of preprocessed images, `nchw`: [N, 3, size, size] as the detector's
   * preprocess writes them (normalised to [-1, 1]). Inside a tape when differentiated.
   */
  private run(nchw: tf.Tensor4D): NetworkTensors {
    const maps = new Map<string, tf.Tensor4D>();
    maps.set(this.spec.input.name, tf.transpose(nchw, [0, 2, 3, 1]));
    for (const layer of this.spec.layers) {
      const x = maps.get(layer.input);
      if (!x) throw new Error(`${layer.name} reads ${layer.input}, not computed yet`);
      const { filters, bias } = layerParamNames(layer);
      const [top, left, bottom, right] = layer.pads;
      // TF 'same' pads the odd pixel after: explicit padding, then a valid convolution.
      const padded =
        top + left + bottom + right > 0
          ? tf.pad(x, [
              [0, 0],
              [top, bottom],
              [left, right],
              [0, 0],
            ])
          : x;
      const w = this.v(filters) as tf.Tensor4D;
      const conv =
        layer.kind === 'depthwise'
          ? tf.depthwiseConv2d(padded, w, layer.stride, 'valid')
          : tf.conv2d(padded, w, layer.stride, 'valid');
      const z = tf.add(conv, this.v(bias)) as tf.Tensor4D;
      maps.set(layer.name, layer.activation === 'relu6' ? tf.clipByValue(z, 0, 6) : z);
    }
    const loc: tf.Tensor3D[] = [];
    const logits: tf.Tensor3D[] = [];
    const batch = nchw.shape[0];
    for (const p of this.spec.predictors) {
      const f = maps.get(p.featureMap)!;
      // NHWC 1×1 conv output reshaped: priors row-major by cell, anchors innermost (TF order).
      const head = (names: { filters: string; bias: string }, code: number): tf.Tensor3D =>
        tf.reshape(
          tf.add(
            tf.conv2d(f, this.v(names.filters) as tf.Tensor4D, 1, 'valid'),
            this.v(names.bias),
          ),
          [batch, -1, code],
        );
      loc.push(head(p.boxEncoding, this.spec.boxCodeSize));
      logits.push(head(p.classLogits, this.numClasses));
    }
    return { loc: tf.concat(loc, 1), logits: tf.concat(logits, 1) };
  }

  /** Forward pass of a batch: one output per image, in prior order. */
  forward(images: readonly Float32Array[]): HeadOutputs[] {
    const [loc, logits] = tf.tidy(() => {
      const out = this.run(this.input(images));
      return [out.loc, out.logits];
    });
    const outs = splitBatch(loc!, logits!, images.length);
    loc!.dispose();
    logits!.dispose();
    return outs;
  }

  /**
   * One differentiated pass over a batch: `lossOf` receives each image's outputs and returns
   * dL/d outputs (already scaled); the result is every parameter's gradient, by parameter name.
   * The outputs are read inside the tape, so the network runs forward once per step.
   */
  gradients(
    images: readonly Float32Array[],
    lossOf: (outputs: HeadOutputs[]) => Array<{ gradLoc: Float32Array; gradLogits: Float32Array }>,
  ): Map<string, tf.Tensor> {
    const varList = [...this.vars.values()];
    const { value, grads } = tf.variableGrads(() => {
      const out = this.run(this.input(images));
      const g = lossOf(splitBatch(out.loc, out.logits, images.length));
      const gLoc = tf.tensor3d(concatAll(g.map((x) => x.gradLoc)), out.loc.shape);
      const gLogits = tf.tensor3d(concatAll(g.map((x) => x.gradLogits)), out.logits.shape);
      // Σ output · dL/d output has dL/d parameter as its gradient.
      return tf.add(tf.sum(tf.mul(out.loc, gLoc)), tf.sum(tf.mul(out.logits, gLogits)));
    }, varList);
    value.dispose();
    const named = new Map<string, tf.Tensor>();
    for (const [name, v] of this.vars) named.set(name, grads[v.name]!);
    return named;
  }

  private input(images: readonly Float32Array[]): tf.Tensor4D {
    const { channels, size } = this.spec.input;
    return tf.tensor4d(concatAll(images), [images.length, channels, size, size]);
  }

  private v(name: string): tf.Variable {
    const v = this.vars.get(name);
    if (!v) throw new Error(`no variable ${name}`);
    return v;
  }
}

function splitBatch(loc: tf.Tensor3D, logits: tf.Tensor3D, batch: number): HeadOutputs[] {
  const l = loc.dataSync() as Float32Array;
  const c = logits.dataSync() as Float32Array;
  const nl = l.length / batch;
  const nc = c.length / batch;
  return Array.from({ length: batch }, (_, i) => ({
    loc: l.slice(i * nl, (i + 1) * nl),
    logits: c.slice(i * nc, (i + 1) * nc),
  }));
}

function concatAll(parts: readonly Float32Array[]): Float32Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
