import { existsSync } from 'node:fs';
import path from 'node:path';
import type ort from 'onnxruntime-node';
import {
  createAndSaveGraph,
  openCachedGraph,
  type GraphCacheSlot,
  type GraphCacheUse,
} from './optimizedGraphCache';
import { ortBinaryDir } from './ortBinaryDir';

/** Execution providers Shotbox knows how to ask ONNX Runtime for, in our names. */
export const PROVIDERS = ['cuda', 'dml', 'cpu'] as const;
export type ProviderName = (typeof PROVIDERS)[number];

/** One step of the fallback chain: which provider was tried and why it was not used. */
export interface ProviderAttempt {
  provider: ProviderName;
  ok: boolean;
  reason?: string;
}

/** The preferred order on a platform (DESIGN.md §5): CUDA → DirectML (Windows) → CPU. */
export function defaultProviderChain(platform: NodeJS.Platform = process.platform): ProviderName[] {
  if (platform === 'win32') return ['cuda', 'dml', 'cpu'];
  if (platform === 'linux') return ['cuda', 'cpu'];
  return ['cpu'];
}

/** Parses `SHOTBOX_PROVIDERS` / `--provider` values such as "cpu" or "cuda,cpu". */
export function parseProviderList(text: string): ProviderName[] {
  const names = text
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  for (const n of names) {
    if (!(PROVIDERS as readonly string[]).includes(n)) {
      throw new Error(`unknown execution provider '${n}' (known: ${PROVIDERS.join(', ')})`);
    }
  }
  if (names.length === 0) throw new Error('empty execution provider list');
  return names as ProviderName[];
}

/**
 * Why a provider cannot work on this machine before ONNX Runtime is even asked, or undefined when
 * it may. Checking first avoids ONNX Runtime's native error spew for the common "not installed".
 */
export function providerUnavailableReason(
  provider: ProviderName,
  platform: NodeJS.Platform = process.platform,
): string | undefined {
  if (provider === 'cpu') return undefined;
  if (provider === 'dml') {
    return platform === 'win32' ? undefined : 'DirectML exists only on Windows';
  }
  if (platform !== 'linux' && platform !== 'win32') return `CUDA is not supported on ${platform}`;
  const lib =
    platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so';
  if (!existsSync(path.join(ortBinaryDir(platform), lib))) {
    return 'CUDA provider not installed (run `npm run setup:gpu` on a machine with an NVIDIA driver)';
  }
  return undefined;
}

export interface SessionWithProvider {
  session: ort.InferenceSession;
  provider: ProviderName;
  attempts: ProviderAttempt[];
  /** Whether the CPU session came from, or was saved to, the optimised-graph cache. */
  graphCache: GraphCacheUse;
}

export interface SessionOptions {
  intraOpNumThreads?: number;
  /** The model's slot in the optimised-graph cache (CPU provider only); none: no cache. */
  graphCache?: GraphCacheSlot;
}

/**
 * Creates a session on the first provider of `chain` that works, recording why each earlier one
 * was skipped. Throws only when none works; the error names every attempt. `model` may be a
 * reader, called at most once and only when the bytes are needed (a cached CPU graph loads
 * without them); its errors propagate as they are.
 */
export async function createSessionWithFallback(
  model: Uint8Array | (() => Promise<Uint8Array>),
  chain: readonly ProviderName[],
  options: SessionOptions = {},
): Promise<SessionWithProvider> {
  let bytes = typeof model === 'function' ? undefined : model;
  const modelBytes = async (): Promise<Uint8Array> =>
    (bytes ??= await (model as () => Promise<Uint8Array>)());
  const attempts: ProviderAttempt[] = [];
  for (const provider of chain) {
    const unavailable = providerUnavailableReason(provider);
    if (unavailable) {
      attempts.push({ provider, ok: false, reason: unavailable });
      continue;
    }
    const sessionOptions: ort.InferenceSession.SessionOptions = {
      executionProviders: [provider],
      graphOptimizationLevel: 'all',
      // Errors are reported through `attempts`; ONNX Runtime's own log would repeat them.
      logSeverityLevel: 3,
      // Idle ORT threads otherwise spin for a while after each run, taking the cores that
      // image decoding (libvips threads) needs between runs.
      extra: { session: { intra_op: { allow_spinning: '0' } } },
      ...(options.intraOpNumThreads ? { intraOpNumThreads: options.intraOpNumThreads } : {}),
    };
    // Only CPU graphs are cached: a GPU provider's optimised graph holds its own fused kernels.
    const slot = provider === 'cpu' ? options.graphCache : undefined;
    if (slot) {
      const cached = await openCachedGraph(slot, sessionOptions);
      if (cached) {
        attempts.push({ provider, ok: true });
        return { session: cached, provider, attempts, graphCache: 'hit' };
      }
    }
    const input = await modelBytes();
    try {
      const { session, use } = await createAndSaveGraph(input, sessionOptions, slot);
      attempts.push({ provider, ok: true });
      return { session, provider, attempts, graphCache: use };
    } catch (err) {
      const reason = (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
      attempts.push({ provider, ok: false, reason });
      // A model ONNX Runtime cannot parse fails on every provider: say so once, clearly.
      if (/protobuf parsing failed|invalid model|load model/i.test(reason)) {
        throw new ModelLoadError(`not a valid ONNX model (${reason})`, attempts);
      }
    }
  }
  const summary = attempts.map((a) => `${a.provider}: ${a.reason ?? 'failed'}`).join('; ');
  throw new ModelLoadError(`no execution provider could run the model (${summary})`, attempts);
}

export class ModelLoadError extends Error {
  constructor(
    message: string,
    readonly attempts: ProviderAttempt[] = [],
  ) {
    super(message);
    this.name = 'ModelLoadError';
  }
}
