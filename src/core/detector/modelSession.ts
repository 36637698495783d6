import { readFile } from 'node:fs/promises';
import type ort from 'onnxruntime-node';
import {
  createSessionWithFallback,
  ModelLoadError,
  type ProviderAttempt,
  type ProviderName,
} from './executionProviders';
import { loadOrt } from './loadOrt';
import type { GraphCacheSlot, GraphCacheUse } from './optimizedGraphCache';

/**
 * What a detector needs of its loaded model, wherever the ONNX Runtime session lives: on the
 * calling thread, or in a worker thread of its own (inferenceThread.ts).
 */
export interface ModelSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /** Where `InferenceSession.run` runs: 'worker' leaves this thread free while the model runs. */
  readonly thread: 'worker' | 'inline';
  /** Runs that proceed side by side (a pool's open sessions, see sessionPool.ts); 1 if absent. */
  readonly parallelRuns?: number;
  /** Settles when every session a pool is still opening has joined or failed. */
  readonly allOpened?: Promise<void>;
  /**
   * Why this session can run no more (its worker thread ended or was released), once it cannot;
   * undefined while it can. Only thread sessions and pools can stop on their own.
   */
  readonly stopped?: string | undefined;
  run(feeds: Record<string, ModelTensor>): Promise<SessionRun>;
  release(): Promise<void>;
}

/**
 * A tensor as plain data (an `ort.Tensor` is one): what crosses to a worker thread, with its
 * typed array's buffer moved, and what a thread that never loads ONNX Runtime can read.
 */
export interface ModelTensor {
  type: ort.Tensor.Type;
  dims: readonly number[];
  data: ort.Tensor.DataType;
}

export interface SessionRun {
  outputs: Record<string, ModelTensor>;
  /** Milliseconds of `InferenceSession.run` itself (time a run waited in a queue not included). */
  runMs: number;
  /**
   * Input buffers that moved to another thread for the run, handed back (by feed name), so the
   * caller can reuse them; empty when the inputs never left.
   */
  returnedInputs: Record<string, ArrayBuffer>;
}

/** Everything needed to open a model's session: plain data, so it can go to a worker thread. */
export interface OpenRequest {
  onnxPath: string;
  /** The manifest's name (a missing embedded model gets a hint to build it). */
  modelName: string;
  chain: ProviderName[];
  intraOpNumThreads?: number;
  graphCache?: GraphCacheSlot;
}

export interface OpenedSession {
  session: ModelSession;
  /** The execution provider that runs the model. */
  provider: ProviderName;
  /** Every provider tried, with the reason the earlier ones were skipped. */
  attempts: ProviderAttempt[];
  graphCache: GraphCacheUse;
}

/** Opens the model's session on this thread (the inference worker opens its own with this). */
export async function openLocalSession(request: OpenRequest): Promise<OpenedSession> {
  const { onnxPath, graphCache } = request;
  // A saved CPU graph loads without the model's bytes; otherwise read them first, so a missing
  // file is reported as such before any provider is tried.
  const model = graphCache?.hit ? () => readModelFile(request) : await readModelFile(request);
  try {
    const made = await createSessionWithFallback(model, request.chain, {
      intraOpNumThreads: request.intraOpNumThreads,
      graphCache,
    });
    const { Tensor } = await loadOrt();
    return {
      session: localSession(made.session, Tensor),
      provider: made.provider,
      attempts: made.attempts,
      graphCache: made.graphCache,
    };
  } catch (err) {
    if (err instanceof ModelLoadError) {
      throw new ModelLoadError(`cannot load model ${onnxPath}: ${err.message}`, err.attempts);
    }
    throw err;
  }
}

/** An ONNX Runtime session on this thread, as a ModelSession. */
function localSession(session: ort.InferenceSession, Tensor: typeof ort.Tensor): ModelSession {
  return {
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    thread: 'inline',
    async run(feeds) {
      const tensors = Object.fromEntries(
        Object.entries(feeds).map(([name, t]) => [
          name,
          t instanceof Tensor ? t : new Tensor(t.type, t.data as Float32Array, t.dims),
        ]),
      );
      const t0 = performance.now();
      const outputs = (await session.run(tensors)) as Record<string, ort.Tensor>;
      return { outputs, runMs: performance.now() - t0, returnedInputs: {} };
    },
    release: () => session.release(),
  };
}

async function readModelFile(request: OpenRequest): Promise<Uint8Array> {
  try {
    return await readFile(request.onnxPath);
  } catch {
    throw new ModelLoadError(
      `model file ${request.onnxPath} is missing` +
        (request.modelName === 'ssd-mobilenetv1-face' ? ' (run `npm run models` to build it)' : ''),
    );
  }
}
