/**
 * The tfjs backend a training run uses: the first of tfjs-node-gpu → tfjs-node → wasm → cpu that
 * loads. The native packages are not dependencies (they download libtensorflow at install, which
 * fails offline): they are used when the user installed one, and detected here at run time.
 * Every skipped backend is reported with its reason, so the log says why training is slow.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { NATIVE_TF_PACKAGES } from './nativeTfPackages';

export const TF_BACKENDS = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;
export type TfBackendName = (typeof TF_BACKENDS)[number];

export interface TfBackendAttempt {
  backend: TfBackendName;
  ok: boolean;
  reason?: string;
}

export interface TfBackendChoice {
  backend: TfBackendName;
  attempts: TfBackendAttempt[];
}

/** The npm package that provides each native backend. */
const NATIVE_PACKAGES: Partial<Record<TfBackendName, string>> = NATIVE_TF_PACKAGES;

/** Loader of an optional package; a parameter so tests can name packages that are absent. */
export type PackageLoader = (name: string) => Promise<unknown>;

const defaultLoader: PackageLoader = (name) => import(name);

/**
 * Selects the first backend of `chain` that works. Throws only when none does.
 * `SHOTBOX_TF_BACKENDS` (comma list) overrides the chain.
 */
export async function selectTfBackend(
  chain: readonly TfBackendName[] = envChain() ?? TF_BACKENDS,
  load: PackageLoader = defaultLoader,
): Promise<TfBackendChoice> {
  const attempts: TfBackendAttempt[] = [];
  for (const backend of chain) {
    try {
      const pkg = NATIVE_PACKAGES[backend];
      if (pkg) {
        // tfjs-node registers the 'tensorflow' backend on import (the GPU build too).
        await load(pkg);
        if (!(await tf.setBackend('tensorflow'))) throw new Error(`${pkg} did not register`);
      } else {
        if (backend === 'wasm') setWasmPaths(wasmDir());
        if (!(await tf.setBackend(backend))) throw new Error(`tfjs could not start ${backend}`);
      }
      await tf.ready();
      attempts.push({ backend, ok: true });
      return { backend, attempts };
    } catch (err) {
      const message = (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
      const reason = /Cannot find (module|package)/.test(message)
        ? `${NATIVE_PACKAGES[backend] ?? backend} is not installed`
        : message;
      attempts.push({ backend, ok: false, reason });
    }
  }
  const summary = attempts.map((a) => `${a.backend}: ${a.reason}`).join('; ');
  throw new Error(`no tfjs backend could start (${summary})`);
}

/** One line for logs: "wasm (tensorflow-gpu: … not installed; tensorflow: … not installed)". */
export function describeBackend(choice: TfBackendChoice): string {
  const skipped = choice.attempts.filter((a) => !a.ok);
  return skipped.length
    ? `${choice.backend} (skipped ${skipped.map((a) => `${a.backend}: ${a.reason}`).join('; ')})`
    : choice.backend;
}

export function parseTfBackendList(text: string): TfBackendName[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => {
      if (!(TF_BACKENDS as readonly string[]).includes(s))
        throw new Error(`unknown tfjs backend '${s}' (known: ${TF_BACKENDS.join(', ')})`);
      return s as TfBackendName;
    });
}

function envChain(): TfBackendName[] | undefined {
  const text = process.env.SHOTBOX_TF_BACKENDS;
  return text ? parseTfBackendList(text) : undefined;
}

function wasmDir(): string {
  const require = createRequire(import.meta.url);
  const pkg = require.resolve('@tensorflow/tfjs-backend-wasm/package.json');
  return path.join(path.dirname(pkg), 'dist') + path.sep;
}

/**
 * Whether a native tfjs backend (the GPU build first) loads here: what training every
 * convolution (`--mode full`) would need. `reason` says why none did.
 */
export async function nativeTfBackendAvailable(
  load: PackageLoader = defaultLoader,
): Promise<{ available: true; package: string } | { available: false; reason: string }> {
  const reasons: string[] = [];
  for (const pkg of Object.values(NATIVE_PACKAGES)) {
    try {
      await load(pkg);
      return { available: true, package: pkg };
    } catch (err) {
      const message = (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
      reasons.push(
        /Cannot find (module|package)/.test(message) ? `${pkg} is not installed` : message,
      );
    }
  }
  return { available: false, reason: reasons.join('; ') };
}
