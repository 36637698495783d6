import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { attr } from '../../src/core/onnx/attributes';
import { OnnxModelBuilder, type OnnxDim } from '../../src/core/onnx/modelBuilder';
import { generatedDir } from './paths';

/**
 * Small SSD-shaped ONNX graphs written with our own writer, for `models add`: the outputs have
 * the shapes of a real export (raw [1,P,4] + [1,P,C], or decoded boxes/scores/classes/num) and
 * depend on the input (a mean over the image times zero), so ONNX Runtime really runs them.
 * Offsets are zero (each box is its prior) and prior `hot` scores high on class column 1.
 */
export interface RawGraphSpec {
  file: string;
  layout: 'nchw' | 'nhwc';
  width: number | string;
  height: number | string;
  priors: number;
  columns: number;
  boxesName?: string;
  scoresName?: string;
  /** Write NaN into the box offsets (a model that runs but returns nonsense). */
  nan?: boolean;
  /** Prior that scores high on column 1 (default: the middle one). */
  hot?: number;
}

export function writeRawSsd(spec: RawGraphSpec): string {
  const b = new OnnxModelBuilder({ graphName: 'raw-ssd-fixture' });
  const shape: OnnxDim[] =
    spec.layout === 'nchw' ? [1, 3, spec.height, spec.width] : [1, spec.height, spec.width, 3];
  const image = b.addInput('image', 'float32', shape);
  const zero = zeroFrom(b, image);
  const offsets = new Float32Array(spec.priors * 4).fill(spec.nan ? Number.NaN : 0);
  const logits = new Float32Array(spec.priors * spec.columns);
  const hot = spec.hot ?? Math.floor(spec.priors / 2);
  for (let p = 0; p < spec.priors; p++) logits[p * spec.columns] = 4; // background wins…
  logits[hot * spec.columns] = 0;
  logits[hot * spec.columns + 1] = 6; // …except at one prior.
  const boxes = spec.boxesName ?? 'bbox_regression';
  const scores = spec.scoresName ?? 'cls_logits';
  b.addInitializer('offsets', offsets, [1, spec.priors, 4]);
  b.addInitializer('logits', logits, [1, spec.priors, spec.columns]);
  b.addNode('Add', [zero, 'offsets'], [boxes]);
  b.addNode('Add', [zero, 'logits'], [scores]);
  b.addOutput(boxes, 'float32', [1, spec.priors, 4]);
  b.addOutput(scores, 'float32', [1, spec.priors, spec.columns]);
  return save(spec.file, b.toBytes());
}

/** A TF-OD-API-like export: post-processing inside the graph, K detections. */
export function writeDecodedSsd(spec: {
  file: string;
  width: number;
  height: number;
  layout: 'nchw' | 'nhwc';
  detections: number;
}): string {
  const b = new OnnxModelBuilder({ graphName: 'decoded-ssd-fixture' });
  const k = spec.detections;
  const shape: OnnxDim[] =
    spec.layout === 'nchw' ? [1, 3, spec.height, spec.width] : [1, spec.height, spec.width, 3];
  const image = b.addInput('image_tensor', 'float32', shape);
  const zero = zeroFrom(b, image);
  const boxes = new Float32Array(k * 4);
  const scores = new Float32Array(k);
  const classes = new Float32Array(k);
  for (let i = 0; i < k; i++) {
    boxes.set([0.1 + 0.01 * i, 0.2, 0.5, 0.6 + 0.01 * i], 4 * i);
    scores[i] = 0.9 - 0.1 * i;
    classes[i] = 1 + (i % 2);
  }
  b.addInitializer('b', boxes, [1, k, 4]);
  b.addInitializer('s', scores, [1, k]);
  b.addInitializer('c', classes, [1, k]);
  b.addInitializer('n', new Float32Array([k]), [1]);
  b.addNode('Add', [zero, 'b'], ['detection_boxes']);
  b.addNode('Add', [zero, 's'], ['detection_scores']);
  b.addNode('Add', [zero, 'c'], ['detection_classes']);
  b.addNode('Add', [zero, 'n'], ['num_detections']);
  b.addOutput('detection_boxes', 'float32', [1, k, 4]);
  b.addOutput('detection_scores', 'float32', [1, k]);
  b.addOutput('detection_classes', 'float32', [1, k]);
  b.addOutput('num_detections', 'float32', [1]);
  return save(spec.file, b.toBytes());
}

/** A graph with no image-like input (a [1, 10] vector in, the same out). */
export function writeNotAnImageModel(file: string): string {
  const b = new OnnxModelBuilder({ graphName: 'vector' });
  b.addInput('x', 'float32', [1, 10]);
  b.addNode('Identity', ['x'], ['y']);
  b.addOutput('y', 'float32', [1, 10]);
  return save(file, b.toBytes());
}

/** Per-layer heads left unconcatenated (a Caffe-style export cut before mbox_*_flatten). */
export function writePerLayerSsd(file: string): string {
  const b = new OnnxModelBuilder({ graphName: 'per-layer' });
  const image = b.addInput('data', 'float32', [1, 3, 300, 300]);
  const zero = zeroFrom(b, image);
  b.addInitializer('l', new Float32Array(16 * 38 * 38), [1, 16, 38, 38]);
  b.addInitializer('c', new Float32Array(8 * 38 * 38), [1, 8, 38, 38]);
  b.addNode('Add', [zero, 'l'], ['conv4_3_mbox_loc']);
  b.addNode('Add', [zero, 'c'], ['conv4_3_mbox_conf']);
  b.addOutput('conv4_3_mbox_loc', 'float32', [1, 16, 38, 38]);
  b.addOutput('conv4_3_mbox_conf', 'float32', [1, 8, 38, 38]);
  return save(file, b.toBytes());
}

/** A scalar 0 that depends on the input: ReduceMean over everything, times 0. */
function zeroFrom(b: OnnxModelBuilder, input: string): string {
  b.addInitializer('zero_scale', new Float32Array([0]), []);
  b.addNode('ReduceMean', [input], ['input_mean'], { keepdims: attr.int(0) });
  b.addNode('Mul', ['input_mean', 'zero_scale'], ['zero']);
  return 'zero';
}

function save(file: string, bytes: Uint8Array): string {
  const out = path.isAbsolute(file) ? file : path.join(generatedDir, 'byo-models', file);
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, bytes);
  return out;
}
