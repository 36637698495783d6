import { mkdir, rm, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectFiles, type BatchItem } from '../../../src/core/detector/batch';
import { Detector } from '../../../src/core/detector/detector';
import { ModelLoadError } from '../../../src/core/detector/executionProviders';
import { openSessionInThread } from '../../../src/core/detector/inferenceThread';
import { pooledSession } from '../../../src/core/detector/sessionPool';
import { decodeImageFile } from '../../../src/core/image/decode';
import { resolveModel } from '../../../src/core/models/registry';
import { makeMixedFolder, type MixedFolder } from '../../helpers/badImages';
import { demoPhotos, generatedDir, raccoonDir } from '../../helpers/paths';

const work = path.join(generatedDir, 'inference-thread');

/** What a batch item says to a person: file, boxes and scores, or the reason it failed. */
function outcome(item: BatchItem): unknown {
  return item.ok
    ? {
        file: item.file,
        size: [item.result.width, item.result.height],
        dets: item.result.detections,
      }
    : { file: item.file, reason: item.reason };
}

/** What a batch over `files` says, item by item. */
async function batchOutcomes(
  detector: Detector,
  files: readonly string[],
  options: { scoreThreshold?: number } = {},
): Promise<unknown[]> {
  const said: unknown[] = [];
  for await (const item of detectFiles(detector, files, options)) said.push(outcome(item));
  return said;
}

describe('the model in a worker thread of its own', () => {
  let inline: Detector;
  let threaded: Detector;
  let mixed: MixedFolder;
  let files: string[];

  beforeAll(async () => {
    await rm(work, { recursive: true, force: true });
    mixed = await makeMixedFolder(path.join(work, 'mixed'));
    files = [
      ...demoPhotos,
      ...mixed.bad.map((b) => b.file),
      ...['raccoon-1.jpg', 'raccoon-12.jpg', 'raccoon-150.jpg'].map((f) =>
        path.join(raccoonDir, 'images', f),
      ),
    ];
    [inline, threaded] = await Promise.all([
      Detector.load(resolveModel(), { providers: ['cpu'] }),
      Detector.load(resolveModel(), { providers: ['cpu'], thread: 'worker' }),
    ]);
  });
  afterAll(async () => {
    await inline?.dispose();
    await threaded?.dispose();
  });

  it('runs there (two images in flight) and a batch gives exactly the detections and failures of the model on this thread, in order', async () => {
    expect(threaded.runsAhead).toBe(2);
    expect(inline.runsAhead).toBe(1);
    const options = { scoreThreshold: 0.05 };
    const a = await batchOutcomes(inline, files, options);
    const b = await batchOutcomes(threaded, files, options);
    expect(b).toEqual(a);
    expect(b.map((x) => (x as { file: string }).file)).toEqual(files);
    // Faces were found, and the bad files failed with their reasons, on both.
    const found = b.flatMap((x) => (x as { dets?: unknown[] }).dets ?? []);
    expect(found.length).toBeGreaterThan(20);
    expect(b.filter((x) => 'reason' in (x as object))).toHaveLength(mixed.bad.length);
  });

  it('as a batch detector on 2+ cores: two sessions side by side (four images in flight), the same detections in the same order', async () => {
    const pooled = await Detector.load(resolveModel(), {
      providers: ['cpu'],
      thread: 'worker',
      batch: true,
    });
    try {
      await pooled.sessionsOpened();
      // The machine's plan (sessionPool.test.ts checks the rules): two sessions wherever the
      // CPU has two cores.
      expect(pooled.runsAhead).toBe(availableParallelism() >= 2 ? 4 : 2);
      expect(pooled.threadsPerSession).toBe(
        availableParallelism() >= 2 ? Math.floor(availableParallelism() / 2) : undefined,
      );
      const options = { scoreThreshold: 0.05 };
      expect(await batchOutcomes(pooled, files, options)).toEqual(
        await batchOutcomes(inline, files, options),
      );
    } finally {
      await pooled.dispose();
    }
    // Disposed, it refuses further runs (every session released).
    const pre = inline.preprocess(await decodeImageFile(demoPhotos[0]!));
    await expect(pooled.infer(pre)).rejects.toThrow(/inference thread stopped/);
  });

  it('hands the input tensor back after a run, so a batch can reuse it', async () => {
    const pre = threaded.preprocess(await decodeImageFile(demoPhotos[0]!));
    const copy = pre.data.slice();
    const first = await threaded.detectPrepared(pre, 1, 1);
    // The same values, readable here again (it went to the worker and came back).
    expect(pre.data.length).toBe(copy.length);
    expect(Buffer.from(pre.data.buffer).equals(Buffer.from(copy.buffer))).toBe(true);
    const again = await threaded.detectPrepared(pre, 1, 1);
    expect(again.detections).toEqual(first.detections);
  });

  it('reports a model that cannot load as loading on this thread does: a ModelLoadError with the providers tried', async () => {
    const dir = path.join(work, 'broken');
    await mkdir(dir, { recursive: true });
    const onnxPath = path.join(dir, 'broken.onnx');
    await writeFile(onnxPath, 'not an onnx file');
    const entry = { ...resolveModel(), onnxPath };
    const here = await Detector.load(entry, { providers: ['cpu'] }).catch((e: unknown) => e);
    const there = await Detector.load(entry, { providers: ['cpu'], thread: 'worker' }).catch(
      (e: unknown) => e,
    );
    expect(there).toBeInstanceOf(ModelLoadError);
    expect((there as Error).message).toBe((here as Error).message);
    expect((there as Error).message).toMatch(
      /cannot load model .*broken\.onnx: not a valid ONNX model/,
    );
    expect((there as ModelLoadError).attempts).toEqual((here as ModelLoadError).attempts);
    const missing = { ...resolveModel(), onnxPath: path.join(dir, 'missing.onnx') };
    await expect(Detector.load(missing, { thread: 'worker' })).rejects.toThrow(
      /model file .*missing\.onnx is missing/,
    );
  });

  it('a detector disposed of refuses to run, with a reason', async () => {
    const d = await Detector.load(resolveModel(), { providers: ['cpu'], thread: 'worker' });
    const pre = d.preprocess(await decodeImageFile(demoPhotos[1]!));
    await d.dispose();
    await expect(d.detectPrepared(pre, 1, 1)).rejects.toThrow(/inference thread stopped/);
  });

  it('where no worker may start (SHOTBOX_INFERENCE_WORKER=0), the model runs on this thread with the same detections', async () => {
    process.env.SHOTBOX_INFERENCE_WORKER = '0';
    let d: Detector | undefined;
    let batch: Detector | undefined;
    try {
      d = await Detector.load(resolveModel(), { providers: ['cpu'], thread: 'worker' });
      batch = await Detector.load(resolveModel(), {
        providers: ['cpu'],
        thread: 'worker',
        batch: true,
      });
    } finally {
      delete process.env.SHOTBOX_INFERENCE_WORKER;
    }
    try {
      expect(d.runsAhead).toBe(1);
      // A batch detector then is one session on every core, not one of its plan's small ones.
      expect(batch.runsAhead).toBe(1);
      expect(batch.threadsPerSession).toBeUndefined();
      const image = await decodeImageFile(demoPhotos[3]!);
      const here = await d.detectImage(image);
      const there = await threaded.detectImage(image);
      expect(here.detections).toEqual(there.detections);
      expect(here.detections.length).toBeGreaterThan(0);
    } finally {
      await d.dispose();
      await batch.dispose();
    }
  });

  it('a load after a preload of the same model runs that model', async () => {
    Detector.preload(resolveModel(), { providers: ['cpu'], thread: 'worker' });
    const d = await Detector.load(resolveModel(), { providers: ['cpu'], thread: 'worker' });
    try {
      const pre = d.preprocess(await decodeImageFile(demoPhotos[2]!));
      const ref = inline.preprocess(await decodeImageFile(demoPhotos[2]!));
      expect((await d.detectPrepared(pre, 100, 100)).detections).toEqual(
        (await inline.detectPrepared(ref, 100, 100)).detections,
      );
    } finally {
      await d.dispose();
    }
  });

  it('a batch load after a batch preload takes both sessions, preopened side by side', async () => {
    const options = { providers: ['cpu' as const], thread: 'worker' as const, batch: true };
    Detector.preload(resolveModel(), options);
    const d = await Detector.load(resolveModel(), options);
    try {
      await d.sessionsOpened();
      expect(d.runsAhead).toBe(availableParallelism() >= 2 ? 4 : 2);
      expect(await batchOutcomes(d, demoPhotos)).toEqual(await batchOutcomes(inline, demoPhotos));
    } finally {
      await d.dispose();
    }
  });

  it('a pool whose thread stops sends the later runs to the other thread; with none left, runs fail with the reason', async () => {
    const entry = resolveModel();
    const request = {
      onnxPath: entry.onnxPath,
      modelName: entry.manifest.name,
      chain: ['cpu' as const],
      intraOpNumThreads: 1,
    };
    const [a, b] = await Promise.all([openSessionInThread(request), openSessionInThread(request)]);
    const pool = pooledSession(a!.session, [Promise.resolve(b!.session)]);
    await pool.allOpened;
    const pre = inline.preprocess(await decodeImageFile(demoPhotos[0]!));
    const feeds = () => ({
      [entry.manifest.input.name]: {
        type: 'float32' as const,
        dims: pre.dims,
        data: pre.data.slice(),
      },
    });
    try {
      expect(pool.parallelRuns).toBe(2);
      const before = await pool.run(feeds());
      // Its thread ends (released here; a thread that dies ends the same way for the pool).
      await b!.session.release();
      expect(b!.session.stopped).toBeDefined();
      const after = await Promise.all([pool.run(feeds()), pool.run(feeds()), pool.run(feeds())]);
      expect(pool.parallelRuns).toBe(1);
      expect(pool.stopped).toBeUndefined();
      for (const r of after)
        expect(Array.from(r.outputs[entry.manifest.output.boxes]!.data as Float32Array)).toEqual(
          Array.from(before.outputs[entry.manifest.output.boxes]!.data as Float32Array),
        );
      await a!.session.release();
      expect(pool.stopped).toBe('released');
      await expect(pool.run(feeds())).rejects.toThrow(/inference thread stopped \(released\)/);
    } finally {
      await pool.release();
    }
  });
});
