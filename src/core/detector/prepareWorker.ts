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
// Then lowest priority, for this thread and libvips' decoding threads: they then run where ONNX
// Runtime leaves a core idle (between operators and between runs) instead of preempting an
// inference thread, which stalls every operator's barrier (measured on 2 cores: 0.70–0.79× bare
// → 0.80–0.85× for this thread alone, in the same interleaved runs). Not before: at start-up,
// the first image waits for this thread's modules, which would wait for every other thread.
void loadDecoder()
  .catch(() => undefined)
  .finally(() => lowerThisThread());
const lowerLibvipsThreads = createLibvipsThreadLowerer();
const port = parentPort;
if (!port) throw new Error('prepareWorker runs as a worker thread');
port.on('message', (request: PrepareRequest) => {
  const reuse = request.reuse ? new Float32Array(request.reuse) : undefined;
  void prepareImageInTurn(request.file, request.spec, reuse, request.admit).then((prepared) => {
    lowerLibvipsThreads();
    const reply: PrepareReply = { id: request.id, prepared };
    // The tensor moves to the main thread without a copy (preprocess allocates a plain buffer).
    const buffer = 'error' in prepared ? undefined : prepared.pre.data.buffer;
    port.postMessage(reply, buffer instanceof ArrayBuffer ? [buffer] : []);
  });
});
