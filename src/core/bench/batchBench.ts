import { spawn } from 'node:child_process';
import { copyFile, mkdir, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { readFile } from 'node:fs/promises';
import ort from 'onnxruntime-node';
import { ProjectDb } from '../db/projectDb';
import { DEFAULT_PREFETCH, detectFiles } from '../detector/batch';
import { createImagePreparer, type ImagePreparer } from '../detector/imagePreparer';
import type { Prepared } from '../detector/prepareImage';
import { Detector } from '../detector/detector';
import type { ProviderName } from '../detector/executionProviders';
import { prepareAtLowPriority } from '../detector/threadPriority';
import { decodeImageFile } from '../image/decode';
import type { ModelEntry } from '../models/registry';
import { detectIntoProject, type ProjectImageTimings } from '../project/detectIntoProject';
import { importFolder } from '../project/importFolder';
import { median } from './pipelineBench';

/** Images per chunk of an in-process pass, and bare runs before each (see `chunked`). */
const CHUNK = 20;
const BARE_PER_CHUNK = 10;

/**
 * Mean milliseconds per image: wall time and where it went (decode runs beside the loop; with the
 * model in its worker thread, post-processing and storing overlap the next run, so the stages
 * can add up to more than the wall time).
 */
export interface StageBreakdown {
  wall: number;
  /** Latency of the decode on libvips threads (queueing included), beside the loop: not in `other`. */
  decode: number;
  /** In the preparing worker too (beside the loop). */
  preprocess: number;
  inference: number;
  postprocess: number;
  /** Storing predictions (project batch only). */
  db: number;
  /** The loop waited for a decode that was not ready. */
  wait: number;
  /** Wall time not in any stage on the loop (scheduling, progress, the generator). */
  other: number;
}

/** One timed pass and the bare loop measured right before and after it. */
export interface PassMeasure {
  imagesPerSecond: number;
  /** Mean of the bare rates measured just before and just after the pass. */
  bareImagesPerSecond: number;
  /** imagesPerSecond ÷ bareImagesPerSecond. */
  ratio: number;
  /** One-minute load average when the pass ended. */
  loadAverage: number;
}

export interface PassSummary {
  rounds: PassMeasure[];
  /** Medians over the rounds. */
  imagesPerSecond: number;
  ratio: number;
}

export interface BatchBenchReport {
  model: string;
  provider: ProviderName;
  cores: number;
  images: number;
  rounds: number;
  loadAverage: { start: number[]; end: number[] };
  /** Median of every bare measurement (a bare `InferenceSession.run` loop, default options). */
  bare: { imagesPerSecond: number };
  /** `detectFiles` over the images (the folder batch of `shotbox detect`). */
  folder: PassSummary & { stages: StageBreakdown };
  /** `detectIntoProject` into a fresh project (imported beforehand, not timed). */
  project: PassSummary & { stages: StageBreakdown };
  /** The whole `shotbox detect --project <new project> <folder>` process (import included). */
  process?: PassSummary & {
    images: number;
    seconds: number[];
    /**
     * The same process on a folder of one image, once per round before the pass: what a run
     * costs besides its images (Node, modules, worker threads, the model's load and first run,
     * the project's creation, exit). Medians; the rate of the other images, and its ratio to
     * bare, are what the pass's time leaves after it.
     */
    startup: { seconds: number; imagesPerSecond: number; ratio: number };
  };
}

export interface BatchBenchOptions {
  /** Images for the in-process batches. */
  files: string[];
  rounds: number;
  /** Scratch folder: projects and the copied process images (emptied first). */
  workDir: string;
  /** Images for the process pass; without them (or without `shotboxBin`) there is none. */
  processFiles?: string[];
  /** `bin/shotbox.mjs`, run with this Node. */
  shotboxBin?: string;
  providers?: ProviderName[];
  onProgress?: (message: string) => void;
}

/**
 * Measures batch detection against a bare ONNX Runtime loop on the same model, interleaved: the
 * in-process passes alternate chunks of 20 images with bare loops of 10 runs (see `chunked`), the
 * process pass is read against the bare rate measured just before and just after it, so a machine
 * whose load changes (shared by several people) still gives meaningful ratios. Reports where the
 * time of the folder and project batches goes, per stage.
 */
export async function runBatchBench(
  entry: ModelEntry,
  options: BatchBenchOptions,
): Promise<BatchBenchReport> {
  const say = options.onProgress ?? (() => {});
  const { files } = options;
  if (files.length === 0) throw new Error('no images to benchmark');
  const loadStart = os.loadavg();
  await rm(options.workDir, { recursive: true, force: true });
  await mkdir(options.workDir, { recursive: true });
  const imageDir = path.dirname(files[0]!);
  if (files.some((f) => path.dirname(f) !== imageDir))
    throw new Error('the bench images must lie in one folder');

  const detector = await Detector.load(entry, {
    thread: 'worker',
    batch: true,
    ...(options.providers ? { providers: options.providers } : {}),
  });
  // A batch plan's second session opens after the first: timed passes start with both.
  await detector.sessionsOpened();
  const session = await ort.InferenceSession.create(await readFile(entry.onnxPath), {
    executionProviders: [detector.provider],
  });
  const pre = detector.preprocess(await decodeImageFile(files[0]!));
  const feeds = { [entry.manifest.input.name]: new ort.Tensor('float32', pre.data, pre.dims) };
  const bareRates: number[] = [];
  const bare = async (runs: number): Promise<number> => {
    const t0 = performance.now();
    for (let i = 0; i < runs; i++) await session.run(feeds);
    const rate = (runs * 1000) / (performance.now() - t0);
    bareRates.push(rate);
    return rate;
  };
  /**
   * A pass in chunks, each after a short bare loop (and one more bare loop at the end): on a
   * machine whose speed changes within seconds (a shared VM: the bare rate swings by 1.5× within
   * a minute here), bare and batch are then measured over the same stretches of time. Each chunk
   * is a new batch on the pass's one worker (idle during the bare loops), which continues the
   * last as one long batch would (see `continuing`).
   */
  const chunked = async (
    chunks: readonly (readonly string[])[],
    pass: (chunk: readonly string[], next: readonly string[] | undefined) => Promise<number>,
  ): Promise<PassMeasure> => {
    let bareRuns = 0;
    let bareSeconds = 0;
    let images = 0;
    let seconds = 0;
    const bareSlice = async (): Promise<void> => {
      const t0 = performance.now();
      for (let i = 0; i < BARE_PER_CHUNK; i++) await session.run(feeds);
      bareSeconds += (performance.now() - t0) / 1000;
      bareRuns += BARE_PER_CHUNK;
    };
    for (const [k, chunk] of chunks.entries()) {
      await bareSlice();
      const t0 = performance.now();
      images += await pass(chunk, chunks[k + 1]);
      seconds += (performance.now() - t0) / 1000;
    }
    await bareSlice();
    const bareRate = bareRuns / bareSeconds;
    bareRates.push(bareRate);
    return {
      imagesPerSecond: images / seconds,
      bareImagesPerSecond: bareRate,
      ratio: images / seconds / bareRate,
      loadAverage: os.loadavg()[0]!,
    };
  };
  const fileChunks: string[][] = [];
  for (let i = 0; i < files.length; i += CHUNK) fileChunks.push(files.slice(i, i + CHUNK));

  const timed = async (
    runs: number,
    pass: () => Promise<number>,
  ): Promise<PassMeasure & { seconds: number }> => {
    const before = await bare(runs);
    const t0 = performance.now();
    const n = await pass();
    const seconds = (performance.now() - t0) / 1000;
    const after = await bare(runs);
    const bareRate = (before + after) / 2;
    return {
      imagesPerSecond: n / seconds,
      bareImagesPerSecond: bareRate,
      ratio: n / seconds / bareRate,
      loadAverage: os.loadavg()[0]!,
      seconds,
    };
  };

  const folderStages: ProjectImageTimings[] = [];
  const projectStages: ProjectImageTimings[] = [];
  const folderRounds: PassMeasure[] = [];
  const projectRounds: PassMeasure[] = [];
  const processRounds: PassMeasure[] = [];
  const processSeconds: number[] = [];
  const startupSeconds: number[] = [];
  const afterStartup: { imagesPerSecond: number; ratio: number }[] = [];
  const processFiles = options.shotboxBin ? (options.processFiles ?? []) : [];
  // Folders of exactly these images (all, and the first alone), so each process imports and
  // detects nothing else; the `detect --project` process of a folder, timed in seconds.
  let processPass:
    | { all: string; one: string; run: (folder: string, project: string) => Promise<number> }
    | undefined;
  if (options.shotboxBin && processFiles.length > 0) {
    const bin = options.shotboxBin;
    const folder = async (name: string, files: readonly string[]): Promise<string> => {
      const dir = path.join(options.workDir, name);
      await mkdir(dir, { recursive: true });
      for (const [i, f] of files.entries())
        await copyFile(f, path.join(dir, `${String(i).padStart(5, '0')}${path.extname(f)}`));
      return dir;
    };
    processPass = {
      all: await folder('process-images', processFiles),
      one: await folder('process-one-image', processFiles.slice(0, 1)),
      run: async (dir, project) => {
        const t0 = performance.now();
        await runShotbox(bin, [
          'detect',
          '--project',
          path.join(options.workDir, project),
          dir,
          '--quiet',
          ...(options.providers ? ['--provider', options.providers.join(',')] : []),
        ]);
        return (performance.now() - t0) / 1000;
      },
    };
  }

  // One worker for the in-process passes (see `chunked`).
  const preparer = createImagePreparer(entry.manifest.input, {
    lowPriority: prepareAtLowPriority(detector.threadsPerSession),
  });
  // After its n-th image a batch has asked for n + prefetch + runsAhead − 1 (see detectFiles).
  const continuing = continuingPreparer(preparer, DEFAULT_PREFETCH + detector.runsAhead - 1);
  try {
    say(`warming up ${entry.manifest.name} on ${detector.provider}`);
    await detector.detectFile(files[0]!);
    // The worker has loaded (and is idle) before anything is timed.
    const first = await preparer.prepare(files[0]!);
    if (!('error' in first)) preparer.recycle(first.pre.data);
    await session.run(feeds);
    for (let r = 0; r < options.rounds; r++) {
      say(`round ${r + 1}/${options.rounds}: folder batch`);
      folderRounds.push(
        await chunked(fileChunks, async (chunk, next) => {
          let n = 0;
          for await (const item of detectFiles(detector, chunk, { preparer: continuing })) {
            if (!item.ok) throw new Error(`${item.file}: ${item.reason}`);
            if (r > 0 || options.rounds === 1)
              folderStages.push({ ...item.result.timings, wait: item.waitMs, db: 0 });
            continuing.reached(++n, chunk.length, next);
          }
          await continuing.settle();
          return n;
        }),
      );

      say(`round ${r + 1}/${options.rounds}: project batch`);
      const file = path.join(options.workDir, `round${r}.shotbox`);
      const project = ProjectDb.create(file, imageDir);
      try {
        const imported = await importFolder(project, imageDir);
        const wanted = new Set(
          files.map((f) => path.relative(imageDir, f).split(path.sep).join('/')),
        );
        const idOf = new Map(project.images.all().map((i) => [i.path, i.id]));
        const imageIds = [...wanted].flatMap((p) => idOf.get(p) ?? []);
        const pathOf = (f: string) => path.relative(imageDir, f).split(path.sep).join('/');
        if (imported.problems.length > 0 || imageIds.length !== files.length)
          throw new Error(
            `the bench images did not all import (${imported.problems.length} problems)`,
          );
        projectRounds.push(
          await chunked(fileChunks, async (chunk, next) => {
            let n = 0;
            const report = await detectIntoProject(project, detector, {
              imageIds: chunk.map((f) => idOf.get(pathOf(f))!),
              preparer: continuing,
              onImageTimings: (t) => {
                if (r > 0 || options.rounds === 1) projectStages.push(t);
                continuing.reached(++n, chunk.length, next);
              },
            });
            await continuing.settle();
            if (report.failures.length > 0) throw new Error(report.failures[0]!.reason);
            return report.processed;
          }),
        );
      } finally {
        project.close();
      }

      if (processPass) {
        const pass = processPass;
        say(`round ${r + 1}/${options.rounds}: shotbox detect --project (1 image)`);
        const startup = await pass.run(pass.one, `process${r}-one.shotbox`);
        startupSeconds.push(startup);
        say(
          `round ${r + 1}/${options.rounds}: shotbox detect --project (${processFiles.length} images)`,
        );
        const m = await timed(processFiles.length, async () => {
          await pass.run(pass.all, `process${r}.shotbox`);
          return processFiles.length;
        });
        processRounds.push(m);
        processSeconds.push(m.seconds);
        // The images after the first, in the time the pass took beyond a one-image run.
        const rest = Math.max(1e-3, m.seconds - startup);
        const restRate = (processFiles.length - 1) / rest;
        afterStartup.push({ imagesPerSecond: restRate, ratio: restRate / m.bareImagesPerSecond });
      }
    }
  } finally {
    await preparer.close();
    await session.release();
    await detector.dispose();
  }

  const summary = (rounds: PassMeasure[]): PassSummary => ({
    rounds: rounds.map(({ imagesPerSecond, bareImagesPerSecond, ratio, loadAverage }) => ({
      imagesPerSecond,
      bareImagesPerSecond,
      ratio,
      loadAverage,
    })),
    imagesPerSecond: median(rounds.map((m) => m.imagesPerSecond)),
    ratio: median(rounds.map((m) => m.ratio)),
  });
  return {
    model: entry.manifest.name,
    provider: detector.provider,
    cores: os.availableParallelism(),
    images: files.length,
    rounds: options.rounds,
    loadAverage: { start: loadStart, end: os.loadavg() },
    bare: { imagesPerSecond: median(bareRates) },
    folder: { ...summary(folderRounds), stages: breakdown(folderStages, folderRounds) },
    project: { ...summary(projectRounds), stages: breakdown(projectStages, projectRounds) },
    ...(processRounds.length > 0
      ? {
          process: {
            ...summary(processRounds),
            images: processFiles.length,
            seconds: processSeconds,
            startup: {
              seconds: median(startupSeconds),
              imagesPerSecond: median(afterStartup.map((a) => a.imagesPerSecond)),
              ratio: median(afterStartup.map((a) => a.ratio)),
            },
          },
        }
      : {}),
  };
}

/**
 * The pass's preparer, for chunks that continue one another as one long batch would: a batch
 * asks for each image `depth` images before it runs (its prefetch and the runs in flight), so
 * while a chunk's last images run, the next chunk's first ones are asked for here, and that
 * chunk's batch takes them ready. Without it every chunk began with an empty pipeline: its first
 * two images waited ~19 and ~18 ms for their decodes (6 chunks in 120 images, against one start
 * for a real batch: ~2.5 % of the pass's time). `settle` waits, inside the chunk's time, for what
 * was asked ahead, so no decoding runs during the bare loop that follows.
 */
function continuingPreparer(
  inner: ImagePreparer,
  depth: number,
): ImagePreparer & {
  reached(done: number, length: number, next: readonly string[] | undefined): void;
  settle(): Promise<void>;
} {
  const ahead = new Map<string, Promise<Prepared>>();
  return {
    where: inner.where,
    prepare: (file, admit) => {
      const early = ahead.get(file);
      if (!early || admit) return inner.prepare(file, admit);
      ahead.delete(file);
      return early;
    },
    recycle: (data) => inner.recycle(data),
    close: () => inner.close(),
    reached(done, length, next) {
      // After `done` images a batch has asked for `done + depth`: those past the chunk's end.
      for (const file of next?.slice(0, Math.max(0, done + depth - length)) ?? [])
        if (!ahead.has(file)) ahead.set(file, inner.prepare(file));
    },
    async settle() {
      await Promise.all(ahead.values());
    },
  };
}

function breakdown(samples: readonly ProjectImageTimings[], rounds: PassMeasure[]): StageBreakdown {
  const mean = (key: keyof ProjectImageTimings): number =>
    samples.reduce((s, t) => s + t[key], 0) / Math.max(1, samples.length);
  // Wall time per image of the rounds the samples come from (round 1 is a warm-up when r > 1).
  const measured = rounds.length > 1 ? rounds.slice(1) : rounds;
  const wall = median(measured.map((m) => 1000 / m.imagesPerSecond));
  const stages = {
    decode: mean('decode'),
    preprocess: mean('preprocess'),
    inference: mean('inference'),
    postprocess: mean('postprocess'),
    db: mean('db'),
    wait: mean('wait'),
  };
  const onLoop =
    stages.preprocess + stages.inference + stages.postprocess + stages.db + stages.wait;
  return { wall, ...stages, other: Math.max(0, wall - onLoop) };
}

/** Runs `node shotbox.mjs …` and resolves when it exits 0 (its stderr is kept for the error). */
function runShotbox(bin: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`shotbox ${args[0]} exited with ${code}: ${stderr.trim().slice(-500)}`)),
    );
  });
}

/** The images of a folder (not recursive), sorted by name, the first `count`. */
export async function firstImages(dir: string, count: number): Promise<string[]> {
  const names = (await readdir(dir)).filter((n) => /\.(jpe?g|png)$/i.test(n));
  names.sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  return names.slice(0, count).map((n) => path.join(dir, n));
}
