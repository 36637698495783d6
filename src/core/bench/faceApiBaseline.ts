// face-api's own SSD-MobileNet-v1 face detector, run through its own tfjs pipeline: the reference
// our ONNX Runtime pipeline must agree with (DESIGN.md §4) and the baseline `shotbox bench` times.
//
// face-api ships a pure-JS Node build, dist/face-api.node-wasm.js (CommonJS), which requires
// @tensorflow/tfjs (cpu backend) and @tensorflow/tfjs-backend-wasm, and loads weights from disk
// with `loadFromDisk` (node:fs) — no fetch, no tfjs-node. That build is what this module loads.
import { createRequire } from 'node:module';
import path from 'node:path';
import type * as Tfjs from '@tensorflow/tfjs';
import type * as TfjsWasm from '@tensorflow/tfjs-backend-wasm';
import type * as FaceApi from '@vladmandic/face-api/dist/face-api.node-wasm.js';
import type { RgbImage } from '../image/decode';

/** tfjs backend face-api runs on. `wasm`: XNNPACK SIMD, single thread in Node; `cpu`: plain JS. */
export type FaceApiBackend = 'cpu' | 'wasm';

/** One face as face-api reports it. */
export interface FaceApiDetection {
  /** x1, y1, x2, y2 in original image pixels, exactly as face-api returns them. */
  box: [number, number, number, number];
  score: number;
}

export interface FaceApiDetectOptions {
  /** face-api's default is 0.5. */
  minConfidence?: number;
  /** face-api's default is 100. */
  maxResults?: number;
}

export interface FaceApiBaseline {
  /** The tfjs backend this baseline runs on (the one actually initialised). */
  backend: FaceApiBackend;
  /** Package versions, for reports and fixtures. */
  versions: { faceApi: string; tfjs: string };
  /** Detections in face-api's order (score descending, after NMS). */
  detect(image: RgbImage, options?: FaceApiDetectOptions): Promise<FaceApiDetection[]>;
  /** Live tfjs tensors in the process; flat across `detect` calls when nothing leaks. */
  liveTensors(): number;
  dispose(): void;
}

export interface LoadFaceApiBaselineOptions {
  /** Default: `wasm` (face-api's own pure-JS Node setup), falling back to `cpu` if wasm fails. */
  backend?: FaceApiBackend;
}

type FaceApiModule = typeof FaceApi;
// face-api's typings narrow `faceapi.tf` to the ops it uses, but at runtime it re-exports all of
// @tensorflow/tfjs and @tensorflow/tfjs-backend-wasm (the very instances face-api calls into).
type Tf = typeof Tfjs & Pick<typeof TfjsWasm, 'setWasmPaths'>;

interface Runtime {
  faceapi: FaceApiModule;
  tf: Tf;
  modelDir: string;
}

// tfjs keeps one global engine and face-api one global set of nets, so the runtime is shared by
// every baseline in the process and all work on it is serialised through one queue.
let runtime: Runtime | undefined;
let queue: Promise<unknown> = Promise.resolve();
let users = 0;

function exclusive<T>(work: () => Promise<T>): Promise<T> {
  const run = queue.then(work);
  queue = run.catch(() => undefined);
  return run;
}

function getRuntime(): Runtime {
  if (runtime) return runtime;
  const require = createRequire(import.meta.url);
  const entry = require.resolve('@vladmandic/face-api/dist/face-api.node-wasm.js');
  const faceapi = require(entry) as FaceApiModule;
  const tf = faceapi.tf as unknown as Tf; // see `Tf` above
  if (typeof tf.setWasmPaths !== 'function' || typeof tf.setBackend !== 'function') {
    throw new Error('face-api.node-wasm.js does not expose the tfjs wasm backend');
  }
  // Resolved from face-api's own location so it is the copy face-api requires. Must be set before
  // anything initialises the wasm backend; Node reads the .wasm files from this folder directly.
  const wasmFile = createRequire(entry).resolve(
    '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm',
  );
  tf.setWasmPaths(path.dirname(wasmFile) + path.sep);
  // Only silences tfjs's console warnings (the "install tfjs-node" banner on the cpu backend).
  tf.enableProdMode();
  runtime = { faceapi, tf, modelDir: path.join(path.dirname(entry), '..', 'model') };
  return runtime;
}

async function activate(rt: Runtime, backend: FaceApiBackend): Promise<boolean> {
  if (rt.tf.getBackend() === backend) return true;
  // Weights created on another backend are moved over by tfjs on first use.
  return rt.tf.setBackend(backend);
}

/** Loads face-api's SSD-MobileNet-v1 from the installed package's model folder. */
export async function loadFaceApiBaseline(
  options: LoadFaceApiBaselineOptions = {},
): Promise<FaceApiBaseline> {
  const rt = getRuntime();
  const { faceapi, tf } = rt;
  const net = faceapi.nets.ssdMobilenetv1;

  const backend = await exclusive(async (): Promise<FaceApiBackend> => {
    const wanted = options.backend ?? 'wasm';
    let chosen: FaceApiBackend = wanted;
    if (!(await activate(rt, wanted))) {
      if (options.backend !== undefined || !(await activate(rt, 'cpu'))) {
        throw new Error(`tfjs backend '${wanted}' failed to initialise for face-api`);
      }
      chosen = 'cpu';
    }
    if (!net.isLoaded) await net.loadFromDisk(rt.modelDir);
    users += 1;
    return chosen;
  });

  let disposed = false;
  return {
    backend,
    versions: { faceApi: faceapi.version, tfjs: tf.version_core },

    detect(image, detectOptions = {}) {
      if (disposed) return Promise.reject(new Error('face-api baseline is disposed'));
      const { width, height, data } = image;
      if (data.length !== width * height * 3) {
        return Promise.reject(
          new Error(`RGB image of ${width}×${height} needs ${width * height * 3} bytes`),
        );
      }
      // Leave face-api's defaults to face-api when the caller gives none.
      const ssdOptions: { minConfidence?: number; maxResults?: number } = {};
      if (detectOptions.minConfidence !== undefined) {
        ssdOptions.minConfidence = detectOptions.minConfidence;
      }
      if (detectOptions.maxResults !== undefined) ssdOptions.maxResults = detectOptions.maxResults;

      return exclusive(async () => {
        if (!(await activate(rt, backend))) throw new Error(`tfjs backend '${backend}' is gone`);
        // int32 HWC, as tf.node.decodeImage would give face-api; every step after this
        // (pad to square, resize, normalise, NMS, box scaling) is face-api's own.
        const input = tf.tensor3d(Int32Array.from(data), [height, width, 3], 'int32');
        try {
          const faces = await faceapi.detectAllFaces(
            // face-api's own `tf` typings declare a structurally identical Tensor3D class.
            input as unknown as FaceApi.tf.Tensor3D,
            new faceapi.SsdMobilenetv1Options(ssdOptions),
          );
          return faces.map((face): FaceApiDetection => ({
            box: [face.box.left, face.box.top, face.box.right, face.box.bottom],
            score: face.score,
          }));
        } finally {
          input.dispose();
        }
      });
    },

    liveTensors() {
      return tf.memory().numTensors;
    },

    dispose() {
      if (disposed) return;
      disposed = true;
      // Queued behind any detect still running; the weights go with the last user.
      void exclusive(async () => {
        users -= 1;
        if (users === 0 && net.isLoaded) net.dispose();
      });
    },
  };
}
