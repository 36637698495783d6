import type { SerializedError } from '../../shared/api/errors';
import type { ProviderAttempt, ProviderName } from './executionProviders';
import type { ModelTensor, OpenRequest } from './modelSession';
import type { GraphCacheUse } from './optimizedGraphCache';

/** A tensor between threads: its typed array travels with its buffer moved, not copied. */
export type WireTensor = ModelTensor;

/** Messages to the inference worker (inferenceWorker.ts), which holds one session. */
export type InferenceRequest =
  | { kind: 'open'; request: OpenRequest }
  | { kind: 'run'; id: number; feeds: Record<string, WireTensor> }
  | { kind: 'release' };

/** Its answers: each request gets exactly one. */
export type InferenceReply =
  | {
      kind: 'opened';
      inputNames: string[];
      outputNames: string[];
      provider: ProviderName;
      attempts: ProviderAttempt[];
      graphCache: GraphCacheUse;
    }
  | { kind: 'open-failed'; error: SerializedError; attempts: ProviderAttempt[] }
  | {
      kind: 'ran';
      id: number;
      outputs: Record<string, WireTensor>;
      runMs: number;
      /** The feeds' buffers, moved back for the caller to reuse. */
      inputs: Record<string, ArrayBuffer>;
    }
  | { kind: 'run-failed'; id: number; message: string }
  | { kind: 'released' };

/** The buffers of these tensors' typed arrays, each once (a repeated one cannot be moved). */
export function movableBuffers(tensors: readonly WireTensor[]): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  for (const t of tensors) {
    const d = t.data;
    if (ArrayBuffer.isView(d) && d.buffer instanceof ArrayBuffer && d.buffer.byteLength > 0)
      out.add(d.buffer);
  }
  return [...out];
}
