import { readFile } from 'node:fs/promises';
import ort from 'onnxruntime-node';
import { detectFiles } from '../detector/batch';
import { Detector } from '../detector/detector';
import type { ProviderName } from '../detector/executionProviders';
import { decodeImageFile } from '../image/decode';
import type { ModelEntry } from '../models/registry';
import { loadFaceApiBaseline, type FaceApiBackend } from './faceApiBaseline';

/** Median milliseconds per image for each stage of our pipeline. */
export interface StageMedians {
  decode: number;
  preprocess: number;
  inference: number;
  postprocess: number;
  total: number;
}

export interface BenchReport {
  model: string;
  provider: ProviderName;
  images: number;
  runs: number;
  /** One image at a time: median latency per stage. */
  ours: StageMedians & { imagesPerSecond: number };
  /** The batch pipeline of `shotbox detect` (decoding overlaps inference): images per second. */
  batch: { imagesPerSecond: number };
  /** A bare `InferenceSession.run` loop on one preprocessed tensor (CPU, default options). */
  bareRun: { median: number };
  /** face-api's own tfjs pipeline (decode with the same decoder, then detectAllFaces). */
  baseline?: {
    backend: string;
    runs: number;
    decode: number;
    total: number;
    imagesPerSecond: number;
  };
  ratios: {
    /** face-api time per image ÷ ours: how many times faster we are end to end. */
    speedupVsBaseline?: number;
    /** our inference stage ÷ the bare loop: overhead of our session wrapper (1.0 = none). */
    inferenceVsBare: number;
  };
}

export interface BenchOptions {
  runs: number;
  baselineRuns: number;
  providers?: ProviderName[];
  /** Skip face-api's pipeline (it is slow on the pure-JS backend). */
  skipBaseline?: boolean;
  /** tfjs backend for face-api: `wasm` (its Node build without tfjs-node, the default) or `cpu`. */
  baselineBackend?: FaceApiBackend;
  onProgress?: (message: string) => void;
}

/**
 * Measures the whole detection pipeline and its stages against two baselines taken in the same
 * run: face-api's own tfjs pipeline (the reference the embedded model comes from) and a bare ONNX
 * Runtime loop (what inference costs with nothing around it).
 */
export async function runPipelineBench(
  entry: ModelEntry,
  files: string[],
  options: BenchOptions,
): Promise<BenchReport> {
  const say = options.onProgress ?? (() => {});
  if (files.length === 0) throw new Error('no images to benchmark');
  const detector = await Detector.load(
    entry,
    options.providers ? { providers: options.providers } : {},
  );
  const stages: Record<keyof StageMedians, number[]> = {
    decode: [],
    preprocess: [],
    inference: [],
    postprocess: [],
    total: [],
  };
  let bareMedian: number;
  let batchRate: number;
  try {
    say(`warming up ${entry.manifest.name} on ${detector.provider}`);
    await detector.detectFile(files[0]!);
    for (let r = 0; r < options.runs; r++) {
      say(`our pipeline: run ${r + 1}/${options.runs}`);
      for (const file of files) {
        const t0 = performance.now();
        const res = await detector.detectFile(file);
        stages.total.push(performance.now() - t0);
        stages.decode.push(res.timings.decode);
        stages.preprocess.push(res.timings.preprocess);
        stages.inference.push(res.timings.inference);
        stages.postprocess.push(res.timings.postprocess);
      }
    }

    say('batch pipeline (decode overlapped with inference)');
    const batchFiles = Array.from({ length: options.runs }, () => files).flat();
    const tb = performance.now();
    for await (const item of detectFiles(detector, batchFiles)) {
      if (!item.ok) throw new Error(`${item.file}: ${item.reason}`);
    }
    batchRate = (batchFiles.length * 1000) / (performance.now() - tb);

    say('bare InferenceSession.run loop');
    const pre = detector.preprocess(await decodeImageFile(files[0]!));
    const session = await ort.InferenceSession.create(await readFile(entry.onnxPath), {
      executionProviders: [detector.provider],
    });
    try {
      const feeds = { [entry.manifest.input.name]: new ort.Tensor('float32', pre.data, pre.dims) };
      await session.run(feeds);
      const bare: number[] = [];
      for (let i = 0; i < options.runs * files.length; i++) {
        const t0 = performance.now();
        await session.run(feeds);
        bare.push(performance.now() - t0);
      }
      bareMedian = median(bare);
    } finally {
      await session.release();
    }
  } finally {
    await detector.dispose();
  }

  const ours = {
    decode: median(stages.decode),
    preprocess: median(stages.preprocess),
    inference: median(stages.inference),
    postprocess: median(stages.postprocess),
    total: median(stages.total),
    imagesPerSecond: 0,
  };
  ours.imagesPerSecond = 1000 / ours.total;

  let baseline: BenchReport['baseline'];
  if (!options.skipBaseline) {
    const faceApi = await loadFaceApiBaseline(
      options.baselineBackend ? { backend: options.baselineBackend } : {},
    );
    try {
      say(`face-api baseline (${faceApi.backend}): warming up`);
      await faceApi.detect(await decodeImageFile(files[0]!));
      const totals: number[] = [];
      const decodes: number[] = [];
      for (let r = 0; r < options.baselineRuns; r++) {
        for (const [i, file] of files.entries()) {
          say(
            `face-api baseline: run ${r + 1}/${options.baselineRuns}, image ${i + 1}/${files.length}`,
          );
          const t0 = performance.now();
          const image = await decodeImageFile(file);
          decodes.push(performance.now() - t0);
          await faceApi.detect(image);
          totals.push(performance.now() - t0);
        }
      }
      const total = median(totals);
      baseline = {
        backend: faceApi.backend,
        runs: options.baselineRuns,
        decode: median(decodes),
        total,
        imagesPerSecond: 1000 / total,
      };
    } finally {
      faceApi.dispose();
    }
  }

  return {
    model: entry.manifest.name,
    provider: detector.provider,
    images: files.length,
    runs: options.runs,
    ours,
    batch: { imagesPerSecond: batchRate },
    bareRun: { median: bareMedian },
    ...(baseline ? { baseline } : {}),
    ratios: {
      ...(baseline ? { speedupVsBaseline: baseline.total / ours.total } : {}),
      inferenceVsBare: ours.inference / bareMedian,
    },
  };
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
