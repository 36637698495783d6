/**
 * Worker thread of {@link openSessionInThread}: holds one ONNX Runtime session and runs it on
 * request. `InferenceSession.run` in onnxruntime-node holds its thread until the model is done;
 * here that thread is this one, so the detector's thread post-processes and stores one image
 * while the model runs on the next, and a CLI loads its modules while the model loads.
 */
import { parentPort } from 'node:worker_threads';
import { toSerializedError } from '../../shared/api/errors';
import { ModelLoadError } from './executionProviders';
import {
  movableBuffers,
  type InferenceReply,
  type InferenceRequest,
  type WireTensor,
} from './inferenceProtocol';
import { loadOrt } from './loadOrt';
import { openLocalSession, type ModelSession } from './modelSession';

const port = parentPort;
if (!port) throw new Error('inferenceWorker runs as a worker thread');

let session: ModelSession | undefined;

// ONNX Runtime's JavaScript and native library load now, while the request to open is on its way.
void loadOrt().catch(() => undefined);

const reply = (message: InferenceReply, transfer: ArrayBuffer[] = []): void => {
  try {
    port.postMessage(message, transfer);
  } catch {
    // A buffer ONNX Runtime made that cannot be moved: copied instead.
    port.postMessage(message);
  }
};

// One request at a time, in order: a run queued behind another starts (and is timed) only when
// that one has answered.
let queue: Promise<void> = Promise.resolve();
port.on('message', (message: InferenceRequest) => {
  queue = queue.then(() => handle(message));
});

async function handle(message: InferenceRequest): Promise<void> {
  switch (message.kind) {
    case 'open': {
      try {
        const opened = await openLocalSession(message.request);
        session = opened.session;
        reply({
          kind: 'opened',
          inputNames: [...session.inputNames],
          outputNames: [...session.outputNames],
          provider: opened.provider,
          attempts: opened.attempts,
          graphCache: opened.graphCache,
        });
      } catch (err) {
        reply({
          kind: 'open-failed',
          error: toSerializedError(err),
          attempts: err instanceof ModelLoadError ? err.attempts : [],
        });
      }
      return;
    }
    case 'run': {
      const { id, feeds } = message;
      if (!session) {
        reply({ kind: 'run-failed', id, message: 'the model is not loaded' });
        return;
      }
      try {
        const run = await session.run(feeds);
        const outputs: Record<string, WireTensor> = {};
        for (const [name, t] of Object.entries(run.outputs))
          outputs[name] = { type: t.type, dims: t.dims, data: t.data };
        // The feeds' buffers go back with the outputs, for the caller to reuse.
        const inputs: Record<string, ArrayBuffer> = {};
        for (const [name, t] of Object.entries(feeds)) {
          const d = t.data;
          if (ArrayBuffer.isView(d) && d.buffer instanceof ArrayBuffer) inputs[name] = d.buffer;
        }
        reply(
          { kind: 'ran', id, outputs, runMs: run.runMs, inputs },
          movableBuffers([...Object.values(outputs), ...Object.values(feeds)]),
        );
      } catch (err) {
        reply({
          kind: 'run-failed',
          id,
          message: err instanceof Error ? err.message : String(err),
        });
      }
      return;
    }
    case 'release': {
      const s = session;
      session = undefined;
      await s?.release().catch(() => undefined);
      reply({ kind: 'released' });
      return;
    }
  }
}
