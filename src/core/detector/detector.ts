import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import ort from 'onnxruntime-node';
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
  createSessionWithFallback,
  defaultProviderChain,
  ModelLoadError,
  parseProviderList,
  type ProviderAttempt,
  type ProviderName,
} from './executionProviders';
import {
  graphCacheSlot,
  rememberedModelHash,
  rememberModelHash,
  type GraphCacheSlot,
  type GraphCacheUse,
} from './optimizedGraphCache';
import { canvasToImage, preprocess, type Preprocessed } from './preprocess';

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
    private readonly session: ort.InferenceSession,
    /** The execution provider that runs the model. */
    readonly provider: ProviderName,
    /** Every provider tried, with the reason the earlier ones were skipped. */
    readonly providerAttempts: ProviderAttempt[],
    /** Whether the session loaded ONNX Runtime's saved optimised graph, or saved one. */
    readonly graphCache: GraphCacheUse,
    private readonly graphSlot: GraphCacheSlot | undefined,
    private readonly raw: Omit<PostprocessContext, 'classColumns'> | undefined,
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

  static async load(entry: ModelEntry, options: DetectorOptions = {}): Promise<Detector> {
    const { manifest, onnxPath } = entry;
    const graphCache = graphCacheSlot(onnxPath);
    // A saved CPU graph loads without the model's bytes; otherwise read them first, so a missing
    // file is reported as such before any provider is tried.
    const model = graphCache?.hit ? () => readModelFile(entry) : await readModelFile(entry);
    const chain =
      options.providers ??
      (process.env.SHOTBOX_PROVIDERS
        ? parseProviderList(process.env.SHOTBOX_PROVIDERS)
        : defaultProviderChain());
    let made;
    try {
      made = await createSessionWithFallback(model, chain, {
        intraOpNumThreads: options.intraOpNumThreads,
        graphCache,
      });
    } catch (err) {
      if (err instanceof ModelLoadError) {
        throw new ModelLoadError(`cannot load model ${onnxPath}: ${err.message}`, err.attempts);
      }
      throw err;
    }
    const { session, provider, attempts, graphCache: graphCacheUse } = made;
    try {
      checkGraphMatchesManifest(session, manifest, onnxPath);
    } catch (err) {
      await session.release();
      throw err;
    }
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
    return new Detector(entry, session, provider, attempts, graphCacheUse, graphCache, raw);
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
    const t1 = performance.now();
    const outputs = await this.infer(pre);
    const t2 = performance.now();
    const detections = this.postprocess(outputs, pre, width, height, options);
    const t3 = performance.now();
    return {
      width,
      height,
      detections,
      timings: { decode: 0, preprocess: 0, inference: t2 - t1, postprocess: t3 - t2 },
    };
  }

  preprocess(image: RgbImage): Preprocessed {
    return preprocess(image, this.manifest.input);
  }

  /** One `InferenceSession.run` on a preprocessed tensor; nothing else (the bench relies on it). */
  async infer(pre: Preprocessed): Promise<ort.InferenceSession.OnnxValueMapType> {
    const input = this.manifest.input;
    const tensor =
      input.dtype === 'uint8'
        ? new ort.Tensor('uint8', toPixels(pre.data), pre.dims)
        : new ort.Tensor('float32', pre.data, pre.dims);
    const feeds = { [input.name]: tensor };
    return this.session.run(feeds);
  }

  postprocess(
    outputs: ort.InferenceSession.OnnxValueMapType,
    pre: Preprocessed,
    width: number,
    height: number,
    options: DetectOptions = {},
  ): Detection[] {
    const m = this.manifest;
    const spec: PostprocessSpec = { ...m.postprocess, ...definedOnly(options) };
    if (m.output.kind === 'raw') {
      const boxes = outputs[m.output.boxes] as ort.Tensor;
      const scores = outputs[m.output.scores] as ort.Tensor;
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

async function readModelFile(entry: ModelEntry): Promise<Uint8Array> {
  try {
    return await readFile(entry.onnxPath);
  } catch {
    throw new ModelLoadError(
      `model file ${entry.onnxPath} is missing` +
        (entry.manifest.name === 'ssd-mobilenetv1-face'
          ? ' (run `npm run models` to build it)'
          : ''),
    );
  }
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
function checkGraphMatchesManifest(
  session: ort.InferenceSession,
  m: ModelManifest,
  file: string,
): void {
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
  outputs: ort.InferenceSession.OnnxValueMapType,
  m: ModelManifest,
  pre: Preprocessed,
  width: number,
  height: number,
  spec: PostprocessSpec,
): Detection[] {
  if (m.output.kind !== 'decoded') return [];
  const out = m.output;
  const boxes = (outputs[out.boxes] as ort.Tensor).data as Float32Array;
  const scores = (outputs[out.scores] as ort.Tensor).data as Float32Array;
  const labels = (outputs[out.labels] as ort.Tensor).data;
  const countTensor = out.count ? (outputs[out.count] as ort.Tensor) : undefined;
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
