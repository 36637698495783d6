/**
 * Worker thread of {@link createImagePreparer}: reads, decodes and preprocesses images into
 * network input, off the thread that runs ONNX Runtime (whose `run` holds its thread until the
 * model is done), so the next image is ready when inference is free.
 */
import { parentPort } from 'node:worker_threads';
import { prepareImage, type PrepareReply, type PrepareRequest } from './prepareImage';

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
