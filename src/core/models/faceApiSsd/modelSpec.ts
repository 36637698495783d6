/**
 * The SSD-MobileNet-v1 face detector of face-api as data: every conv layer with its geometry,
 * activation and source weights, and which feature maps feed which box predictor. The graph
 * emitters (full detector, backbone, heads) all walk this one description.
 *
 * Semantics follow face-api's src/ssdMobilenetv1 (mobileNetV1.ts, predictionLayer.ts,
 * boxPredictionLayer.ts); tensor names are the TF scopes of its weights manifest.
 */

export type Activation = 'relu6' | 'none';

/** Where a conv layer's parameters come from in the source weights. */
export type ConvWeightSource =
  /** Filters plus an additive per-channel bias (TF's folded `convolution_bn_offset`). */
  | { readonly kind: 'bias'; readonly filters: string; readonly bias: string }
  /** Filters followed by an inference-mode batch norm, folded when emitting. */
  | {
      readonly kind: 'batchNorm';
      readonly filters: string;
      readonly gamma: string;
      readonly beta: string;
      readonly movingMean: string;
      readonly movingVariance: string;
      readonly epsilon: number;
    };

/** One convolution (+ optional activation) on square NCHW feature maps. */
export interface ConvLayerSpec {
  /** Name of the layer's output tensor in emitted graphs (the TF scope of its weights). */
  readonly name: string;
  /** Tensor it reads: the model input's name or an earlier layer's name. */
  readonly input: string;
  /** `backbone`: MobileNetV1; `extras`: the SSD layers added on top of it. */
  readonly stage: 'backbone' | 'extras';
  /** `depthwise`: one filter per input channel (multiplier 1), group = channels. */
  readonly kind: 'conv' | 'depthwise';
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernel: number;
  readonly stride: number;
  /** Spatial size (height = width) of the input and output maps. */
  readonly inputSize: number;
  readonly outputSize: number;
  /** Explicit ONNX pads `[top, left, bottom, right]` reproducing TF 'same' padding. */
  readonly pads: readonly [number, number, number, number];
  readonly activation: Activation;
  readonly weights: ConvWeightSource;
}

/** A 1×1 conv pair predicting box encodings and class logits for every prior of a feature map. */
export interface PredictorSpec {
  readonly name: string;
  /** Layer whose output is this predictor's feature map. */
  readonly featureMap: string;
  readonly featureSize: number;
  readonly channels: number;
  readonly anchorsPerCell: number;
  readonly boxEncoding: { readonly filters: string; readonly bias: string };
  readonly classLogits: { readonly filters: string; readonly bias: string };
}

export interface SsdModelSpec {
  readonly name: string;
  /** NCHW image input, already normalised (no preprocessing in the graph). */
  readonly input: { readonly name: string; readonly channels: number; readonly size: number };
  readonly layers: readonly ConvLayerSpec[];
  /** In prior order: predictions are concatenated predictor by predictor. */
  readonly predictors: readonly PredictorSpec[];
  /** Class logit columns per prior, background included. */
  readonly numClasses: number;
  /** Numbers per box encoding. */
  readonly boxCodeSize: number;
  /** Σ featureSize²·anchorsPerCell over the predictors. */
  readonly priorCount: number;
  /** Source weight holding the shipped priors, [1, priorCount, 4] (ymin, xmin, ymax, xmax). */
  readonly anchors: string;
  readonly outputs: { readonly boxEncodings: string; readonly classLogits: string };
}

/**
 * TF 'same' padding as explicit `[before, after]` for one axis. TF puts the odd pixel after,
 * so a stride-2 3×3 conv on an even size pads (0, 1), which no symmetric padding reproduces.
 */
export function tfSamePadding(inputSize: number, kernel: number, stride: number): [number, number] {
  const outputSize = Math.ceil(inputSize / stride);
  const total = Math.max((outputSize - 1) * stride + kernel - inputSize, 0);
  const before = Math.floor(total / 2);
  return [before, total - before];
}

/** face-api's batch-norm epsilon (float32 0.001), from mobileNetV1.ts. */
export const FACE_API_BATCH_NORM_EPSILON = 0.0010000000474974513;

const INPUT_SIZE = 512;
/** MobileNetV1 pairs 1..13: pointwise output channels and depthwise strides. */
const MOBILENET_PAIRS: ReadonlyArray<{ out: number; stride: number }> = [
  { out: 64, stride: 1 },
  { out: 128, stride: 2 },
  { out: 128, stride: 1 },
  { out: 256, stride: 2 },
  { out: 256, stride: 1 },
  { out: 512, stride: 2 },
  { out: 512, stride: 1 },
  { out: 512, stride: 1 },
  { out: 512, stride: 1 },
  { out: 512, stride: 1 },
  { out: 512, stride: 1 },
  { out: 1024, stride: 2 },
  { out: 1024, stride: 1 },
];
/** Prediction/Conv2d_0..7: 1×1 then 3×3 stride 2, alternating. */
const EXTRA_LAYERS: ReadonlyArray<{ out: number; kernel: number; stride: number }> = [
  { out: 256, kernel: 1, stride: 1 },
  { out: 512, kernel: 3, stride: 2 },
  { out: 128, kernel: 1, stride: 1 },
  { out: 256, kernel: 3, stride: 2 },
  { out: 128, kernel: 1, stride: 1 },
  { out: 256, kernel: 3, stride: 2 },
  { out: 64, kernel: 1, stride: 1 },
  { out: 128, kernel: 3, stride: 2 },
];
/** Predictor k reads this layer; face-api: conv11, backbone out, extras conv1/3/5/7. */
const PREDICTOR_SOURCES = [
  'MobilenetV1/Conv2d_11_pointwise',
  'MobilenetV1/Conv2d_13_pointwise',
  'Prediction/Conv2d_1_pointwise',
  'Prediction/Conv2d_3_pointwise',
  'Prediction/Conv2d_5_pointwise',
  'Prediction/Conv2d_7_pointwise',
];

/**
 * The face-api SSD-MobileNet-v1 face detector (512×512 input, 5118 priors, 3 logit columns).
 * `inputSize` gives the same layers on another input size (the weights fit any size; the maps
 * and prior count follow): tests train the whole network on small inputs with it.
 */
export function faceApiSsdSpec(inputSize = INPUT_SIZE): SsdModelSpec {
  const input = { name: 'image', channels: 3, size: inputSize };
  const layers: ConvLayerSpec[] = [];
  let prev = { name: input.name, channels: input.channels, size: input.size };

  const add = (
    name: string,
    stage: ConvLayerSpec['stage'],
    kind: ConvLayerSpec['kind'],
    outChannels: number,
    kernel: number,
    stride: number,
    weights: ConvWeightSource,
  ): void => {
    const [top, bottom] = tfSamePadding(prev.size, kernel, stride);
    const outputSize = Math.ceil(prev.size / stride);
    layers.push({
      name,
      input: prev.name,
      stage,
      kind,
      inChannels: prev.channels,
      outChannels,
      kernel,
      stride,
      inputSize: prev.size,
      outputSize,
      // Square maps and kernels: the same split on both axes.
      pads: [top, top, bottom, bottom],
      activation: 'relu6',
      weights,
    });
    prev = { name, channels: outChannels, size: outputSize };
  };
  const biased = (scope: string): ConvWeightSource => ({
    kind: 'bias',
    filters: `${scope}/weights`,
    bias: `${scope}/convolution_bn_offset`,
  });

  add(
    'MobilenetV1/Conv2d_0_pointwise',
    'backbone',
    'conv',
    32,
    3,
    2,
    biased('MobilenetV1/Conv2d_0_pointwise'),
  );
  MOBILENET_PAIRS.forEach(({ out, stride }, i) => {
    const dw = `MobilenetV1/Conv2d_${i + 1}_depthwise`;
    add(dw, 'backbone', 'depthwise', prev.channels, 3, stride, {
      kind: 'batchNorm',
      filters: `${dw}/depthwise_weights`,
      gamma: `${dw}/BatchNorm/gamma`,
      beta: `${dw}/BatchNorm/beta`,
      movingMean: `${dw}/BatchNorm/moving_mean`,
      movingVariance: `${dw}/BatchNorm/moving_variance`,
      epsilon: FACE_API_BATCH_NORM_EPSILON,
    });
    const pw = `MobilenetV1/Conv2d_${i + 1}_pointwise`;
    add(pw, 'backbone', 'conv', out, 1, 1, biased(pw));
  });
  EXTRA_LAYERS.forEach(({ out, kernel, stride }, i) => {
    const scope = `Prediction/Conv2d_${i}_pointwise`;
    add(scope, 'extras', 'conv', out, kernel, stride, biased(scope));
  });

  const predictors = PREDICTOR_SOURCES.map((source, k): PredictorSpec => {
    const layer = layers.find((l) => l.name === source);
    if (!layer) throw new Error(`spec bug: predictor ${k} reads unknown layer ${source}`);
    const scope = `Prediction/BoxPredictor_${k}`;
    return {
      name: `BoxPredictor_${k}`,
      featureMap: source,
      featureSize: layer.outputSize,
      channels: layer.outChannels,
      // TF's reduce_boxes_in_lowest_layer: 3 anchors on the first map, 6 elsewhere.
      anchorsPerCell: k === 0 ? 3 : 6,
      boxEncoding: {
        filters: `${scope}/BoxEncodingPredictor/weights`,
        bias: `${scope}/BoxEncodingPredictor/biases`,
      },
      classLogits: {
        filters: `${scope}/ClassPredictor/weights`,
        bias: `${scope}/ClassPredictor/biases`,
      },
    };
  });

  return {
    name: 'ssd-mobilenetv1-face',
    input,
    layers,
    predictors,
    numClasses: 3,
    boxCodeSize: 4,
    priorCount: predictors.reduce(
      (n, p) => n + p.featureSize * p.featureSize * p.anchorsPerCell,
      0,
    ),
    anchors: 'Output/extra_dim',
    outputs: { boxEncodings: 'box_encodings', classLogits: 'class_logits' },
  };
}
