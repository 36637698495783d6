import { isMainThread } from 'node:worker_threads';

/** The variable ONNX Runtime reads to turn its telemetry off: 1 does; 0, as unset, leaves it on. */
export const ORT_TELEMETRY_VARIABLE = 'ORT_DISABLE_TELEMETRY';

/**
 * Keeps ONNX Runtime's telemetry off in this process, unless the person set
 * `ORT_DISABLE_TELEMETRY` themselves. Since 1.30 its Linux build records an event per session
 * (a device id, the OS, the library version, memory and CPU use, run counts) in
 * `~/.cache/Microsoft/DeveloperTools/.onnxruntime/onnxruntime.db`, queued for upload to
 * Microsoft's event collector: 3,089 events and 2.6 MB after half an hour of batches and tests
 * here. Shotbox works on people's own images, offline, and says nothing of the kind. (It records
 * nothing where a CI variable such as `CI` is set, so CI never shows it.)
 *
 * The library reads the process environment when its first session is created, in whatever
 * thread. A worker thread's `process.env` is its own copy, not the process's, so this acts on the
 * main thread only: every entry point calls it, and so does whatever starts a worker thread or
 * loads ONNX Runtime (on the main thread), before any session exists. Child processes (the
 * training worker) inherit the variable.
 */
export function keepOrtTelemetryOff(env: NodeJS.ProcessEnv = process.env): void {
  if (!isMainThread || env[ORT_TELEMETRY_VARIABLE] !== undefined) return;
  env[ORT_TELEMETRY_VARIABLE] = '1';
}
