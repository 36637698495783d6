// Reading face-api's weights: wrong, truncated or garbage files must say what is wrong.
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  convertFaceApiSsd,
  loadFaceApiSsdWeights,
  locateFaceApiSsdFiles,
} from '../../../src/core/models/faceApiSsd/convertFaceApiSsd';
import {
  WeightsError,
  decodeTfjsWeights,
  readTfjsWeights,
} from '../../../src/core/models/faceApiSsd/tfjsWeights';

const files = locateFaceApiSsdFiles();
const modelDir = path.dirname(files.manifestPath);
const MANIFEST = path.basename(files.manifestPath);
const BIN = 'ssd_mobilenetv1_model.bin';

let dir: string;
let manifestJson: Array<{ paths: string[]; weights: Array<{ name: string; shape: number[] }> }>;

/** Writes a model folder variant into a fresh subfolder; returns its manifest path. */
async function variant(name: string, manifest: string | object, bin?: Uint8Array): Promise<string> {
  const sub = await mkdtemp(path.join(dir, `${name}-`));
  await writeFile(
    path.join(sub, MANIFEST),
    typeof manifest === 'string' ? manifest : JSON.stringify(manifest),
  );
  if (bin) await writeFile(path.join(sub, BIN), bin);
  else await copyFile(path.join(modelDir, BIN), path.join(sub, BIN));
  return path.join(sub, MANIFEST);
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'shotbox-faceapi-'));
  manifestJson = JSON.parse(await readFile(files.manifestPath, 'utf8')) as typeof manifestJson;
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('face-api SSD weights', () => {
  it('decode to the expected tensors', async () => {
    const weights = await readTfjsWeights(files.manifestPath);
    const filters = weights.get('MobilenetV1/Conv2d_0_pointwise/weights');
    expect(filters?.shape).toEqual([3, 3, 3, 32]);
    expect(filters?.data).toBeInstanceOf(Float32Array);
    // Quantised int32 constants round to their integer value.
    expect(Array.from(weights.get('Postprocessor/stack/1')?.data ?? [])).toEqual([5118]);
    const anchors = (await loadFaceApiSsdWeights(files.manifestPath)).get('Output/extra_dim');
    expect(anchors.length).toBe(5118 * 4);
    // First prior of the 32×32 map: centre (0.5/32, 0.5/32), size 0.1.
    expect(Array.from(anchors.subarray(0, 4))).toEqual(
      [0.015625 - 0.05, 0.015625 - 0.05, 0.015625 + 0.05, 0.015625 + 0.05].map(Math.fround),
    );
  });

  it('reject a manifest that is not JSON', async () => {
    const manifest = await variant('garbage', '\u0000\u0001 not json');
    await expect(loadFaceApiSsdWeights(manifest)).rejects.toThrow(/is not valid JSON/);
  });

  it('reject JSON that is not a tfjs weights manifest', async () => {
    const manifest = await variant('not-manifest', { modelTopology: {} });
    await expect(loadFaceApiSsdWeights(manifest)).rejects.toThrow(/is not a tfjs weights manifest/);
  });

  it('reject a truncated .bin, naming both sizes', async () => {
    const full = await readFile(path.join(modelDir, BIN));
    const manifest = await variant('truncated', manifestJson, full.subarray(0, 100_000));
    const error = await loadFaceApiSsdWeights(manifest).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WeightsError);
    expect((error as Error).message).toMatch(
      new RegExp(
        `${BIN} is 100000 bytes but its manifest describes ${full.length} bytes \\(truncated file\\?\\)`,
      ),
    );
  });

  it('reject a missing .bin', async () => {
    const sub = await mkdtemp(path.join(dir, 'no-bin-'));
    await writeFile(path.join(sub, MANIFEST), JSON.stringify(manifestJson));
    await expect(loadFaceApiSsdWeights(path.join(sub, MANIFEST))).rejects.toThrow(
      new RegExp(`cannot read weights file .*${BIN} \\(ENOENT\\)`),
    );
  });

  it('reject another model’s weights, listing what is missing', async () => {
    const tiny = path.join(modelDir, 'tiny_face_detector_model-weights_manifest.json');
    await expect(loadFaceApiSsdWeights(tiny)).rejects.toThrow(
      /does not hold the ssd-mobilenetv1-face weights \(wrong model file\?\):\n {2}missing \d+ of \d+ tensors: MobilenetV1\/Conv2d_0_pointwise\/weights/,
    );
  });

  it('reject a tensor with the wrong shape', async () => {
    const edited = structuredClone(manifestJson);
    const entry = edited[0]!.weights.find(
      (w) => w.name === 'Prediction/BoxPredictor_0/ClassPredictor/weights',
    )!;
    entry.shape = [1, 1, 9, 512]; // same size, so the .bin still fits
    const manifest = await variant('wrong-shape', edited);
    await expect(
      convertFaceApiSsd({ files: { manifestPath: manifest, version: 'test' } }),
    ).rejects.toThrow(
      'Prediction/BoxPredictor_0/ClassPredictor/weights has shape [1, 1, 9, 512], expected [1, 1, 512, 9]',
    );
  });

  it('reject an unknown quantisation', () => {
    const entries = [
      {
        name: 'w',
        shape: [2],
        dtype: 'float32',
        quantization: { dtype: 'int4', scale: 1, min: 0 },
      },
    ];
    expect(() =>
      decodeTfjsWeights([{ entries, bytes: new Uint8Array(2), label: 'w.bin' }]),
    ).toThrow(/weights manifest entries for w\.bin are invalid: 0\.quantization\.dtype/);
  });
});
