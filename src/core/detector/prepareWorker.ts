/**
 * Worker thread of {@link createImagePreparer}: reads, decodes and preprocesses images into
 * network input, off the thread that runs ONNX Runtime (whose `run` holds its thread until the
 * model is done), so the next image is ready when inference is free.
 */
import { parentPort } from 'node:worker_threads';
import { loadDecoder } from '../image/decode';
import { prepareImageInTurn, type PrepareReply, type PrepareRequest } from './prepareImage';
import { createLibvipsThreadLowerer, lowerThisThread } from './threadPriority';

// Loaded while the main thread loads the model, not when the first image arrives. A decoder that
// cannot load fails each image with its reason (prepareImage), not this thread.
void loadDecoder().catch(() => undefined);
// The lowest priority, for this thread and libvips' decoding threads, once a request asks for it
// (the batch's sessions decide, see prepareAtLowPriority): then they run where ONNX Runtime leaves
// a core idle instead of preempting one of its threads. Never at start-up, where the first image
// waits for this thread's modules. A thread's priority is not raised again.
let lowered = false;
const lowerLibvipsThreads = createLibvipsThreadLowerer();
const port = parentPort;
if (!port) throw new Error('prepareWorker runs as a worker thread');
port.on('message', (request: PrepareRequest) => {
  if (request.lowPriority && !lowered) lowered = lowerThisThread();
  const reuse = request.reuse ? new Float32Array(request.reuse) : undefined;
  void prepareImageInTurn(request.file, request.spec, reuse, request.admit).then((prepared) => {
    if (lowered) lowerLibvipsThreads();
    const reply: PrepareReply = { id: request.id, prepared };
    // The tensor moves to the main thread without a copy (preprocess allocates a plain buffer).
    const buffer = 'error' in prepared ? undefined : prepared.pre.data.buffer;
    port.postMessage(reply, buffer instanceof ArrayBuffer ? [buffer] : []);
  });
});
