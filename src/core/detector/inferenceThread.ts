import type ort from 'onnxruntime-node';
import { ModelLoadError } from './executionProviders';
import {
  movableBuffers,
  type InferenceReply,
  type InferenceRequest,
  type WireTensor,
} from './inferenceProtocol';
import type { ModelSession, OpenedSession, OpenRequest, SessionRun } from './modelSession';
import { adoptWorker, prewarmWorker } from './workerThreads';

/**
 * Starts the next model's inference worker now, so loading ONNX Runtime there overlaps what the
 * caller loads meanwhile (a CLI's modules, a job's folder walk).
 */
export function prewarmInferenceThread(): void {
  prewarmWorker('inferenceWorker');
}

/** Sessions opened ahead by preopenSessionInThread, by what they were opened with. */
const preopened = new Map<
  string,
  { openings: Promise<OpenedSession | undefined>[]; expiry: NodeJS.Timeout }
>();

const requestKey = (r: OpenRequest): string =>
  JSON.stringify([r.onnxPath, r.chain, r.intraOpNumThreads ?? 0, r.graphCache?.identity ?? '']);

/**
 * Starts opening the model in `count` worker threads of their own now (each its own session),
 * for later openSessionInThread calls with the same request to take, one each: a CLI that knows
 * its model at start loads it while this thread loads everything else. Untaken for a minute,
 * they are released.
 */
export function preopenSessionInThread(request: OpenRequest, count = 1): void {
  const key = requestKey(request);
  if (preopened.has(key)) return;
  const openings = Array.from({ length: count }, () => {
    const opening = openInNewThread(request);
    // Its failure is the taker's to report (the same request fails the same way).
    opening.catch(() => undefined);
    return opening;
  });
  const entry = {
    openings,
    expiry: setTimeout(() => {
      if (preopened.get(key) !== entry) return;
      preopened.delete(key);
      for (const o of entry.openings)
        void o.then((x) => x?.session.release()).catch(() => undefined);
    }, 60_000).unref(),
  };
  preopened.set(key, entry);
}

/** A session preopened for this request, if one is left (see preopenSessionInThread). */
export function takePreopenedSession(
  request: OpenRequest,
): Promise<OpenedSession | undefined> | undefined {
  const key = requestKey(request);
  const ahead = preopened.get(key);
  if (!ahead) return undefined;
  const taken = ahead.openings.shift();
  if (ahead.openings.length === 0) {
    preopened.delete(key);
    clearTimeout(ahead.expiry);
  }
  return taken;
}

/**
 * Opens the model in a worker thread of its own (inferenceWorker.ts), or takes one preopened for
 * the same request. Resolves undefined where no worker can start or it stops before answering
 * (the caller opens the model on its own thread: same results); rejects as loading on this
 * thread would (ModelLoadError with the providers tried) when the model itself cannot load.
 */
export function openSessionInThread(request: OpenRequest): Promise<OpenedSession | undefined> {
  return takePreopenedSession(request) ?? openInNewThread(request);
}

async function openInNewThread(request: OpenRequest): Promise<OpenedSession | undefined> {
  const worker = adoptWorker('inferenceWorker');
  if (!worker) return undefined;
  const pending = new Map<
    number,
    { resolve: (run: SessionRun) => void; reject: (err: Error) => void }
  >();
  let nextId = 0;
  let stopped: string | undefined;
  let opening: ((reply: InferenceReply | undefined) => void) | undefined;
  let releasing: (() => void) | undefined;
  // An idle worker must not keep a finished process alive; one with a request in flight must.
  const settle = (): void => {
    if (pending.size === 0 && !opening && !releasing) worker.unref();
  };
  const stop = (why: string): void => {
    if (stopped) return;
    stopped = why;
    opening?.(undefined);
    opening = undefined;
    for (const p of pending.values()) p.reject(new Error(`the inference thread stopped (${why})`));
    pending.clear();
    releasing?.();
    releasing = undefined;
  };
  worker.on('error', (err) => stop(err.message));
  worker.on('exit', (code) => stop(`exit code ${code}`));
  worker.on('message', (reply: InferenceReply) => {
    switch (reply.kind) {
      case 'opened':
      case 'open-failed': {
        const done = opening;
        opening = undefined;
        done?.(reply);
        break;
      }
      case 'ran':
      case 'run-failed': {
        const p = pending.get(reply.id);
        pending.delete(reply.id);
        if (!p) break;
        if (reply.kind === 'run-failed') p.reject(new Error(reply.message));
        else
          p.resolve({
            outputs: reply.outputs,
            runMs: reply.runMs,
            returnedInputs: reply.inputs,
          });
        break;
      }
      case 'released': {
        const done = releasing;
        releasing = undefined;
        done?.();
        break;
      }
    }
    settle();
  });
  // Unref'd first: a worker that is stopping holds no process up.
  const end = (): void => {
    worker.unref();
    void worker.terminate().catch(() => undefined);
  };
  const send = (message: InferenceRequest, transfer: ArrayBuffer[] = []): void => {
    worker.ref();
    worker.postMessage(message, transfer);
  };

  const answer = await new Promise<InferenceReply | undefined>((resolve) => {
    opening = resolve;
    send({ kind: 'open', request });
  });
  settle();
  if (!answer || answer.kind !== 'opened') {
    end();
    if (answer?.kind === 'open-failed') {
      const err =
        answer.error.name === 'ModelLoadError'
          ? new ModelLoadError(answer.error.message, answer.attempts)
          : Object.assign(new Error(answer.error.message), { name: answer.error.name });
      throw err;
    }
    return undefined;
  }

  const session: ModelSession = {
    inputNames: answer.inputNames,
    outputNames: answer.outputNames,
    thread: 'worker',
    get stopped() {
      return stopped;
    },
    run(feeds) {
      if (stopped) return Promise.reject(new Error(`the inference thread stopped (${stopped})`));
      const wire: Record<string, WireTensor> = {};
      for (const [name, t] of Object.entries(feeds))
        wire[name] = { type: t.type, dims: t.dims, data: movableData(t.data) };
      return new Promise<SessionRun>((resolve, reject) => {
        const id = nextId++;
        pending.set(id, { resolve, reject });
        send({ kind: 'run', id, feeds: wire }, movableBuffers(Object.values(wire)));
      });
    },
    async release() {
      if (!stopped) {
        await new Promise<void>((resolve) => {
          releasing = resolve;
          send({ kind: 'release' });
        });
      }
      stop('released');
      end();
    },
  };
  return {
    session,
    provider: answer.provider,
    attempts: answer.attempts,
    graphCache: answer.graphCache,
  };
}

/** Data the worker may take: a typed array that is its whole buffer moves; a part is copied. */
function movableData(data: ort.Tensor.DataType): ort.Tensor.DataType {
  if (!ArrayBuffer.isView(data)) return data;
  const whole =
    data.buffer instanceof ArrayBuffer &&
    data.byteOffset === 0 &&
    data.byteLength === data.buffer.byteLength;
  return whole ? data : (data.slice() as ort.Tensor.DataType);
}
