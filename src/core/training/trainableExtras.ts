/**
 * The SSD extra layers (1×1 and 3×3 stride-2 convolutions after the backbone, `extras` mode) as
 * trainable tfjs variables. tfjs wasm has no Conv2DBackpropFilter, so no convolution is used:
 * a 1×1 layer is a matrix product of the [cells, channels] map, and a 3×3 layer is a matrix
 * product over its im2col patches, gathered by a constant 0/1 selection matrix (itself a matrix
 * product, so the whole layer differentiates with ops every backend has). Filters stay in TF's
 * HWIO layout, which flattens to exactly the [k·k·in, out] matrix the patches multiply, and is
 * what the ONNX export reads.
 */
import * as tf from '@tensorflow/tfjs';
import type { CheckedWeights } from '../models/faceApiSsd/checkWeights';
import type { ConvLayerSpec, SsdModelSpec } from '../models/faceApiSsd/modelSpec';
import { NamedVariables, type HeadParams } from './namedVariables';

/** The spec's extra layers, in order. */
export function extraLayers(spec: SsdModelSpec): ConvLayerSpec[] {
  return spec.layers.filter((l) => l.stage === 'extras');
}

function weightNames(layer: ConvLayerSpec): { filters: string; bias: string } {
  if (layer.weights.kind !== 'bias')
    throw new Error(`${layer.name}: extra layers carry filters and a bias`);
  return { filters: layer.weights.filters, bias: layer.weights.bias };
}

/** Initial parameters of the extra layers: the base model's. */
export function initialExtrasParams(spec: SsdModelSpec, base: CheckedWeights): HeadParams {
  const params: HeadParams = {};
  for (const layer of extraLayers(spec)) {
    const { filters, bias } = weightNames(layer);
    params[filters] = Float32Array.from(base.get(filters));
    params[bias] = Float32Array.from(base.get(bias));
  }
  return params;
}

/**
 * The [out·out·k², in·in] 0/1 matrix whose product with a [in·in, channels] map gives each
 * output cell's k×k patch (row = cell·k² + ky·k + kx), zero rows where the patch reads padding.
 */
export function patchSelection(layer: ConvLayerSpec): Float32Array {
  const { inputSize: n, outputSize: m, kernel: k, stride: s } = layer;
  const [top, left] = layer.pads;
  const sel = new Float32Array(m * m * k * k * n * n);
  for (let oy = 0; oy < m; oy++)
    for (let ox = 0; ox < m; ox++)
      for (let ky = 0; ky < k; ky++)
        for (let kx = 0; kx < k; kx++) {
          const iy = oy * s - top + ky;
          const ix = ox * s - left + kx;
          if (iy < 0 || ix < 0 || iy >= n || ix >= n) continue;
          const row = ((oy * m + ox) * k + ky) * k + kx;
          sel[row * n * n + iy * n + ix] = 1;
        }
  return sel;
}

export class TrainableExtras extends NamedVariables {
  private readonly layers: ConvLayerSpec[];
  private readonly selections = new Map<string, tf.Tensor2D>();

  /** `outputs[k]`: the layer whose output is predictor k's map (null: not an extra layer). */
  readonly outputs: ReadonlyArray<string | null>;
  /** Index of the predictor whose map the first extra layer reads. */
  readonly sourcePredictor: number;

  constructor(spec: SsdModelSpec, params: HeadParams) {
    super('extras');
    this.layers = extraLayers(spec);
    const first = this.layers[0];
    if (!first) throw new Error(`${spec.name} has no extra layers`);
    this.sourcePredictor = spec.predictors.findIndex((p) => p.featureMap === first.input);
    if (this.sourcePredictor < 0)
      throw new Error(`${first.name} reads ${first.input}, which no predictor reads`);
    const names = new Set(this.layers.map((l) => l.name));
    this.outputs = spec.predictors.map((p) => (names.has(p.featureMap) ? p.featureMap : null));
    for (const layer of this.layers) {
      const { filters, bias } = weightNames(layer);
      const k2in = layer.kernel * layer.kernel * layer.inChannels;
      const w = params[filters];
      const b = params[bias];
      if (!w || !b) throw new Error(`no parameters for ${layer.name}`);
      this.addVariable(filters, w, [k2in, layer.outChannels]);
      this.addVariable(bias, b, [b.length]);
      if (layer.kernel > 1) {
        const cells = layer.outputSize * layer.outputSize * layer.kernel * layer.kernel;
        this.selections.set(
          layer.name,
          tf.tensor2d(patchSelection(layer), [cells, layer.inputSize * layer.inputSize]),
        );
      }
    }
  }

  /**
   * The extra layers' outputs for a batch of source maps (`x`: [batch·cells, channels], sample
   * by sample), by layer name, each [batch·cells, channels]. Inside a tape when differentiated.
   */
  private run(x: tf.Tensor2D, batch: number): Map<string, tf.Tensor2D> {
    const out = new Map<string, tf.Tensor2D>();
    let h = x;
    for (const layer of this.layers) {
      const { filters, bias } = weightNames(layer);
      let cols: tf.Tensor2D = h;
      if (layer.kernel > 1) {
        const cin = layer.inChannels;
        const inCells = layer.inputSize * layer.inputSize;
        const k2 = layer.kernel * layer.kernel;
        const outCells = layer.outputSize * layer.outputSize;
        // [b·cells, c] → [cells, b·c]: one selection product serves the whole batch.
        const byCell = tf.reshape(tf.transpose(tf.reshape(h, [batch, inCells, cin]), [1, 0, 2]), [
          inCells,
          batch * cin,
        ]);
        const patches = tf.matMul(this.selections.get(layer.name)!, byCell);
        cols = tf.reshape(
          tf.transpose(tf.reshape(patches, [outCells, k2, batch, cin]), [2, 0, 1, 3]),
          [batch * outCells, k2 * cin],
        );
      }
      h = tf.clipByValue(
        tf.add(tf.matMul(cols, this.vars.get(filters)!), this.vars.get(bias)!),
        0,
        6,
      ) as tf.Tensor2D;
      out.set(layer.name, h);
    }
    return out;
  }

  /** Predictor maps computed by the extra layers for one sample's source map (null elsewhere). */
  forward(source: Float32Array, cells: number, channels: number): Array<Float32Array | null> {
    const made = tf.tidy(() => {
      const maps = this.run(tf.tensor2d(source, [cells, channels]), 1);
      return this.outputs.map((name) => (name ? maps.get(name)! : tf.zeros([0])));
    });
    return made.map((t, k) => {
      const data = this.outputs[k] ? Float32Array.from(t.dataSync() as Float32Array) : null;
      t.dispose();
      return data;
    });
  }

  /**
   * Gradients of the extra layers' parameters, given the source maps of a batch and dL/d map of
   * each predictor the extras feed (already scaled, batch-major as the maps).
   */
  gradients(
    sources: readonly Float32Array[],
    cells: number,
    channels: number,
    dMaps: ReadonlyArray<tf.Tensor2D | null>,
  ): Map<string, tf.Tensor> {
    const x = new Float32Array(sources.length * cells * channels);
    sources.forEach((s, i) => x.set(s, i * cells * channels));
    const varList = [...this.vars.values()];
    const { value, grads } = tf.variableGrads(() => {
      const maps = this.run(tf.tensor2d(x, [sources.length * cells, channels]), sources.length);
      let total: tf.Scalar = tf.scalar(0);
      this.outputs.forEach((name, k) => {
        const d = dMaps[k];
        if (name && d) total = tf.add(total, tf.sum(tf.mul(maps.get(name)!, d)));
      });
      return total;
    }, varList);
    value.dispose();
    const out = new Map<string, tf.Tensor>();
    for (const [name, v] of this.vars) out.set(name, grads[v.name]!);
    return out;
  }

  override dispose(): void {
    super.dispose();
    for (const s of this.selections.values()) s.dispose();
  }
}
