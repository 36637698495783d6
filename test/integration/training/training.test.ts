import { cp, mkdir, readFile, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { ProjectDb } from '../../../src/core/db/projectDb';
import { parseVoc } from '../../../src/core/formats/voc';
import { decodeImageFile } from '../../../src/core/image/decode';
import { importParsedAnnotations } from '../../../src/core/project/importAnnotations';
import { importFolder } from '../../../src/core/project/importFolder';
import { preprocess } from '../../../src/core/detector/preprocess';
import { resolveModel } from '../../../src/core/models/registry';
import { faceApiSsdSpec } from '../../../src/core/models/faceApiSsd/modelSpec';
import {
  loadFaceApiSsdWeights,
  locateFaceApiSsdFiles,
} from '../../../src/core/models/faceApiSsd/convertFaceApiSsd';
import { BackboneFeatures } from '../../../src/core/training/backboneFeatures';
import { initialHeadParams, TrainableHeads } from '../../../src/core/training/trainableHeads';
import { initialExtrasParams, TrainableExtras } from '../../../src/core/training/trainableExtras';
import { trainedOnnx } from '../../../src/core/training/exportTrained';
import { selectTfBackend } from '../../../src/core/training/tfBackend';
import { checkpointDir, trainHeads, type StepReport } from '../../../src/core/training/trainRun';
import { spawnTrainer } from '../../../src/core/training/spawnTrainer';
import { NO_AUGMENTATION } from '../../../src/shared/training/augment';
import type { FromWorker } from '../../../src/shared/training/protocol';
import { generatedDir, raccoonDir } from '../../helpers/paths';

const work = path.join(generatedDir, 'training');
const names = ['raccoon-1', 'raccoon-12', 'raccoon-130', 'raccoon-55', 'raccoon-2', 'raccoon-20'];

async function raccoonProject(dir: string): Promise<string> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(path.join(dir, 'images'), { recursive: true });
  await mkdir(path.join(dir, 'labels'), { recursive: true });
  for (const n of names) {
    await cp(path.join(raccoonDir, 'images', `${n}.jpg`), path.join(dir, 'images', `${n}.jpg`));
    await cp(
      path.join(raccoonDir, 'annotations', `${n}.xml`),
      path.join(dir, 'labels', `${n}.xml`),
    );
  }
  const file = path.join(dir, 'p.shotbox');
  const project = ProjectDb.create(file, path.join(dir, 'images'));
  await importFolder(project, path.join(dir, 'images'));
  importParsedAnnotations(project, await parseVoc(path.join(dir, 'labels')));
  project.close();
  return file;
}

const settings = {
  epochs: 3,
  mode: 'heads' as const,
  batchSize: 2,
  learningRate: 1e-3,
  patience: 5,
  valFraction: 0.34,
  seed: 1,
  augmentation: NO_AUGMENTATION,
};

describe('tfjs backend chain', () => {
  it('reports why each native backend is skipped and lands on wasm (then cpu)', async () => {
    const missing = async (name: string): Promise<unknown> => {
      throw new Error(`Cannot find package '${name}' imported from test`);
    };
    const choice = await selectTfBackend(['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'], missing);
    expect(choice.backend).toBe('wasm');
    expect(choice.attempts.slice(0, 2)).toEqual([
      {
        backend: 'tensorflow-gpu',
        ok: false,
        reason: '@tensorflow/tfjs-node-gpu is not installed',
      },
      { backend: 'tensorflow', ok: false, reason: '@tensorflow/tfjs-node is not installed' },
    ]);
    const broken = async (): Promise<unknown> => {
      throw new Error('libtensorflow.so.2: cannot open shared object file');
    };
    const cpu = await selectTfBackend(['tensorflow', 'cpu'], broken);
    expect(cpu.backend).toBe('cpu');
    expect(cpu.attempts[0]!.reason).toMatch(/libtensorflow/);
    await selectTfBackend(['wasm']);
  });
});

describe('fine-tuning on raccoons', () => {
  let projectFile: string;
  beforeAll(async () => {
    projectFile = await raccoonProject(path.join(work, 'p'));
    await selectTfBackend(['wasm', 'cpu']);
  }, 60_000);

  it('the exported ONNX model computes what the tfjs heads compute (1e-4)', async () => {
    const spec = faceApiSsdSpec();
    const weights = await loadFaceApiSsdWeights(locateFaceApiSsdFiles().manifestPath, spec);
    const base = resolveModel('ssd-mobilenetv1-face');
    const params = initialHeadParams(spec, weights, 3, 7);
    const heads = new TrainableHeads(spec, 3, params);
    const backbone = await BackboneFeatures.create(spec, weights, base.manifest.input);
    const image = await decodeImageFile(path.join(raccoonDir, 'images', 'raccoon-1.jpg'));
    const { maps } = await backbone.compute(image);
    const ours = heads.forward(maps);
    const bytes = trainedOnnx({
      base: { manifest: base.manifest, spec, weights },
      classes: ['raccoon', 'other'],
      heads: params,
      provenance: {},
    });
    const session = await ort.InferenceSession.create(bytes);
    const pre = preprocess(image, base.manifest.input);
    const out = await session.run({ image: new ort.Tensor('float32', pre.data, pre.dims) });
    const loc = out.box_encodings!.data as Float32Array;
    const logits = out.class_logits!.data as Float32Array;
    expect(logits.length).toBe(spec.priorCount * 3);
    let worst = 0;
    for (let i = 0; i < loc.length; i++) worst = Math.max(worst, Math.abs(loc[i]! - ours.loc[i]!));
    for (let i = 0; i < logits.length; i++)
      worst = Math.max(worst, Math.abs(logits[i]! - ours.logits[i]!));
    expect(worst).toBeLessThan(1e-4);
    heads.dispose();
    await backbone.dispose();
    await session.release();
  }, 120_000);

  it('the extra layers as im2col matMuls compute what ONNX Runtime computes with their convolutions', async () => {
    const spec = faceApiSsdSpec();
    const weights = await loadFaceApiSsdWeights(locateFaceApiSsdFiles().manifestPath, spec);
    const base = resolveModel('ssd-mobilenetv1-face');
    const backbone = await BackboneFeatures.create(spec, weights, base.manifest.input);
    const image = await decodeImageFile(path.join(raccoonDir, 'images', 'raccoon-12.jpg'));
    const { maps } = await backbone.compute(image);
    await backbone.dispose();
    const extras = new TrainableExtras(spec, initialExtrasParams(spec, weights));
    const src = spec.predictors[extras.sourcePredictor]!;
    const made = extras.forward(maps[extras.sourcePredictor]!, src.featureSize ** 2, src.channels);
    extras.dispose();
    expect(made.map((m) => m !== null)).toEqual([false, false, true, true, true, true]);
    for (const [k, m] of made.entries()) {
      if (!m) continue;
      let worst = 0;
      for (let i = 0; i < m.length; i++) worst = Math.max(worst, Math.abs(m[i]! - maps[k]![i]!));
      expect(worst, `map ${k}`).toBeLessThan(1e-3);
    }
  }, 120_000);

  it('extras mode: a short real run trains the extra layers too and its loss falls', async () => {
    const project = ProjectDb.open(projectFile);
    const steps: StepReport[] = [];
    const out = path.join(work, 'extras', 'raccoon.json');
    await rm(path.dirname(out), { recursive: true, force: true });
    const outcome = await trainHeads({
      project,
      base: resolveModel('ssd-mobilenetv1-face'),
      out,
      settings: { ...settings, mode: 'extras', epochs: 3 },
      events: {
        log: () => undefined,
        step: (s) => steps.push(s),
        epoch: () => undefined,
        cancelled: () => false,
      },
    });
    project.close();
    const perEpoch = [1, 3].map((e) => {
      const s = steps.filter((x) => x.epoch === e);
      return s.reduce((a, x) => a + x.loss, 0) / s.length;
    });
    expect(perEpoch[1]!).toBeLessThan(perEpoch[0]! * 0.8);
    expect(outcome.manifestPath).toBe(out);
    // The checkpoint carries extra layers that moved away from the base model's.
    const spec = faceApiSsdSpec();
    const weights = await loadFaceApiSsdWeights(locateFaceApiSsdFiles().manifestPath, spec);
    const saved = JSON.parse(
      await readFile(path.join(checkpointDir(out), 'checkpoint.json'), 'utf8'),
    ) as { last: Record<string, string> };
    const name = 'Prediction/Conv2d_1_pointwise/weights';
    const trained = new Float32Array(
      new Uint8Array(Buffer.from(saved.last[name]!, 'base64')).buffer,
    );
    const before = weights.get(name);
    expect(trained.length).toBe(before.length);
    let moved = 0;
    for (let i = 0; i < trained.length; i++)
      moved = Math.max(moved, Math.abs(trained[i]! - before[i]!));
    expect(moved).toBeGreaterThan(1e-4);
  }, 300_000);

  it('a short real run: the loss falls and the best model is written with its manifest', async () => {
    const project = ProjectDb.open(projectFile);
    const steps: StepReport[] = [];
    const logs: string[] = [];
    const out = path.join(work, 'run', 'raccoon.json');
    await rm(path.dirname(out), { recursive: true, force: true });
    const outcome = await trainHeads({
      project,
      base: resolveModel('ssd-mobilenetv1-face'),
      out,
      settings: { ...settings, epochs: 4 },
      events: {
        log: (m) => logs.push(m),
        step: (s) => steps.push(s),
        epoch: () => undefined,
        cancelled: () => false,
      },
    });
    project.close();
    const perEpoch = [1, 4].map((e) => {
      const s = steps.filter((x) => x.epoch === e);
      return s.reduce((a, x) => a + x.loss, 0) / s.length;
    });
    expect(perEpoch[1]!).toBeLessThan(perEpoch[0]! * 0.8);
    expect(outcome.manifestPath).toBe(out);
    const entry = resolveModel(out);
    expect(entry.manifest.classes).toEqual(['raccoon']);
    expect(entry.manifest.provenance?.['base-model']).toBe('ssd-mobilenetv1-face');
    expect(entry.ready).toBe(true);
    // Training's val AP (cached features, tfjs heads) is the written model's through ONNX Runtime.
    const written = logs.map((l) => /written model: val AP@0.5 ([\d.]+)/.exec(l)).find(Boolean);
    expect(outcome.bestMap).toBeGreaterThan(0);
    expect(Number(written![1])).toBeCloseTo(outcome.bestMap, 2);
    // Too few val boxes here to choose a threshold: the base model's stays, and the log says why
    // (operatingThreshold.test.ts covers the chosen one).
    expect(logs).toContainEqual(
      expect.stringMatching(
        /^score threshold: kept the base model's 0\.5 \(\d val boxes are too few to choose one; 10 are needed\)$/,
      ),
    );
    expect(entry.manifest.postprocess.scoreThreshold).toBe(0.5);
  }, 300_000);

  it('with a weight average, the average is what is validated and written, and a resumed run carries it on', async () => {
    const out = path.join(work, 'average', 'raccoon.json');
    await rm(path.dirname(out), { recursive: true, force: true });
    const run = async (epochs: number): Promise<{ logs: string[]; steps: number }> => {
      const project = ProjectDb.open(projectFile);
      const logs: string[] = [];
      let steps = 0;
      try {
        await trainHeads({
          project,
          base: resolveModel('ssd-mobilenetv1-face'),
          out,
          settings: { ...settings, epochs, averageDecay: 0.9 },
          events: {
            log: (m) => logs.push(m),
            step: () => steps++,
            epoch: () => undefined,
            cancelled: () => false,
          },
        });
      } finally {
        project.close();
      }
      return { logs, steps };
    };
    type Saved = {
      last: Record<string, string>;
      best: Record<string, string>;
      average: { params: Record<string, string>; steps: number };
    };
    const saved = async (): Promise<Saved> =>
      JSON.parse(await readFile(path.join(checkpointDir(out), 'checkpoint.json'), 'utf8')) as Saved;
    const first = await run(1);
    const one = await saved();
    // The kept (best) model of epoch 1 is the average, not the last weights.
    expect(one.best).toEqual(one.average.params);
    expect(one.average.params).not.toEqual(one.last);
    expect(one.average.steps).toBe(first.steps);
    // The written model, run through ONNX Runtime, scores what training measured on the average.
    expect(first.logs.some((l) => /written model: val AP@0\.5/.test(l))).toBe(true);
    const second = await run(2);
    expect(second.logs.some((l) => /resuming after epoch 1/.test(l))).toBe(true);
    const two = await saved();
    expect(two.average.steps).toBe(first.steps + second.steps);
    expect(two.average.params).not.toEqual(one.average.params);
  }, 300_000);

  it('killing the worker mid-epoch loses nothing in the project; the same run resumes from its checkpoint', async () => {
    const before = ProjectDb.open(projectFile);
    const statsBefore = JSON.stringify(before.stats());
    before.close();
    const out = path.join(work, 'kill', 'raccoon.json');
    await rm(path.dirname(out), { recursive: true, force: true });
    const job = {
      projectFile,
      base: 'ssd-mobilenetv1-face',
      out,
      settings,
      backends: ['wasm' as const],
    };
    const first = spawnTrainer(job, (m: FromWorker) => {
      if (m.type === 'step' && m.epoch === 2) first.kill();
    });
    await expect(first.finished).rejects.toThrow(/exited/);
    const after = ProjectDb.open(projectFile);
    expect(after.integrityCheck()).toBe('ok');
    expect(JSON.stringify(after.stats())).toBe(statsBefore);
    after.close();
    expect(existsSync(out)).toBe(true); // epoch 1's model

    const logs: string[] = [];
    const epochs: number[] = [];
    const second = spawnTrainer(job, (m) => {
      if (m.type === 'log') logs.push(m.message);
      if (m.type === 'epoch') epochs.push(m.report.epoch);
    });
    const done = await second.finished;
    expect(logs.some((l) => /resuming after epoch 1/.test(l))).toBe(true);
    expect(epochs).toEqual([2, 3]);
    expect(done.history.map((h) => h.epoch)).toEqual([1, 2, 3]);
  }, 300_000);
});
