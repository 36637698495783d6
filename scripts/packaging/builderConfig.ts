import type { Configuration } from 'electron-builder';
import { applyFuses, EXECUTABLE_NAME } from './fuses';

/**
 * How Shotbox is packaged (electron-builder; `npm run package`). The app is the electron-vite
 * build (out/) inside app.asar; native modules are unpacked beside it (they cannot load from an
 * archive); the bundled model manifests and ONNX files go to resources/models, which main points
 * SHOTBOX_MODELS_DIR at. The fuses are flipped by `applyFuses` after packing, before signing, so
 * the signature and the embedded ASAR hash cover the final binary.
 */
export const builderConfig = {
  appId: 'dev.shotbox.workbench',
  productName: 'Shotbox',
  executableName: EXECUTABLE_NAME,
  directories: { output: 'dist', buildResources: 'resources/build' },
  files: [
    'out/main/**',
    'out/preload/**',
    'out/renderer/**',
    // The detector's worker threads (workerThreads.ts) and the chunks they import: without them
    // the app's batches decode and infer on the main process's thread (same results, slower).
    // Electron ≥ 18 loads worker scripts from the ASAR archive.
    'out/cli/prepareWorker.mjs',
    'out/cli/inferenceWorker.mjs',
    'out/cli/chunks/**',
    'package.json',
    '!**/*.map',
  ],
  asar: true,
  asarUnpack: ['**/*.node', 'node_modules/sharp/**', 'node_modules/@img/**'],
  extraResources: [{ from: 'resources/models', to: 'models', filter: ['*.json', '*.onnx'] }],
  // Fuses through @electron/fuses in afterPack (not electron-builder's electronFuses, so the
  // list lives in one typed place that a test reads).
  electronFuses: null,
  afterPack: applyFuses,
  npmRebuild: true,
  linux: { target: ['AppImage', 'deb'], category: 'Graphics' },
  mac: { target: ['dmg'], category: 'public.app-category.developer-tools', hardenedRuntime: true },
  win: { target: ['nsis'] },
} satisfies Configuration;
