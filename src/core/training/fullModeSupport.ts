/**
 * Where `--mode full` (the whole network) may run: on a native tfjs backend only. tfjs wasm has
 * no Conv2DBackpropFilter (tfjs #8474), so no convolution filter trains there; the pure-JS cpu
 * backend computes it but needs minutes per step of the 512² face SSD. One rule for every shell:
 * the CLI and the app ask {@link fullModeAvailability} before starting (it only looks for the
 * package, so the app's main process never loads libtensorflow), the worker checks the backend
 * it actually got with {@link fullModeBackendProblem}.
 *
 * {@link FULL_MODE_CPU_ENV}=1 lets full mode run on the cpu backend: for tests only (this
 * project's machines cannot install the native backend offline), never a way to train.
 */
import { createRequire } from 'node:module';
import { NATIVE_TF_PACKAGES } from './nativeTfPackages';

export const FULL_MODE_CPU_ENV = 'SHOTBOX_FULL_MODE_ON_CPU';

/** The backends a full run tries when none are asked: the native ones, then cpu (refused there without the override). */
export const FULL_MODE_BACKENDS = ['tensorflow-gpu', 'tensorflow', 'cpu'] as const;

const NEEDS = `--mode full trains every convolution and needs a native tfjs backend: install ${NATIVE_TF_PACKAGES['tensorflow-gpu']} (NVIDIA GPU) or ${NATIVE_TF_PACKAGES.tensorflow} (npm install ${NATIVE_TF_PACKAGES.tensorflow}; it downloads libtensorflow)`;
const WHY =
  'tfjs wasm has no Conv2DBackpropFilter and the pure-JS cpu backend needs minutes per step; --mode heads or extras train on the CPU';

function cpuOverride(): boolean {
  return process.env[FULL_MODE_CPU_ENV] === '1';
}

/** Whether a package can be found from here (a parameter so tests can name absent ones). */
export type PackageProbe = (name: string) => boolean;

const defaultProbe: PackageProbe = (name) => {
  try {
    createRequire(import.meta.url).resolve(name);
    return true;
  } catch {
    return false;
  }
};

export type FullModeAvailability =
  { available: true; via: string } | { available: false; reason: string };

/** Whether full mode can run here, and on what (or why not, naming the package to install). */
export function fullModeAvailability(probe: PackageProbe = defaultProbe): FullModeAvailability {
  const found = Object.values(NATIVE_TF_PACKAGES).find((pkg) => probe(pkg));
  if (found) return { available: true, via: found };
  if (cpuOverride())
    return { available: true, via: `the cpu backend (${FULL_MODE_CPU_ENV}=1, tests only)` };
  return { available: false, reason: `${NEEDS}; ${WHY}` };
}

/** Why full mode cannot train on tfjs backend `backend` (as tf.getBackend() names it), or null. */
export function fullModeBackendProblem(backend: string): string | null {
  if (backend === 'tensorflow') return null;
  if (backend === 'cpu' && cpuOverride()) return null;
  return `${NEEDS}; this run got tfjs ${backend} (${WHY})`;
}
