import { resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';

export default defineConfig({
  main: {
    build: {
      // Native and heavy packages stay in node_modules, loaded at run time.
      externalizeDeps: true,
      // The training worker is its own entry (out/main/trainWorker.js): main starts it with
      // utilityProcess.fork (src/main/utilityWorker.ts) and never imports it.
      rollupOptions: {
        input: {
          index: resolve('src/main/index.ts'),
          trainWorker: resolve('src/worker/trainWorker.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      rollupOptions: {
        input: { index: resolve('src/preload/index.ts') },
        // A sandboxed preload must be CommonJS.
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: 'src/renderer',
    plugins: [react()],
    build: {
      rollupOptions: { input: { index: resolve('src/renderer/index.html') } },
    },
  },
});
