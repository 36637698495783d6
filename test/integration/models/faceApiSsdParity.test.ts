// The converted ONNX against face-api's own tfjs forward pass on a real photo.
import { createRequire } from 'node:module';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeImageFile } from '../../../src/core/image/decode';
import {
  convertFaceApiSsd,
  loadFaceApiSsdWeights,
  locateFaceApiSsdFiles,
} from '../../../src/core/models/faceApiSsd/convertFaceApiSsd';
import { faceApiSsdSpec } from '../../../src/core/models/faceApiSsd/modelSpec';
import {
  decodeLikeFaceApi,
  faceApiRawOutputs,
  loadFaceApiSsd,
  runFaceApi,
  type FaceApiRun,
} from './faceApiReference';

const PRIORS = 5118;
const samplePhoto = path.join(
  path.dirname(createRequire(import.meta.url).resolve('@vladmandic/face-api/package.json')),
  'demo/sample1.jpg',
);

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

/** NHWC [1, H, W, C] → NCHW [1, C, H, W]. */
function toNchw(nhwc: Float32Array, size: number, channels: number): Float32Array {
  const out = new Float32Array(nhwc.length);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      for (let c = 0; c < channels; c++)
        out[(c * size + y) * size + x] = nhwc[(y * size + x) * channels + c]!;
    }
  }
  return out;
}

describe('converted face-api SSD vs face-api (tfjs cpu)', () => {
  let faceApi: FaceApiRun;
  let reference: { boxEncodings: Float32Array; classLogits: Float32Array };
  let onnx: { boxEncodings: Float32Array; classLogits: Float32Array };
  let anchors: Float32Array;

  beforeAll(async () => {
    const files = locateFaceApiSsdFiles();
    const net = await loadFaceApiSsd(files.manifestPath);
    faceApi = await runFaceApi(net, await decodeImageFile(samplePhoto));
    reference = faceApiRawOutputs(net, faceApi.input);
    anchors = (await loadFaceApiSsdWeights(files.manifestPath)).get(faceApiSsdSpec().anchors);

    const session = await ort.InferenceSession.create(await convertFaceApiSsd({ files }));
    const image = new ort.Tensor('float32', toNchw(faceApi.input, 512, 3), [1, 3, 512, 512]);
    const out = await session.run({ image });
    onnx = {
      boxEncodings: out.box_encodings!.data as Float32Array,
      classLogits: out.class_logits!.data as Float32Array,
    };
    await session.release();
  }, 180_000);

  it('the op-for-op reference reproduces face-api forwardInput', () => {
    const decoded = decodeLikeFaceApi(reference.boxEncodings, reference.classLogits, anchors);
    expect(maxAbsDiff(decoded.boxes, faceApi.boxes)).toBeLessThan(1e-5);
    expect(maxAbsDiff(decoded.scores, faceApi.scores)).toBeLessThan(1e-6);
  });

  it('raw box encodings and class logits match face-api', () => {
    expect(onnx.boxEncodings.length).toBe(PRIORS * 4);
    expect(onnx.classLogits.length).toBe(PRIORS * 3);
    const boxDiff = maxAbsDiff(onnx.boxEncodings, reference.boxEncodings);
    const logitDiff = maxAbsDiff(onnx.classLogits, reference.classLogits);
    console.log(
      `max |Δ| vs face-api: box encodings ${boxDiff.toExponential(2)}, logits ${logitDiff.toExponential(2)}`,
    );
    expect(boxDiff).toBeLessThan(1e-3);
    expect(logitDiff).toBeLessThan(1e-3);
  });

  it('decoded boxes and face scores match face-api forwardInput', () => {
    const decoded = decodeLikeFaceApi(onnx.boxEncodings, onnx.classLogits, anchors);
    const boxDiff = maxAbsDiff(decoded.boxes, faceApi.boxes);
    const scoreDiff = maxAbsDiff(decoded.scores, faceApi.scores);
    console.log(
      `max |Δ| vs face-api forwardInput: boxes ${boxDiff.toExponential(2)}, scores ${scoreDiff.toExponential(2)}`,
    );
    expect(boxDiff).toBeLessThan(1e-4);
    expect(scoreDiff).toBeLessThan(1e-4);
    // The photo has faces: the comparison is not between two all-background outputs.
    expect(faceApi.scores.filter((s) => s > 0.5).length).toBeGreaterThan(0);
  });
});
