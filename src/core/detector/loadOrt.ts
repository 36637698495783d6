import type ort from 'onnxruntime-node';
import { requireOrt } from '../nativePackages';

/**
 * ONNX Runtime, loaded when first needed: its native part takes ~50 ms to load, which a thread
 * that never makes a session (the CLI's main thread when the model runs in its worker) skips.
 * Loaded with `require` (see nativePackages.ts); async so that callers need not change if it
 * ever has to be an `import` again.
 */
export async function loadOrt(): Promise<typeof ort> {
  return requireOrt();
}
