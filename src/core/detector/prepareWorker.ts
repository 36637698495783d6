/**
 * Worker thread of {@link createImagePreparer}: reads, decodes and preprocesses images into
 * network input, off the thread that runs ONNX Runtime (whose `run` holds its thread until the
 * model is done), so the next image is ready when inference is free.
 */
import os from 'node:os';
import { parentPort } from 'node:worker_threads';
import { prepareImage, type PrepareReply, type PrepareRequest } from './prepareImage';

// Lowest priority: the worker then runs where ONNX Runtime leaves a core idle (between operators
// and between runs) instead of preempting an inference thread, which stalls every operator's
// barrier (measured on 2 cores: 0.70–0.79× bare → 0.80–0.85× in the same interleaved runs). Only
// on Linux, where the nice value belongs to the calling thread; elsewhere it would be the whole
// process's.
if (process.platform === 'linux') {
  try {
    os.setPriority(19);
  } catch {
    // Not permitted in some sandboxes: the worker simply keeps the normal priority.
  }
}
const port = parentPort;
if (!port) throw new Error('prepareWorker runs as a worker thread');
port.on('message', (request: PrepareRequest) => {
  void prepareImage(request.file, request.spec).then((prepared) => {
    const reply: PrepareReply = { id: request.id, prepared };
    // The tensor moves to the main thread without a copy (preprocess allocates a plain buffer).
    const buffer = 'error' in prepared ? undefined : prepared.pre.data.buffer;
    port.postMessage(reply, buffer instanceof ArrayBuffer ? [buffer] : []);
  });
});
