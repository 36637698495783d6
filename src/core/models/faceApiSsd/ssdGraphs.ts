import { attr } from '../../onnx/attributes';
import { OnnxModelBuilder, type OnnxModelOptions } from '../../onnx/modelBuilder';
import type { CheckedWeights } from './checkWeights';
import type { ConvLayerSpec, SsdModelSpec } from './modelSpec';
import { convLayerWeights, predictorWeights, type OnnxConvWeights } from './onnxConvWeights';

/** Model options of an emitted graph; the graph name comes from the spec. */
export type SsdGraphOptions = Omit<OnnxModelOptions, 'graphName'>;

/** Which graph to emit from a spec (DESIGN §7). */
export type SsdGraphKind = 'detector' | 'backbone' | 'heads';

/** Symbolic batch dimension of every graph input and output. */
export const BATCH_DIM = 'N';

/** Name of predictor k's feature map where it is a graph output (backbone) or input (heads). */
export function featureMapName(k: number): string {
  return `feature_${k}`;
}

/**
 * The full detector.
 * - input `image` float32 [N, 3, 512, 512], NCHW, already normalised to [-1, 1];
 * - output `box_encodings` float32 [N, priors, 4]: raw TF box encodings (ty, tx, th, tw);
 * - output `class_logits` float32 [N, priors, classes]: raw logits, background in column 0.
 * Priors are ordered predictor by predictor, cells row-major, anchors innermost.
 */
export function buildSsdDetector(
  spec: SsdModelSpec,
  weights: CheckedWeights,
  options: SsdGraphOptions,
): OnnxModelBuilder {
  const b = new OnnxModelBuilder({ ...options, graphName: `${spec.name}-detector` });
  addImageInput(b, spec);
  emitConvLayers(b, spec, weights);
  const features = spec.predictors.map((p) => p.featureMap);
  emitPredictors(b, spec, weights, features);
  return b;
}

/**
 * The feature extractor: input as {@link buildSsdDetector}; outputs `feature_0..5`, float32
 * [N, channels, size, size] (NCHW, after ReLU6), the maps the box predictors read.
 */
export function buildSsdBackbone(
  spec: SsdModelSpec,
  weights: CheckedWeights,
  options: SsdGraphOptions,
): OnnxModelBuilder {
  const b = new OnnxModelBuilder({ ...options, graphName: `${spec.name}-backbone` });
  addImageInput(b, spec);
  emitConvLayers(b, spec, weights);
  spec.predictors.forEach((p, k) => {
    const name = featureMapName(k);
    b.addNode('Identity', [p.featureMap], [name]);
    b.addOutput(
      name,
      'float32',
      [BATCH_DIM, p.channels, p.featureSize, p.featureSize],
      `output of ${p.featureMap}`,
    );
  });
  return b;
}

/**
 * The box predictors alone: inputs `feature_0..5` as the backbone emits them; outputs as
 * {@link buildSsdDetector}. Backbone then heads computes exactly the detector.
 */
export function buildSsdHeads(
  spec: SsdModelSpec,
  weights: CheckedWeights,
  options: SsdGraphOptions,
): OnnxModelBuilder {
  const b = new OnnxModelBuilder({ ...options, graphName: `${spec.name}-heads` });
  const inputs = spec.predictors.map((p, k) =>
    b.addInput(
      featureMapName(k),
      'float32',
      [BATCH_DIM, p.channels, p.featureSize, p.featureSize],
      `output of ${p.featureMap}`,
    ),
  );
  emitPredictors(b, spec, weights, inputs);
  return b;
}

/** Emits one of the graphs a spec describes. */
export function buildSsdGraph(
  kind: SsdGraphKind,
  spec: SsdModelSpec,
  weights: CheckedWeights,
  options: SsdGraphOptions,
): OnnxModelBuilder {
  switch (kind) {
    case 'detector':
      return buildSsdDetector(spec, weights, options);
    case 'backbone':
      return buildSsdBackbone(spec, weights, options);
    case 'heads':
      return buildSsdHeads(spec, weights, options);
  }
}

function addImageInput(b: OnnxModelBuilder, spec: SsdModelSpec): void {
  const { name, channels, size } = spec.input;
  b.addInput(
    name,
    'float32',
    [BATCH_DIM, channels, size, size],
    'NCHW RGB image normalised to [-1, 1] (x/127.5 - 1)',
  );
}

const RELU6_MIN = 'relu6/min';
const RELU6_MAX = 'relu6/max';

/** Emits every spec layer in order; each layer's output tensor is named after the layer. */
function emitConvLayers(b: OnnxModelBuilder, spec: SsdModelSpec, weights: CheckedWeights): void {
  if (spec.layers.some((l) => l.activation === 'relu6')) {
    b.addInitializer(RELU6_MIN, new Float32Array([0]), []);
    b.addInitializer(RELU6_MAX, new Float32Array([6]), []);
  }
  for (const layer of spec.layers) emitConvLayer(b, layer, convLayerWeights(layer, weights));
}

function emitConvLayer(b: OnnxModelBuilder, layer: ConvLayerSpec, w: OnnxConvWeights): void {
  const convOut = layer.activation === 'none' ? layer.name : `${layer.name}/conv`;
  b.addNode(
    'Conv',
    [
      layer.input,
      b.addInitializer(`${layer.name}/W`, w.weight, w.weightDims),
      b.addInitializer(`${layer.name}/B`, w.bias, [w.bias.length]),
    ],
    [convOut],
    {
      kernel_shape: attr.ints([layer.kernel, layer.kernel]),
      strides: attr.ints([layer.stride, layer.stride]),
      pads: attr.ints(layer.pads),
      dilations: attr.ints([1, 1]),
      group: attr.int(layer.kind === 'depthwise' ? layer.inChannels : 1),
    },
  );
  // ReLU6 as Clip(0, 6): face-api's clipByValue, and what ONNX Runtime fuses into Conv.
  if (layer.activation === 'relu6')
    b.addNode('Clip', [convOut, RELU6_MIN, RELU6_MAX], [layer.name]);
}

/**
 * Emits the box predictors on the given feature tensors (one per spec predictor) and the two
 * graph outputs. Each 1×1 conv output [N, A·code, H, W] is transposed to NHWC and reshaped to
 * [N, H·W·A, code], so priors come out row-major by cell with anchors innermost, as TF's
 * reshape of its NHWC tensors does.
 */
function emitPredictors(
  b: OnnxModelBuilder,
  spec: SsdModelSpec,
  weights: CheckedWeights,
  features: readonly string[],
): void {
  const boxShape = b.addInitializer(
    'shape/box_encodings',
    BigInt64Array.from([0n, -1n, BigInt(spec.boxCodeSize)]),
    [3],
  );
  const classShape = b.addInitializer(
    'shape/class_logits',
    BigInt64Array.from([0n, -1n, BigInt(spec.numClasses)]),
    [3],
  );
  const boxParts: string[] = [];
  const classParts: string[] = [];
  spec.predictors.forEach((p, k) => {
    const feature = features[k];
    if (feature === undefined) throw new Error(`no feature tensor for predictor ${p.name}`);
    const heads = predictorWeights(p, weights, spec.boxCodeSize, spec.numClasses);
    const emitHead = (head: string, w: OnnxConvWeights, shape: string): string => {
      const scope = `${p.name}/${head}`;
      const W = b.addInitializer(`${scope}/W`, w.weight, w.weightDims);
      const B = b.addInitializer(`${scope}/B`, w.bias, [w.bias.length]);
      b.addNode('Conv', [feature, W, B], [`${scope}/conv`], { kernel_shape: attr.ints([1, 1]) });
      b.addNode('Transpose', [`${scope}/conv`], [`${scope}/nhwc`], {
        perm: attr.ints([0, 2, 3, 1]),
      });
      b.addNode('Reshape', [`${scope}/nhwc`, shape], [scope]);
      return scope;
    };
    boxParts.push(emitHead('box_encodings', heads.boxEncoding, boxShape));
    classParts.push(emitHead('class_logits', heads.classLogits, classShape));
  });
  const { boxEncodings, classLogits } = spec.outputs;
  b.addNode('Concat', boxParts, [boxEncodings], { axis: attr.int(1) });
  b.addNode('Concat', classParts, [classLogits], { axis: attr.int(1) });
  b.addOutput(
    boxEncodings,
    'float32',
    [BATCH_DIM, spec.priorCount, spec.boxCodeSize],
    'TF box encodings (ty, tx, th, tw) per prior, before scaling by the box coder variances',
  );
  b.addOutput(
    classLogits,
    'float32',
    [BATCH_DIM, spec.priorCount, spec.numClasses],
    'class logits per prior (no activation); column 0 is background',
  );
}
