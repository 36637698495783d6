// Structure of the converted face-api SSD graphs and their behaviour in ONNX Runtime.
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { convertFaceApiSsd } from '../../../src/core/models/faceApiSsd/convertFaceApiSsd';
import { faceApiSsdSpec } from '../../../src/core/models/faceApiSsd/modelSpec';
import { featureMapName } from '../../../src/core/models/faceApiSsd/ssdGraphs';
import { onnx } from '../../../src/core/onnx/onnxProto';

const spec = faceApiSsdSpec();
const IMAGE_SIZE = 3 * 512 * 512;

/** Deterministic values in [-1, 1) (mulberry32). */
function noiseImage(seed: number): Float32Array {
  let a = seed >>> 0;
  return Float32Array.from({ length: IMAGE_SIZE }, () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  });
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

function floats(t: ort.Tensor | undefined): Float32Array {
  if (!t || !(t.data instanceof Float32Array)) throw new Error('expected a float32 output');
  return t.data;
}

describe('converted face-api SSD detector', () => {
  let bytes: Uint8Array;
  let session: ort.InferenceSession;

  beforeAll(async () => {
    bytes = await convertFaceApiSsd();
    session = await ort.InferenceSession.create(bytes);
  });

  it('is an opset-17 model by shotbox with provenance metadata', () => {
    const model = onnx.ModelProto.decode(bytes);
    expect(Number(model.irVersion)).toBe(8);
    expect(model.opsetImport.map((o) => [o.domain, Number(o.version)])).toEqual([['', 17]]);
    expect(model.producerName).toBe('shotbox');
    const meta = Object.fromEntries(model.metadataProps.map((p) => [p.key, p.value]));
    expect(meta).toMatchObject({ licence: 'MIT', graph: 'detector', 'prior-count': '5118' });
    expect(meta.source).toMatch(
      /^npm:@vladmandic\/face-api@\d+\.\d+\.\d+ model\/ssd_mobilenetv1_model/,
    );
    expect(meta['converted-by']).toBeTruthy();
  });

  it('pads every conv explicitly (TF "same" is asymmetric at stride 2)', () => {
    const nodes = onnx.ModelProto.decode(bytes).graph?.node ?? [];
    const ops = new Set(nodes.map((n) => n.opType));
    expect([...ops].sort()).toEqual(['Clip', 'Concat', 'Conv', 'Reshape', 'Transpose']);
    const convs = nodes.filter((n) => n.opType === 'Conv');
    expect(convs).toHaveLength(spec.layers.length + 2 * spec.predictors.length);
    for (const conv of convs) expect(conv.attribute?.map((a) => a.name)).not.toContain('auto_pad');
    const firstPads = convs[0]!.attribute?.find((a) => a.name === 'pads');
    expect(firstPads?.ints?.map(Number)).toEqual([0, 0, 1, 1]);
  });

  it('declares image [N,3,512,512] → box_encodings [N,5118,4], class_logits [N,5118,3]', () => {
    expect(session.inputNames).toEqual(['image']);
    expect(session.outputNames).toEqual(['box_encodings', 'class_logits']);
    const shapeOf = (m: readonly ort.InferenceSession.ValueMetadata[], i: number): unknown =>
      m[i]?.isTensor ? [m[i].type, m[i].shape] : undefined;
    expect(shapeOf(session.inputMetadata, 0)).toEqual(['float32', ['N', 3, 512, 512]]);
    expect(shapeOf(session.outputMetadata, 0)).toEqual(['float32', ['N', 5118, 4]]);
    expect(shapeOf(session.outputMetadata, 1)).toEqual(['float32', ['N', 5118, 3]]);
  });

  it('runs a batch of two, each item as if alone', async () => {
    const a = noiseImage(1);
    const b = noiseImage(2);
    const batch = new Float32Array(2 * IMAGE_SIZE);
    batch.set(a, 0);
    batch.set(b, IMAGE_SIZE);
    const both = await session.run({ image: new ort.Tensor('float32', batch, [2, 3, 512, 512]) });
    expect(both.box_encodings?.dims).toEqual([2, 5118, 4]);
    expect(both.class_logits?.dims).toEqual([2, 5118, 3]);
    const alone = await session.run({ image: new ort.Tensor('float32', b, [1, 3, 512, 512]) });
    expect(
      maxAbsDiff(floats(both.box_encodings).subarray(5118 * 4), floats(alone.box_encodings)),
    ).toBeLessThan(1e-4);
    expect(
      maxAbsDiff(floats(both.class_logits).subarray(5118 * 3), floats(alone.class_logits)),
    ).toBeLessThan(1e-4);
  });

  it('converts deterministically', async () => {
    expect(Buffer.from(await convertFaceApiSsd()).equals(Buffer.from(bytes))).toBe(true);
  });
});

describe('backbone and heads graphs', () => {
  it('backbone then heads computes the detector', async () => {
    const [detector, backbone, heads] = await Promise.all(
      (['detector', 'backbone', 'heads'] as const).map(async (graph) =>
        ort.InferenceSession.create(await convertFaceApiSsd({ graph })),
      ),
    );
    const expectedFeatures = spec.predictors.map((p, k) => [
      featureMapName(k),
      ['N', p.channels, p.featureSize, p.featureSize],
    ]);
    expect(backbone!.outputNames).toEqual(expectedFeatures.map(([name]) => name));
    expect(heads!.inputNames).toEqual(expectedFeatures.map(([name]) => name));
    expect(backbone!.outputMetadata.map((m) => (m.isTensor ? [m.name, m.shape] : []))).toEqual(
      expectedFeatures,
    );

    const image = new ort.Tensor('float32', noiseImage(3), [1, 3, 512, 512]);
    const features = await backbone!.run({ image });
    expect(features.feature_0?.dims).toEqual([1, 512, 32, 32]);
    expect(features.feature_5?.dims).toEqual([1, 128, 1, 1]);
    const split = await heads!.run(features);
    const whole = await detector!.run({ image });
    expect(maxAbsDiff(floats(split.box_encodings), floats(whole.box_encodings))).toBeLessThan(1e-5);
    expect(maxAbsDiff(floats(split.class_logits), floats(whole.class_logits))).toBeLessThan(1e-5);
  });
});
