import type { InputSpec } from '../../shared/models/manifest';
import {
  prepareImageInTurn,
  type AdmitRequest,
  type Prepared,
  type PrepareReply,
  type PrepareRequest,
} from './prepareImage';
import { adoptWorker, prewarmWorker } from './workerThreads';

/** Most tensors kept for reuse (about 3 MB each at 512²). */
const MAX_SPARE = 8;

/** Turns image files into network input; `close` when done. */
export interface ImagePreparer {
  /** With `admit`, the file is read as a new project image (see prepareImage). */
  prepare(file: string, admit?: AdmitRequest): Promise<Prepared>;
  /**
   * Hands back a prepared tensor the caller is done with (inference has returned), so a later
   * image is written into it instead of a new allocation. The caller must not touch it again.
   */
  recycle(data: Float32Array): void;
  /** 'worker' when a worker thread prepares the images, 'inline' when this thread does. */
  readonly where: 'worker' | 'inline';
  close(): Promise<void>;
}

/**
 * Starts the next batch's worker now: loading its modules takes ~250 ms, which a detect job
 * overlaps with its import and model load instead of waiting for it before the first image.
 */
export function prewarmImagePreparer(): void {
  prewarmWorker('prepareWorker');
}

/**
 * Prepares images in a worker thread, so decoding and the JavaScript resize overlap inference
 * (ONNX Runtime's `run` occupies the calling thread until it returns). Where no worker can be
 * started (no worker file in this build, `SHOTBOX_PREPARE_WORKER=0`), or the worker dies, images
 * are prepared on this thread instead: slower, same pixels. `lowPriority`: the worker's threads
 * yield to inference (see prepareAtLowPriority); this thread's never does.
 */
export function createImagePreparer(
  spec: InputSpec,
  options: { lowPriority?: boolean } = {},
): ImagePreparer {
  // Tensors handed back by `recycle`, for the next images (a few: the prefetch depth and more).
  const spare: Float32Array[] = [];
  const recycle = (data: Float32Array): void => {
    // Only a tensor that is its whole buffer: that buffer is what moves to the worker.
    const whole = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength;
    if (whole && data.byteLength > 0 && spare.length < MAX_SPARE) spare.push(data);
  };
  const inline: ImagePreparer = {
    where: 'inline',
    prepare: (file, admit) => prepareImageInTurn(file, spec, spare.pop(), admit),
    recycle,
    close: async () => {},
  };
  const worker = adoptWorker('prepareWorker');
  if (!worker) return inline;
  const pending = new Map<
    number,
    { file: string; admit: AdmitRequest | undefined; resolve: (p: Prepared) => void }
  >();
  let nextId = 0;
  let dead = false;
  // A worker that fails hands its unfinished images to this thread; nothing is lost.
  const fallBack = (): void => {
    if (dead) return;
    dead = true;
    for (const [id, p] of pending) {
      pending.delete(id);
      void prepareImageInTurn(p.file, spec, spare.pop(), p.admit).then(p.resolve);
    }
  };
  worker.on('message', (reply: PrepareReply) => {
    const p = pending.get(reply.id);
    if (!p) return;
    pending.delete(reply.id);
    if (pending.size === 0) worker.unref();
    p.resolve(reply.prepared);
  });
  worker.on('error', fallBack);
  worker.on('exit', fallBack);
  // An idle worker must not keep a finished process alive; one with work in flight must (the
  // caller awaits it).
  worker.unref();
  return {
    where: 'worker',
    prepare(file, admit) {
      if (dead) return prepareImageInTurn(file, spec, spare.pop(), admit);
      return new Promise<Prepared>((resolve) => {
        const id = nextId++;
        pending.set(id, { file, admit, resolve });
        worker.ref();
        // A spare tensor travels to the worker (moved, not copied) and comes back filled.
        const reuse = spare.pop()?.buffer;
        const request: PrepareRequest = {
          id,
          file,
          spec,
          ...(reuse instanceof ArrayBuffer ? { reuse } : {}),
          ...(admit ? { admit } : {}),
          ...(options.lowPriority ? { lowPriority: true } : {}),
        };
        worker.postMessage(request, reuse instanceof ArrayBuffer ? [reuse] : []);
      });
    },
    recycle,
    async close() {
      dead = true;
      // Not awaited: a worker stopped in the middle of a decode may finish its exit only when the
      // decode does, and an unref'd worker's exit keeps no event loop alive (a CLI awaiting it
      // would end under it). Unref'd, it holds nothing up while it stops.
      worker.unref();
      void worker.terminate().catch(() => undefined);
    },
  };
}
