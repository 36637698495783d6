import type ort from 'onnxruntime-node';

/**
 * ONNX Runtime, loaded when first needed: its native part takes ~50 ms to load, which a thread
 * that never makes a session (the CLI's main thread when the model runs in its worker) skips.
 * The namespace's `default` is the package under Node's interop; tsx hands the package itself.
 */
export async function loadOrt(): Promise<typeof ort> {
  const mod = (await import('onnxruntime-node')) as { default?: typeof ort } & typeof ort;
  return mod.default ?? mod;
}
