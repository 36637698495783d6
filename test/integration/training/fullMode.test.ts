/**
 * `full` mode's network on the pure-JS cpu backend (no native tfjs backend can be installed
 * here). A step of the whole network at 512² takes over ten minutes on that backend, so the
 * forward passes run at 512² (tfjs vs ONNX Runtime, on a real image) and the training step on
 * the same layers at 64² (the weights fit any input size).
 */
import { cp, mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseVoc } from '../../../src/core/formats/voc';
import { decodeImageFile, type RgbImage } from '../../../src/core/image/decode';
import { preprocess } from '../../../src/core/detector/preprocess';
import { resolveModel, type ModelEntry } from '../../../src/core/models/registry';
import { faceApiSsdSpec } from '../../../src/core/models/faceApiSsd/modelSpec';
import type { CheckedWeights } from '../../../src/core/models/faceApiSsd/checkWeights';
import {
  loadFaceApiSsdWeights,
  locateFaceApiSsdFiles,
} from '../../../src/core/models/faceApiSsd/convertFaceApiSsd';
import { trainedOnnx } from '../../../src/core/training/exportTrained';
import { selectTfBackend } from '../../../src/core/training/tfBackend';
import {
  foldedSpec,
  initialNetworkParams,
  TrainableNetwork,
} from '../../../src/core/training/trainableNetwork';
import { fullModeStep, plainSample } from '../../../src/core/training/fullModeStep';
import { mirror } from '../../../src/core/training/featureCache';
import { createBoxCoder } from '../../../src/shared/ssd/boxCoder';
import { generatePriors } from '../../../src/shared/ssd/priors';
import { ssdLoss } from '../../../src/shared/training/ssdLoss';
import type { AugBox } from '../../../src/shared/training/augment';
import { ProjectDb } from '../../../src/core/db/projectDb';
import { importParsedAnnotations } from '../../../src/core/project/importAnnotations';
import { importFolder } from '../../../src/core/project/importFolder';
import { FULL_MODE_CPU_ENV } from '../../../src/core/training/fullModeSupport';
import { checkpointDir, trainHeads } from '../../../src/core/training/trainRun';
import type { ModelManifest } from '../../../src/shared/models/manifest';
import { NO_AUGMENTATION } from '../../../src/shared/training/augment';
import { generatedDir, raccoonDir } from '../../helpers/paths';

function worstDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

/** The base model's manifest on a small square input: its prior rules on that input's maps. */
function smallManifest(manifest: ModelManifest, size: number): ModelManifest {
  const spec = faceApiSsdSpec(size);
  const config = manifest.priors!;
  if (config.convention !== 'tf') throw new Error('the face model has TF priors');
  return {
    ...manifest,
    input: { ...manifest.input, width: size, height: size },
    priors: {
      ...config,
      image: { width: size, height: size },
      layers: config.layers.map((l, k) => {
        const n = spec.predictors[k]!.featureSize;
        return { ...l, size: [n, n] as [number, number] };
      }),
    },
  };
}

describe('full mode: the whole network in tfjs', () => {
  const spec = faceApiSsdSpec();
  let weights: CheckedWeights;
  let base: ModelEntry;
  let image: RgbImage;
  let boxes: AugBox[];
  beforeAll(async () => {
    await selectTfBackend(['cpu']);
    weights = await loadFaceApiSsdWeights(locateFaceApiSsdFiles().manifestPath, spec);
    base = resolveModel('ssd-mobilenetv1-face');
    image = await decodeImageFile(path.join(raccoonDir, 'images', 'raccoon-12.jpg'));
    const voc = await parseVoc(path.join(raccoonDir, 'annotations', 'raccoon-12.xml'));
    boxes = voc.annotations.images[0]!.boxes.map((b) => ({ ...b, classIndex: 1 }));
    expect(boxes.length).toBeGreaterThan(0);
  }, 60_000);

  it('initialised from the base model, it computes what the shipped ONNX model computes (1e-4)', async () => {
    // The base model's own class heads (3 columns) instead of new ones: the same network.
    const params = initialNetworkParams(spec, weights, spec.numClasses, 1);
    for (const p of spec.predictors)
      for (const name of [p.classLogits.filters, p.classLogits.bias])
        params[name] = Float32Array.from(weights.get(name));
    const network = new TrainableNetwork(spec, spec.numClasses, params);
    const pre = preprocess(image, base.manifest.input);
    const [ours] = network.forward([pre.data]);
    network.dispose();
    const session = await ort.InferenceSession.create(base.onnxPath);
    const out = await session.run({ image: new ort.Tensor('float32', pre.data, pre.dims) });
    await session.release();
    expect(worstDiff(out.box_encodings!.data as Float32Array, ours!.loc)).toBeLessThan(1e-4);
    expect(worstDiff(out.class_logits!.data as Float32Array, ours!.logits)).toBeLessThan(1e-4);
  }, 120_000);

  it('the exported model carries every trained weight: ONNX Runtime computes what tfjs computes (1e-4)', async () => {
    const params = initialNetworkParams(spec, weights, 2, 3);
    // Stand-ins for trained weights in every stage, so an export that read a base tensor shows.
    const rng = (i: number): number => Math.sin(i * 12.9898) * 0.02;
    for (const name of [
      'MobilenetV1/Conv2d_0_pointwise/weights',
      'MobilenetV1/Conv2d_5_depthwise/folded_weights',
      'MobilenetV1/Conv2d_5_depthwise/folded_bias',
      'Prediction/Conv2d_2_pointwise/weights',
    ]) {
      const p = params[name];
      expect(p, name).toBeDefined();
      params[name] = p!.map((v, i) => v * (1 + rng(i)) + rng(i + 7) * 0.01);
    }
    const network = new TrainableNetwork(spec, 2, params);
    const pre = preprocess(image, base.manifest.input);
    const [ours] = network.forward([pre.data]);
    network.dispose();
    const bytes = trainedOnnx({
      base: { manifest: base.manifest, spec: foldedSpec(spec), weights },
      classes: ['raccoon'],
      heads: params,
      provenance: {},
    });
    const session = await ort.InferenceSession.create(bytes);
    const out = await session.run({ image: new ort.Tensor('float32', pre.data, pre.dims) });
    await session.release();
    const loc = out.box_encodings!.data as Float32Array;
    expect(worstDiff(loc, ours!.loc)).toBeLessThan(1e-4);
    expect(worstDiff(out.class_logits!.data as Float32Array, ours!.logits)).toBeLessThan(1e-4);
    // And it is not the base model: the changed backbone moved the box outputs.
    const baseSession = await ort.InferenceSession.create(base.onnxPath);
    const baseOut = await baseSession.run({ image: new ort.Tensor('float32', pre.data, pre.dims) });
    await baseSession.release();
    expect(worstDiff(baseOut.box_encodings!.data as Float32Array, loc)).toBeGreaterThan(1e-3);
  }, 120_000);

  it('one optimiser step changes the backbone weights and lowers the loss on its batch (64² input)', () => {
    const small = faceApiSsdSpec(64);
    const manifest = base.manifest;
    const priors = generatePriors(smallManifest(manifest, 64).priors!).boxes;
    expect(priors.length / 4).toBe(small.priorCount);
    const input = { ...manifest.input, width: 64, height: 64 };
    const ctx = { priors, coder: createBoxCoder(manifest.boxCoder!) };
    const flippedBoxes = boxes.map((b) => ({
      ...b,
      x1: image.width - b.x2,
      x2: image.width - b.x1,
    }));
    const batch = [
      plainSample(image, boxes, input, ctx),
      plainSample(mirror(image), flippedBoxes, input, ctx),
    ];
    expect(batch.every((s) => s.targets.numPositives > 0)).toBe(true);
    const network = new TrainableNetwork(small, 2, initialNetworkParams(small, weights, 2, 5));
    const lossOf = (): number => {
      const outs = network.forward(batch.map((s) => s.pixels));
      return (
        outs.reduce(
          (sum, o, i) =>
            sum +
            ssdLoss({
              loc: o.loc,
              logits: o.logits,
              numClasses: 2,
              targets: batch[i]!.targets,
              activation: 'softmax',
              backgroundIndex: 0,
            }).total,
          0,
        ) / batch.length
      );
    };
    const before = network.params();
    const lossBefore = lossOf();
    const optimizer = tf.train.adam(1e-3);
    const step = fullModeStep(network, batch, optimizer);
    optimizer.dispose();
    expect(step.loss).toBeCloseTo(lossBefore, 4);
    const after = network.params();
    const lossAfter = lossOf();
    network.dispose();
    expect(lossAfter).toBeLessThan(lossBefore);
    for (const name of [
      'MobilenetV1/Conv2d_0_pointwise/weights',
      'MobilenetV1/Conv2d_1_depthwise/folded_weights',
      'MobilenetV1/Conv2d_13_pointwise/weights',
      'Prediction/Conv2d_1_pointwise/weights',
    ])
      expect(worstDiff(before[name]!, after[name]!), name).toBeGreaterThan(1e-5);
  }, 120_000);

  it('a full run (64² input, cpu override): an epoch trains the backbone, the best epoch is exported and resumes from its checkpoint', async () => {
    const work = path.join(generatedDir, 'training-full');
    await rm(work, { recursive: true, force: true });
    await mkdir(path.join(work, 'images'), { recursive: true });
    await mkdir(path.join(work, 'labels'), { recursive: true });
    for (const n of ['raccoon-1', 'raccoon-12', 'raccoon-130', 'raccoon-55']) {
      await cp(path.join(raccoonDir, 'images', `${n}.jpg`), path.join(work, 'images', `${n}.jpg`));
      await cp(
        path.join(raccoonDir, 'annotations', `${n}.xml`),
        path.join(work, 'labels', `${n}.xml`),
      );
    }
    const project = ProjectDb.create(path.join(work, 'p.shotbox'), path.join(work, 'images'));
    await importFolder(project, path.join(work, 'images'));
    importParsedAnnotations(project, await parseVoc(path.join(work, 'labels')));
    const small: ModelEntry = { ...base, manifest: smallManifest(base.manifest, 64) };
    const out = path.join(work, 'm', 'full.json');
    const logs: string[] = [];
    const losses: number[] = [];
    const run = (): ReturnType<typeof trainHeads> =>
      trainHeads({
        project,
        base: small,
        out,
        settings: {
          epochs: 1,
          mode: 'full',
          batchSize: 2,
          learningRate: 1e-3,
          patience: 3,
          valFraction: 0.25,
          seed: 1,
          augmentation: NO_AUGMENTATION,
          maxImages: 2,
        },
        events: {
          log: (m) => logs.push(m),
          step: (r) => losses.push(r.loss),
          epoch: () => undefined,
          cancelled: () => false,
        },
      });
    process.env[FULL_MODE_CPU_ENV] = '1';
    try {
      const outcome = await run();
      expect(outcome.status).toBe('done');
      expect(outcome.epochsDone).toBe(1);
      expect(losses).toHaveLength(1);
      expect(outcome.manifestPath).toBe(out);
      const manifest = JSON.parse(await readFile(out, 'utf8')) as ModelManifest;
      expect(manifest.classes).toEqual(['raccoon']);
      expect(manifest.provenance?.settings).toMatch(/"mode":"full"/);
      // The written model, through the real detector, scores what training's val AP said.
      expect(logs.some((l) => /written model: val AP@0\.5 \d/.test(l))).toBe(true);
      // Every trained tensor is exported: the model's first convolution is no longer the base's.
      const { checkpointFile } = await import('../../../src/core/training/checkpoint');
      const saved = JSON.parse(await readFile(checkpointFile(checkpointDir(out)), 'utf8')) as {
        last: Record<string, string>;
      };
      const first = 'MobilenetV1/Conv2d_0_pointwise/weights';
      const bytes = new Uint8Array(Buffer.from(saved.last[first]!, 'base64'));
      const trained = new Float32Array(bytes.buffer);
      expect(worstDiff(trained, weights.get(first))).toBeGreaterThan(1e-6);

      // The same run again resumes after its epoch: nothing left to train, nothing lost.
      losses.length = 0;
      const again = await run();
      expect(logs.some((l) => /resuming after epoch 1/.test(l))).toBe(true);
      expect(again.epochsDone).toBe(1);
      expect(losses).toHaveLength(0);
    } finally {
      delete process.env[FULL_MODE_CPU_ENV];
      project.close();
    }
  }, 120_000);
});
