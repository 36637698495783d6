import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import {
  classColumnsOf,
  imageWindow,
  postprocessRaw,
  type PostprocessContext,
} from '../../shared/detection/postprocess';
import type { ModelManifest, PostprocessSpec } from '../../shared/models/manifest';
import { createBoxCoder } from '../../shared/ssd/boxCoder';
import { generatePriors } from '../../shared/ssd/priors';
import { decodeImageFile, type RgbImage } from '../image/decode';
import type { ModelEntry } from '../models/registry';
import {
  defaultProviderChain,
  ModelLoadError,
  parseProviderList,
  providerUnavailableReason,
  type ProviderAttempt,
  type ProviderName,
} from './executionProviders';
import {
  openSessionInThread,
  preopenSessionInThread,
  takePreopenedSession,
} from './inferenceThread';
import {
  openLocalSession,
  type ModelSession,
  type ModelTensor,
  type OpenRequest,
} from './modelSession';
import {
  graphCacheSlot,
  rememberedModelHash,
  rememberModelHash,
  type GraphCacheSlot,
  type GraphCacheUse,
} from './optimizedGraphCache';
import { canvasToImage, preprocess, type Preprocessed } from './preprocess';
import { batchSessionPlan, pooledSession, SINGLE_SESSION, type SessionPlan } from './sessionPool';

/** A run's outputs by name. */
export type ModelOutputs = Record<string, ModelTensor>;

/** One detected object, in original-image pixels (x1, y1, x2, y2). */
export interface Detection {
  box: [number, number, number, number];
  score: number;
  /** Index into the manifest's `classes`. */
  classIndex: number;
  label: string;
  /** Which default box produced it (−1 for models with decoded outputs). */
  prior: number;
}

/** Milliseconds spent in each pipeline stage for one image. */
export interface StageTimings {
  decode: number;
  preprocess: number;
  inference: number;
  postprocess: number;
}

export interface DetectionResult {
  width: number;
  height: number;
  detections: Detection[];
  timings: StageTimings;
}

export interface DetectorOptions {
  /** Execution providers to try in order; default: `SHOTBOX_PROVIDERS` or the platform chain. */
  providers?: ProviderName[];
  intraOpNumThreads?: number;
  /**
   * 'worker' runs the model in a worker thread of its own (batches: this thread then
   * post-processes and stores one image while the model runs on the next); where none can start,
   * the model runs on this thread, same results. Default 'inline'.
   */
  thread?: 'worker' | 'inline';
  /**
   * For many images (with `thread: 'worker'`): on the CPU, the model runs in two sessions side by
   * side, each on half the cores (see sessionPool.ts: more images per second, each image takes
   * longer). Not with `intraOpNumThreads`, which asks for one session of that many threads.
   */
  batch?: boolean;
}

/** Per-call overrides of the manifest's post-processing defaults. */
export type DetectOptions = Partial<
  Pick<PostprocessSpec, 'scoreThreshold' | 'iouThreshold' | 'topK'>
>;

/**
 * An SSD model ready to run: one ONNX Runtime session plus everything its manifest says about
 * feeding it and reading its outputs. Create with {@link Detector.load}; call `dispose` when done.
 */
export class Detector {
  private constructor(
    readonly entry: ModelEntry,
    private readonly session: ModelSession,
    /** The execution provider that runs the model. */
    readonly provider: ProviderName,
    /** Every provider tried, with the reason the earlier ones were skipped. */
    readonly providerAttempts: ProviderAttempt[],
    /** Whether the session loaded ONNX Runtime's saved optimised graph, or saved one. */
    readonly graphCache: GraphCacheUse,
    private readonly graphSlot: GraphCacheSlot | undefined,
    private readonly raw: Omit<PostprocessContext, 'classColumns'> | undefined,
    /** ONNX Runtime threads of each session; undefined: its default (every physical core). */
    readonly threadsPerSession: number | undefined,
  ) {}

  get manifest(): ModelManifest {
    return this.entry.manifest;
  }

  private hash: Promise<string> | undefined;
  /**
   * sha256 of the ONNX file this detector was loaded from (a project's model identity), hashed
   * once per detector and remembered beside its saved graph, so later loads need not hash it.
   */
  contentHash(): Promise<string> {
    return (this.hash ??= modelContentHash(this.entry.onnxPath, this.graphSlot));
  }

  /**
   * Starts loading the model in its worker thread now, for a later `load` with the same entry
   * and options to take (a CLI knows its model before it has loaded its other modules). Only
   * for `thread: 'worker'`; a load that asks for something else loads afresh.
   */
  static preload(entry: ModelEntry, options: DetectorOptions & { thread: 'worker' }): void {
    const plan = sessionPlan(entry, options);
    const request = openRequest(entry, options, plan);
    // A batch plan's sessions open side by side, but only from a saved graph: without one, each
    // would optimise the model and write its graph to the same temporary file.
    const sideBySide = !request.graphCache || request.graphCache.hit;
    preopenSessionInThread(request, sideBySide ? plan.sessions : 1);
  }

  static async load(entry: ModelEntry, options: DetectorOptions = {}): Promise<Detector> {
    const { manifest, onnxPath } = entry;
    const plan = sessionPlan(entry, options);
    const request = openRequest(entry, options, plan);
    const graphCache = request.graphCache;
    const inThread = options.thread === 'worker' ? await openSessionInThread(request) : undefined;
    // Where no worker starts, one session on this thread: not one of a plan's smaller ones.
    const opened =
      inThread ??
      (await openLocalSession(
        plan.sessions > 1 ? openRequest(entry, options, SINGLE_SESSION) : request,
      ));
    const { provider, attempts, graphCache: graphCacheUse } = opened;
    try {
      checkGraphMatchesManifest(opened.session, manifest, onnxPath);
    } catch (err) {
      await opened.session.release();
      throw err;
    }
    // The other sessions of a batch plan (preopened with the first, or opened now on the
    // provider the first one got) join as they open; the first runs meanwhile. A fresh one looks
    // its graph-cache slot up again: the first session may just have saved the graph.
    const extra = plan.sessions - 1;
    const session =
      extra > 0 && provider === 'cpu' && opened.session.thread === 'worker'
        ? pooledSession(
            opened.session,
            Array.from({ length: extra }, () =>
              (
                takePreopenedSession(request) ??
                openSessionInThread({ ...request, chain: ['cpu'], ...graphSlotOf(onnxPath) })
              ).then((o) => o?.session),
            ),
          )
        : opened.session;
    let raw: Omit<PostprocessContext, 'classColumns'> | undefined;
    if (manifest.output.kind === 'raw') {
      // The schema guarantees priors and boxCoder for raw outputs.
      raw = {
        priors: generatePriors(manifest.priors!).boxes,
        coder: createBoxCoder(manifest.boxCoder!),
        activation: manifest.output.scoreActivation,
        backgroundIndex: manifest.output.backgroundIndex,
      };
    }
    return new Detector(
      entry,
      session,
      provider,
      attempts,
      graphCacheUse,
      graphCache,
      raw,
      inThread ? request.intraOpNumThreads : options.intraOpNumThreads,
    );
  }

  /** Decodes, preprocesses, runs and post-processes one image file. */
  async detectFile(file: string, options: DetectOptions = {}): Promise<DetectionResult> {
    const t0 = performance.now();
    const image = await decodeImageFile(file);
    const decode = performance.now() - t0;
    const result = await this.detectImage(image, options);
    result.timings.decode = decode;
    return result;
  }

  /** Runs the pipeline on decoded pixels (`timings.decode` is 0). */
  async detectImage(image: RgbImage, options: DetectOptions = {}): Promise<DetectionResult> {
    const t0 = performance.now();
    const pre = this.preprocess(image);
    const preprocessMs = performance.now() - t0;
    const result = await this.detectPrepared(pre, image.width, image.height, options);
    result.timings.preprocess = preprocessMs;
    return result;
  }

  /**
   * Runs inference and post-processing on network input prepared elsewhere (a worker thread);
   * `width`/`height` are the image's, which boxes are reported in. Decode and preprocess
   * timings are 0 here: the caller knows them.
   */
  async detectPrepared(
    pre: Preprocessed,
    width: number,
    height: number,
    options: DetectOptions = {},
  ): Promise<DetectionResult> {
    const { outputs, ms } = await this.run(pre);
    const t2 = performance.now();
    const detections = this.postprocess(outputs, pre, width, height, options);
    const t3 = performance.now();
    return {
      width,
      height,
      detections,
      // The model's own run time: a run queued behind another in the worker waited too.
      timings: { decode: 0, preprocess: 0, inference: ms, postprocess: t3 - t2 },
    };
  }

  preprocess(image: RgbImage): Preprocessed {
    return preprocess(image, this.manifest.input);
  }

  /**
   * Images a batch should have in flight to keep the model busy: 2 when it runs in a worker
   * thread (the next one waits there while this thread finishes the last), else 1.
   */
  get runsAhead(): number {
    return this.session.thread === 'worker' ? 2 * (this.session.parallelRuns ?? 1) : 1;
  }

  /** Settles when every session of a batch plan has opened (or failed to); the bench waits. */
  async sessionsOpened(): Promise<void> {
    await this.session.allOpened;
  }

  /** One `InferenceSession.run` on a preprocessed tensor; nothing else (the bench relies on it). */
  async infer(pre: Preprocessed): Promise<ModelOutputs> {
    return (await this.run(pre)).outputs;
  }

  /**
   * Runs the model on `pre`. A tensor that went to the inference thread comes back as
   * `pre.data` (a new view of the same buffer), so the caller can reuse it as before.
   */
  private async run(pre: Preprocessed): Promise<{ outputs: ModelOutputs; ms: number }> {
    const input = this.manifest.input;
    const tensor: ModelTensor =
      input.dtype === 'uint8'
        ? { type: 'uint8', data: toPixels(pre.data), dims: pre.dims }
        : { type: 'float32', data: pre.data, dims: pre.dims };
    const sent = tensor.data === pre.data;
    const run = await this.session.run({ [input.name]: tensor });
    const back = run.returnedInputs[input.name];
    if (sent && back) pre.data = new Float32Array(back);
    return { outputs: run.outputs, ms: run.runMs };
  }

  postprocess(
    outputs: ModelOutputs,
    pre: Preprocessed,
    width: number,
    height: number,
    options: DetectOptions = {},
  ): Detection[] {
    const m = this.manifest;
    const spec: PostprocessSpec = { ...m.postprocess, ...definedOnly(options) };
    if (m.output.kind === 'raw') {
      const boxes = outputOf(outputs, m.output.boxes);
      const scores = outputOf(outputs, m.output.scores);
      // One image per run: counts from the element counts, so flat outputs ([1, P·4], as
      // Caffe's mbox_loc_flatten) read the same as [1, P, 4].
      const numPriors = boxes.data.length / 4;
      const numColumns = numPriors > 0 ? scores.data.length / numPriors : 0;
      if (!Number.isInteger(numPriors) || !Number.isInteger(numColumns) || numPriors === 0) {
        throw new Error(
          `model ${m.name}: output '${m.output.boxes}' has ${boxes.data.length} values and ` +
            `'${m.output.scores}' ${scores.data.length}: not 4 box offsets and a whole number of ` +
            'scores per prior (one image per run)',
        );
      }
      const ctx = {
        ...this.raw!,
        classColumns: classColumnsOf(m, numColumns),
        clipWindow: imageWindow(pre.canvas, width, height),
      };
      const dets = postprocessRaw(
        {
          offsets: boxes.data as Float32Array,
          logits: scores.data as Float32Array,
          numPriors,
          numColumns,
        },
        ctx,
        spec,
      );
      const px = dets.boxes.slice(0, dets.count * 4);
      canvasToImage(px, pre.canvas, width, height);
      return Array.from({ length: dets.count }, (_, i) => ({
        box: [px[4 * i]!, px[4 * i + 1]!, px[4 * i + 2]!, px[4 * i + 3]!] as [
          number,
          number,
          number,
          number,
        ],
        score: dets.scores[i]!,
        classIndex: dets.classes[i]!,
        label: m.classes[dets.classes[i]!] ?? `class ${dets.classes[i]}`,
        prior: dets.priors[i]!,
      }));
    }
    return decodedDetections(outputs, m, pre, width, height, spec);
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}

function providerChain(options: DetectorOptions): ProviderName[] {
  return (
    options.providers ??
    (process.env.SHOTBOX_PROVIDERS
      ? parseProviderList(process.env.SHOTBOX_PROVIDERS)
      : defaultProviderChain())
  );
}

/**
 * One session unless a batch asks for more (see DetectorOptions.batch): decided before the
 * first session opens, from the first provider of the chain that is installed (its thread count
 * depends on the plan), so that a preload and the later load ask for the same.
 */
function sessionPlan(entry: ModelEntry, options: DetectorOptions): SessionPlan {
  if (!options.batch || options.thread !== 'worker' || options.intraOpNumThreads)
    return SINGLE_SESSION;
  const provider = providerChain(options).find((p) => !providerUnavailableReason(p));
  const bytes = statSync(entry.onnxPath, { throwIfNoEntry: false })?.size;
  // A missing model is reported by the load itself.
  if (!provider || bytes === undefined) return SINGLE_SESSION;
  return batchSessionPlan(provider, bytes);
}

function graphSlotOf(onnxPath: string): { graphCache?: GraphCacheSlot } {
  const graphCache = graphCacheSlot(onnxPath);
  return graphCache ? { graphCache } : {};
}

function openRequest(entry: ModelEntry, options: DetectorOptions, plan: SessionPlan): OpenRequest {
  const threads = options.intraOpNumThreads ?? plan.threadsPerSession;
  return {
    onnxPath: entry.onnxPath,
    modelName: entry.manifest.name,
    chain: providerChain(options),
    ...(threads ? { intraOpNumThreads: threads } : {}),
    ...graphSlotOf(entry.onnxPath),
  };
}

async function modelContentHash(
  onnxPath: string,
  slot: GraphCacheSlot | undefined,
): Promise<string> {
  const remembered = slot && (await rememberedModelHash(slot));
  if (remembered) return remembered;
  const sha256 = createHash('sha256')
    .update(await readFile(onnxPath))
    .digest('hex');
  if (slot) await rememberModelHash(slot, sha256);
  return sha256;
}

/** A named output of a run (the load checked that the graph has it). */
function outputOf(outputs: ModelOutputs, name: string): ModelTensor {
  const t = outputs[name];
  if (!t) throw new Error(`the run returned no output '${name}'`);
  return t;
}

/** Preprocessed values as 8-bit pixels, for graphs whose input is uint8. */
function toPixels(data: Float32Array): Uint8Array {
  const out = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = Math.min(255, Math.max(0, Math.round(data[i]!)));
  return out;
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Fails with a message that lists what the graph has, when the manifest names other tensors. */
function checkGraphMatchesManifest(session: ModelSession, m: ModelManifest, file: string): void {
  const wanted =
    m.output.kind === 'raw'
      ? [m.output.boxes, m.output.scores]
      : [
          m.output.boxes,
          m.output.scores,
          m.output.labels,
          ...(m.output.count ? [m.output.count] : []),
        ];
  const missingOut = wanted.filter((n) => !session.outputNames.includes(n));
  if (!session.inputNames.includes(m.input.name) || missingOut.length > 0) {
    throw new ModelLoadError(
      `${file} does not match its manifest: the manifest expects input '${m.input.name}' and outputs ` +
        `${wanted.map((n) => `'${n}'`).join(', ')}, the graph has inputs ` +
        `${session.inputNames.map((n) => `'${n}'`).join(', ')} and outputs ${session.outputNames.map((n) => `'${n}'`).join(', ')}`,
    );
  }
}

/** Reads post-processed outputs ([1,K,4] boxes normalised to the input canvas, scores, labels). */
function decodedDetections(
  outputs: ModelOutputs,
  m: ModelManifest,
  pre: Preprocessed,
  width: number,
  height: number,
  spec: PostprocessSpec,
): Detection[] {
  if (m.output.kind !== 'decoded') return [];
  const out = m.output;
  const boxes = outputOf(outputs, out.boxes).data as Float32Array;
  const scores = outputOf(outputs, out.scores).data as Float32Array;
  const labels = outputOf(outputs, out.labels).data;
  const countTensor = out.count ? outputOf(outputs, out.count) : undefined;
  const count = countTensor ? Number(countTensor.data[0]) : scores.length;
  const result: Detection[] = [];
  for (let i = 0; i < count && result.length < spec.topK; i++) {
    const score = scores[i]!;
    if (score < spec.scoreThreshold) continue;
    const b = boxes.subarray(4 * i, 4 * i + 4);
    const xyxy = new Float32Array(out.boxOrder === 'yxyx' ? [b[1]!, b[0]!, b[3]!, b[2]!] : b);
    canvasToImage(xyxy, pre.canvas, width, height);
    const classIndex = Number(labels[i]) - out.labelOffset;
    result.push({
      box: [xyxy[0]!, xyxy[1]!, xyxy[2]!, xyxy[3]!],
      score,
      classIndex,
      label: m.classes[classIndex] ?? `class ${classIndex}`,
      prior: -1,
    });
  }
  return result.sort((a, b) => b.score - a.score);
}
