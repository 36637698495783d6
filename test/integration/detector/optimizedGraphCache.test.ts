import { createHash } from 'node:crypto';
import {
  copyFileSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { utimes } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Detector, type Detection } from '../../../src/core/detector/detector';
import {
  graphCacheDir,
  graphCacheSlot,
  MAX_CACHED_MODEL_BYTES,
  pruneGraphCache,
  rememberedModelHash,
} from '../../../src/core/detector/optimizedGraphCache';
import { resolveModel, type ModelEntry } from '../../../src/core/models/registry';
import { demoPhotos } from '../../helpers/paths';

// The real model and ONNX Runtime: a saved optimised graph must give the detections a freshly
// optimised session gives, bit for bit, and nothing about the cache may ever stop a model loading.
const photos = demoPhotos.slice(0, 3);
const LOW = { scoreThreshold: 0.05 };

async function detectAll(entry: ModelEntry): Promise<{ use: string; dets: Detection[][] }> {
  const detector = await Detector.load(entry, { providers: ['cpu'] });
  try {
    const dets: Detection[][] = [];
    for (const p of photos) dets.push((await detector.detectFile(p, LOW)).detections);
    return { use: detector.graphCache, dets };
  } finally {
    await detector.dispose();
  }
}

describe('optimised-graph cache', () => {
  const savedEnv = process.env.SHOTBOX_CACHE_DIR;
  let work: string;
  let entry: ModelEntry;
  let reference: Detection[][];

  beforeAll(async () => {
    process.env.SHOTBOX_CACHE_DIR = 'off';
    reference = (await detectAll(resolveModel())).dets;
    process.env.SHOTBOX_CACHE_DIR = savedEnv;
    expect(reference.flat().length).toBeGreaterThan(5);
  });

  beforeEach(() => {
    work = mkdtempSync(path.join(os.tmpdir(), 'shotbox-graph-cache-'));
    process.env.SHOTBOX_CACHE_DIR = path.join(work, 'cache');
    // A copy of the model of its own, so each test starts with its own key.
    const onnxPath = path.join(work, 'model.onnx');
    copyFileSync(resolveModel().onnxPath, onnxPath);
    entry = { ...resolveModel(), onnxPath };
  });
  afterEach(() => {
    process.env.SHOTBOX_CACHE_DIR = savedEnv;
  });

  const cachedGraphs = (): string[] =>
    readdirSync(graphCacheDir()!).filter((n) => n.endsWith('.onnx'));

  it('saves the graph on the first load and loads it on the next, with identical detections', async () => {
    const first = await detectAll(entry);
    expect(first.use).toBe('saved');
    expect(cachedGraphs()).toHaveLength(1);
    const second = await detectAll(entry);
    expect(second.use).toBe('hit');
    expect(first.dets).toEqual(reference);
    expect(second.dets).toEqual(reference);
  });

  it('never serves the graph of a model file that has since been rewritten', async () => {
    expect((await detectAll(entry)).use).toBe('saved');
    const before = graphCacheSlot(entry.onnxPath)!.file;
    // The same size and even the old mtime put back: the ctime still tells it apart.
    const { mtime } = statSync(entry.onnxPath);
    copyFileSync(resolveModel().onnxPath, entry.onnxPath);
    await utimes(entry.onnxPath, mtime, mtime);
    expect(graphCacheSlot(entry.onnxPath)!.file).not.toBe(before);
    const again = await detectAll(entry);
    expect(again.use).toBe('saved');
    expect(again.dets).toEqual(reference);
  });

  it('replaces a damaged saved graph instead of failing the load', async () => {
    await detectAll(entry);
    const slot = graphCacheSlot(entry.onnxPath)!;
    truncateSync(slot.file, 4096);
    const recovered = await detectAll(entry);
    expect(recovered.use).toBe('saved');
    expect(recovered.dets).toEqual(reference);
    expect(statSync(slot.file).size).toBeGreaterThan(1_000_000);
    expect((await detectAll(entry)).use).toBe('hit');
  });

  it('loads the model when the cache cannot be written, and when it is turned off', async () => {
    // The cache folder's parent is a file: nothing can be made there.
    writeFileSync(path.join(work, 'blocker'), 'x');
    process.env.SHOTBOX_CACHE_DIR = path.join(work, 'blocker');
    const blocked = await detectAll(entry);
    expect(blocked.use).toBe('none');
    expect(blocked.dets).toEqual(reference);
    process.env.SHOTBOX_CACHE_DIR = 'off';
    expect(graphCacheSlot(entry.onnxPath)).toBeUndefined();
    expect((await detectAll(entry)).use).toBe('none');
  });

  it('still reports a missing model file as missing', async () => {
    await detectAll(entry);
    await expect(
      Detector.load({ ...entry, onnxPath: path.join(work, 'gone.onnx') }, { providers: ['cpu'] }),
    ).rejects.toThrow(/model file .*gone\.onnx is missing/);
  });

  it("remembers the model's sha256 beside its graph, and only for the file it was read from", async () => {
    const sha256 = (file: string): string =>
      createHash('sha256').update(readFileSync(file)).digest('hex');
    const want = sha256(entry.onnxPath);
    const first = await Detector.load(entry, { providers: ['cpu'] });
    expect(await first.contentHash()).toBe(want);
    await first.dispose();
    const slot = graphCacheSlot(entry.onnxPath)!;
    expect(await rememberedModelHash(slot)).toBe(want);
    const second = await Detector.load(entry, { providers: ['cpu'] });
    expect(second.graphCache).toBe('hit');
    expect(await second.contentHash()).toBe(want);
    await second.dispose();

    // Replaced after the load and before the hash: the new content is hashed, and not filed
    // under the old file's identity.
    rmSync(slot.file + '.sha256');
    const third = await Detector.load(entry, { providers: ['cpu'] });
    writeFileSync(entry.onnxPath, 'other bytes');
    expect(await third.contentHash()).toBe(sha256(entry.onnxPath));
    await third.dispose();
    expect(await rememberedModelHash(slot)).toBeUndefined();
  });

  // A sparse file is free only on Linux file systems; elsewhere it would write 1 GB.
  it.skipIf(process.platform !== 'linux')(
    `does not cache a model over 1 GB${process.platform !== 'linux' ? ' — skipped: needs a sparse file (Linux)' : ''}`,
    () => {
      const huge = path.join(work, 'huge.onnx');
      writeFileSync(huge, '');
      truncateSync(huge, MAX_CACHED_MODEL_BYTES + 1);
      expect(graphCacheSlot(huge)).toBeUndefined();
      truncateSync(huge, 1024);
      expect(graphCacheSlot(huge)).toBeDefined();
    },
  );

  it('keeps the most recently used graphs and clears temp files a crash left', async () => {
    const dir = path.join(work, 'prune');
    await import('node:fs/promises').then((fs) => fs.mkdir(dir));
    const day = 24 * 3600;
    const now = Date.now() / 1000;
    for (let i = 0; i < 5; i++) {
      writeFileSync(path.join(dir, `g${i}.onnx`), 'graph');
      await utimes(path.join(dir, `g${i}.onnx`), now - i * 60, now - i * 60);
    }
    writeFileSync(path.join(dir, '.old.tmp'), 'partial');
    await utimes(path.join(dir, '.old.tmp'), now - 2 * day, now - 2 * day);
    writeFileSync(path.join(dir, '.fresh.tmp'), 'being written');
    writeFileSync(path.join(dir, 'g0.onnx.sha256'), 'hash');
    writeFileSync(path.join(dir, 'g4.onnx.sha256'), 'hash');
    writeFileSync(path.join(dir, 'gone.onnx.sha256'), 'hash');
    await pruneGraphCache(dir, 3);
    expect(readdirSync(dir).sort()).toEqual([
      '.fresh.tmp',
      'g0.onnx',
      'g0.onnx.sha256',
      'g1.onnx',
      'g2.onnx',
    ]);
  });
});
