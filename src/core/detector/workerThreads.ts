import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { packageRoot } from '../packageRoot';
import { keepOrtTelemetryOff } from './ortTelemetry';

/**
 * The detector's worker threads, each an entry of the CLI bundle (scripts/build-cli.mjs), which
 * the desktop app ships too (scripts/packaging/builderConfig.ts).
 */
export const WORKER_NAMES = ['prepareWorker', 'inferenceWorker'] as const;
export type WorkerName = (typeof WORKER_NAMES)[number];

/** Setting this variable to 0 keeps that work on the calling thread (same results, slower). */
const DISABLED_BY: Record<WorkerName, string> = {
  prepareWorker: 'SHOTBOX_PREPARE_WORKER',
  inferenceWorker: 'SHOTBOX_INFERENCE_WORKER',
};

/**
 * How to start a worker: the bundled `out/cli/<name>.mjs` when this code is a bundle, or its
 * source beside this file through `sourceWorker.mjs` (which registers tsx in the worker) when
 * running from the sources.
 */
function workerEntry(name: WorkerName): { url: URL; workerData?: unknown } | undefined {
  const here = import.meta.url;
  if (here.endsWith('.ts')) {
    const dir = path.dirname(fileURLToPath(here));
    const file = path.join(dir, `${name}.ts`);
    return existsSync(file)
      ? {
          url: pathToFileURL(path.join(dir, 'sourceWorker.mjs')),
          workerData: { sourceWorkerEntry: pathToFileURL(file).href },
        }
      : undefined;
  }
  try {
    const built = path.join(packageRoot(), 'out', 'cli', `${name}.mjs`);
    return existsSync(built) ? { url: pathToFileURL(built) } : undefined;
  } catch {
    return undefined;
  }
}

/** A new worker thread, or undefined where none can start (no entry file, turned off). */
export function startWorker(name: WorkerName): Worker | undefined {
  const entry = process.env[DISABLED_BY[name]] === '0' ? undefined : workerEntry(name);
  if (!entry) return undefined;
  // Before the worker exists: its ONNX Runtime reads the process's environment.
  keepOrtTelemetryOff();
  try {
    return new Worker(entry.url, { workerData: entry.workerData });
  } catch {
    return undefined;
  }
}

/** Workers started ahead by prewarmWorker, one per name, for the next user to take. */
const warm = new Map<WorkerName, { worker: Worker; failed: boolean; expiry: NodeJS.Timeout }>();

/**
 * Starts the next user's worker now, so loading its modules (a few hundred ms) overlaps other
 * start-up work instead of delaying the first image. Idle, it keeps no process alive; untaken
 * for a minute, it is stopped.
 */
export function prewarmWorker(name: WorkerName): void {
  if (warm.has(name)) return;
  const worker = startWorker(name);
  if (!worker) return;
  worker.unref();
  const entry = {
    worker,
    failed: false,
    expiry: setTimeout(() => {
      if (warm.get(name) !== entry) return;
      warm.delete(name);
      void worker.terminate().catch(() => undefined);
    }, 60_000).unref(),
  };
  // A worker that fails before it is taken is replaced when it is.
  const failed = (): void => {
    entry.failed = true;
  };
  worker.once('error', failed);
  worker.once('exit', failed);
  warm.set(name, entry);
}

/** The warm worker when there is a live one, else a new one (undefined: none can start). */
export function adoptWorker(name: WorkerName): Worker | undefined {
  const taken = warm.get(name);
  warm.delete(name);
  if (taken) {
    clearTimeout(taken.expiry);
    if (!taken.failed) return taken.worker;
    void taken.worker.terminate().catch(() => undefined);
  }
  return startWorker(name);
}
