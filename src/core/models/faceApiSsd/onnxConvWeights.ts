import type { CheckedWeights } from './checkWeights';
import type { ConvLayerSpec, PredictorSpec } from './modelSpec';

/** Weights of one ONNX Conv: W [outChannels, inChannels/group, k, k] (OIHW) and B [outChannels]. */
export interface OnnxConvWeights {
  weight: Float32Array;
  weightDims: [number, number, number, number];
  bias: Float32Array;
}

/**
 * Converts TF conv filters HWIO [kh, kw, in, out] to ONNX OIHW [out, in, kh, kw].
 * `data` is row-major HWIO.
 */
export function hwioToOihw(
  data: Float32Array,
  kh: number,
  kw: number,
  cin: number,
  cout: number,
): Float32Array {
  const out = new Float32Array(data.length);
  for (let y = 0; y < kh; y++) {
    for (let x = 0; x < kw; x++) {
      for (let i = 0; i < cin; i++) {
        const src = ((y * kw + x) * cin + i) * cout;
        for (let o = 0; o < cout; o++) out[((o * cin + i) * kh + y) * kw + x] = data[src + o]!;
      }
    }
  }
  return out;
}

/**
 * Converts TF depthwise filters [kh, kw, channels, multiplier] to the weight of an ONNX grouped
 * Conv with group = channels: [channels·multiplier, 1, kh, kw]; output channel c·m + j is input
 * channel c's j-th filter, the order TF's depthwise_conv2d produces.
 */
export function depthwiseToGroupedOihw(
  data: Float32Array,
  kh: number,
  kw: number,
  channels: number,
  multiplier: number,
): Float32Array {
  const out = new Float32Array(data.length);
  for (let y = 0; y < kh; y++) {
    for (let x = 0; x < kw; x++) {
      for (let c = 0; c < channels; c++) {
        for (let j = 0; j < multiplier; j++) {
          const src = ((y * kw + x) * channels + c) * multiplier + j;
          out[((c * multiplier + j) * kh + y) * kw + x] = data[src]!;
        }
      }
    }
  }
  return out;
}

/**
 * Folds inference-mode batch norm y = (x − mean)·gamma/sqrt(var + eps) + beta into the conv that
 * precedes it. `weight` is OIHW (modified copy returned), one scale per output channel; the
 * returned bias is beta − mean·scale. Computed in float64, rounded once to float32.
 */
export function foldBatchNorm(
  weight: Float32Array,
  outChannels: number,
  bn: {
    gamma: Float32Array;
    beta: Float32Array;
    mean: Float32Array;
    variance: Float32Array;
    epsilon: number;
  },
): { weight: Float32Array; bias: Float32Array } {
  const perChannel = weight.length / outChannels;
  const folded = new Float32Array(weight.length);
  const bias = new Float32Array(outChannels);
  for (let c = 0; c < outChannels; c++) {
    const scale = bn.gamma[c]! / Math.sqrt(bn.variance[c]! + bn.epsilon);
    for (let i = c * perChannel; i < (c + 1) * perChannel; i++) folded[i] = weight[i]! * scale;
    bias[c] = bn.beta[c]! - bn.mean[c]! * scale;
  }
  return { weight: folded, bias };
}

/** The ONNX Conv weights of a spec layer (batch norm folded for depthwise layers that carry one). */
export function convLayerWeights(layer: ConvLayerSpec, weights: CheckedWeights): OnnxConvWeights {
  const k = layer.kernel;
  const w = layer.weights;
  if (w.kind === 'bias' && layer.kind === 'depthwise') {
    // Batch norm already folded (a fully fine-tuned model): grouped filters and their bias.
    return {
      weight: depthwiseToGroupedOihw(weights.get(w.filters), k, k, layer.inChannels, 1),
      weightDims: [layer.outChannels, 1, k, k],
      bias: Float32Array.from(weights.get(w.bias)),
    };
  }
  if (w.kind === 'bias') {
    return {
      weight: hwioToOihw(weights.get(w.filters), k, k, layer.inChannels, layer.outChannels),
      weightDims: [layer.outChannels, layer.inChannels, k, k],
      bias: Float32Array.from(weights.get(w.bias)),
    };
  }
  if (layer.kind !== 'depthwise')
    throw new Error(`${layer.name}: batch norm is only folded into depthwise layers`);
  const grouped = depthwiseToGroupedOihw(weights.get(w.filters), k, k, layer.inChannels, 1);
  const folded = foldBatchNorm(grouped, layer.outChannels, {
    gamma: weights.get(w.gamma),
    beta: weights.get(w.beta),
    mean: weights.get(w.movingMean),
    variance: weights.get(w.movingVariance),
    epsilon: w.epsilon,
  });
  return { ...folded, weightDims: [layer.outChannels, 1, k, k] };
}

/**
 * The two 1×1 convs of a box predictor in ONNX layout: box encodings with anchors·boxCodeSize
 * output channels, class logits with anchors·numClasses (anchor-major, as TF emits them). These
 * are what a predictor-only fine-tune starts from.
 */
export function predictorWeights(
  predictor: PredictorSpec,
  weights: CheckedWeights,
  boxCodeSize: number,
  numClasses: number,
): { boxEncoding: OnnxConvWeights; classLogits: OnnxConvWeights } {
  const head = (names: { filters: string; bias: string }, width: number): OnnxConvWeights => ({
    weight: hwioToOihw(weights.get(names.filters), 1, 1, predictor.channels, width),
    weightDims: [width, predictor.channels, 1, 1],
    bias: Float32Array.from(weights.get(names.bias)),
  });
  return {
    boxEncoding: head(predictor.boxEncoding, predictor.anchorsPerCell * boxCodeSize),
    classLogits: head(predictor.classLogits, predictor.anchorsPerCell * numClasses),
  };
}
