/** The npm packages that provide tfjs's native backends (the GPU build first). */
export const NATIVE_TF_PACKAGES = {
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
  tensorflow: '@tensorflow/tfjs-node',
} as const;
