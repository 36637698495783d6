/**
 * face-api's own tfjs SSD, loaded from the same weight files the converter reads, as the
 * reference the converted ONNX must agree with. Runs on the pure-JS tfjs 'cpu' backend.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
// The node-wasm bundle is CommonJS over @tensorflow/tfjs' CJS build; the ESM bundles import
// tfjs' ESM build, whose directory imports Node's loader rejects.
import * as faceapi from '@vladmandic/face-api/dist/face-api.node-wasm.js';
// Same CommonJS instance face-api re-exports; face-api's bundled typings of it omit the
// engine functions (setBackend, ready, dispose).
import * as tfEngine from '@tensorflow/tfjs';
import type { RgbImage } from '../../../src/core/image/decode';

/** face-api's tfjs, typed as face-api declares it (so its parameter tensors fit). */
const tf = faceapi.tf;
type Tensor4D = ReturnType<typeof tf.tensor4d>;
type SsdParams = NonNullable<faceapi.SsdMobilenetv1['params']>;

/** An SSD net with weights loaded, on the tfjs cpu backend. */
export async function loadFaceApiSsd(manifestPath: string): Promise<faceapi.SsdMobilenetv1> {
  await tfEngine.setBackend('cpu');
  await tfEngine.ready();
  const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as Array<{
    paths: string[];
    weights: Parameters<typeof tf.io.decodeWeights>[1];
  }>;
  const net = new faceapi.SsdMobilenetv1();
  for (const group of manifest) {
    const shards = await Promise.all(
      group.paths.map((p) => readFile(path.join(path.dirname(manifestPath), p))),
    );
    const bytes = Buffer.concat(shards);
    const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    net.loadFromWeightMap(tf.io.decodeWeights(buffer, group.weights));
  }
  return net;
}

/** What face-api feeds its network for an image, and its own outputs for it. */
export interface FaceApiRun {
  /** Normalised input, NHWC [1, 512, 512, 3] (face-api's pad-to-square + legacy bilinear). */
  input: Float32Array;
  /** Decoded boxes [5118, 4] (ymin, xmin, ymax, xmax), from face-api's forwardInput. */
  boxes: Float32Array;
  /** sigmoid(class 1 logit) [5118], from face-api's forwardInput. */
  scores: Float32Array;
}

/** Runs face-api's own preprocessing and forward pass on an 8-bit RGB image. */
export async function runFaceApi(
  net: faceapi.SsdMobilenetv1,
  image: RgbImage,
): Promise<FaceApiRun> {
  const pixels = tf.tensor3d(Int32Array.from(image.data), [image.height, image.width, 3], 'int32');
  const netInput = await faceapi.toNetInput(pixels);
  const batch = netInput.toBatchTensor(512, false);
  const input = tf.tidy(() => tf.sub(tf.div(batch, 127.5), 1));
  const { boxes, scores } = net.forwardInput(netInput);
  const run = {
    input: new Float32Array(await input.data()),
    boxes: new Float32Array(await boxes[0]!.data()),
    scores: new Float32Array(await scores[0]!.data()),
  };
  for (const t of [pixels, batch, input, ...boxes, ...scores]) t.dispose();
  return run;
}

/**
 * face-api's network up to the raw predictions, op for op as src/ssdMobilenetv1 (mobileNetV1,
 * predictionLayer, boxPredictionLayer) with the net's own parameter tensors: face-api does not
 * export these intermediate outputs.
 *
 * @param input NHWC [1, 512, 512, 3], normalised.
 * @returns box encodings [1, 5118, 4] and class logits [1, 5118, 3], flattened.
 */
export function faceApiRawOutputs(
  net: faceapi.SsdMobilenetv1,
  input: Float32Array,
): { boxEncodings: Float32Array; classLogits: Float32Array } {
  const params: SsdParams | undefined = net.params;
  if (!params) throw new Error('load the net first');
  return tf.tidy(() => {
    const x = tf.tensor4d(input, [1, 512, 512, 3]);
    const pointwise = (
      t: Tensor4D,
      p: SsdParams['mobilenetv1']['conv_0'],
      stride: 1 | 2,
    ): Tensor4D =>
      tf.clipByValue(
        tf.add(tf.conv2d(t, p.filters, [stride, stride], 'same'), p.batch_norm_offset),
        0,
        6,
      ) as Tensor4D;
    const m = params.mobilenetv1;
    const pairs = [
      m.conv_1,
      m.conv_2,
      m.conv_3,
      m.conv_4,
      m.conv_5,
      m.conv_6,
      m.conv_7,
      m.conv_8,
      m.conv_9,
      m.conv_10,
      m.conv_11,
      m.conv_12,
      m.conv_13,
    ];
    let out = pointwise(x, m.conv_0, 2);
    let conv11 = out;
    pairs.forEach((pair, i) => {
      const stride = [2, 4, 6, 12].includes(i + 1) ? 2 : 1;
      const dw = pair.depthwise_conv;
      out = tf.depthwiseConv2d(out, dw.filters, [stride, stride], 'same');
      out = tf.batchNorm(
        out,
        dw.batch_norm_mean,
        dw.batch_norm_variance,
        dw.batch_norm_offset,
        dw.batch_norm_scale,
        0.0010000000474974513,
      );
      out = tf.clipByValue(out, 0, 6) as Tensor4D;
      out = pointwise(out, pair.pointwise_conv, 1);
      if (i + 1 === 11) conv11 = out;
    });
    const p = params.prediction_layer;
    const c0 = pointwise(out, p.conv_0, 1);
    const c1 = pointwise(c0, p.conv_1, 2);
    const c3 = pointwise(pointwise(c1, p.conv_2, 1), p.conv_3, 2);
    const c5 = pointwise(pointwise(c3, p.conv_4, 1), p.conv_5, 2);
    const c7 = pointwise(pointwise(c5, p.conv_6, 1), p.conv_7, 2);
    const heads: Array<[Tensor4D, SsdParams['prediction_layer']['box_predictor_0']]> = [
      [conv11, p.box_predictor_0],
      [out, p.box_predictor_1],
      [c1, p.box_predictor_2],
      [c3, p.box_predictor_3],
      [c5, p.box_predictor_4],
      [c7, p.box_predictor_5],
    ];
    const conv1x1 = (
      t: Tensor4D,
      w: SsdParams['prediction_layer']['box_predictor_0']['class_predictor'],
    ): Tensor4D => tf.add(tf.conv2d(t, w.filters, [1, 1], 'same'), w.bias) as Tensor4D;
    const boxes = tf.concat(
      heads.map(([t, h]) => tf.reshape(conv1x1(t, h.box_encoding_predictor), [1, -1, 4])),
      1,
    );
    const logits = tf.concat(
      heads.map(([t, h]) => tf.reshape(conv1x1(t, h.class_predictor), [1, -1, 3])),
      1,
    );
    return {
      boxEncodings: new Float32Array(boxes.dataSync()),
      classLogits: new Float32Array(logits.dataSync()),
    };
  });
}

/**
 * face-api's outputLayer in plain JS: TF box decoding against the shipped anchors
 * ([ymin, xmin, ymax, xmax]) with scale factors 10, 10, 5, 5, and sigmoid of class 1.
 */
export function decodeLikeFaceApi(
  boxEncodings: Float32Array,
  classLogits: Float32Array,
  anchors: Float32Array,
): { boxes: Float32Array; scores: Float32Array } {
  const n = anchors.length / 4;
  const boxes = new Float32Array(n * 4);
  const scores = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const [y0, x0, y1, x1] = [
      anchors[4 * i]!,
      anchors[4 * i + 1]!,
      anchors[4 * i + 2]!,
      anchors[4 * i + 3]!,
    ];
    const [ty, tx, th, tw] = [
      boxEncodings[4 * i]!,
      boxEncodings[4 * i + 1]!,
      boxEncodings[4 * i + 2]!,
      boxEncodings[4 * i + 3]!,
    ];
    const h = y1 - y0;
    const w = x1 - x0;
    const cy = (ty / 10) * h + (y0 + h / 2);
    const cx = (tx / 10) * w + (x0 + w / 2);
    const halfH = (Math.exp(th / 5) * h) / 2;
    const halfW = (Math.exp(tw / 5) * w) / 2;
    boxes.set([cy - halfH, cx - halfW, cy + halfH, cx + halfW], 4 * i);
    scores[i] = 1 / (1 + Math.exp(-classLogits[3 * i + 1]!));
  }
  return { boxes, scores };
}
