// Starts one of the detector's worker threads from the TypeScript sources (tests, `tsx` runs):
// a worker thread does not take tsx's loader through `--import` in its execArgv on Node 20, so
// the loader is registered here, in the worker, before the entry is imported.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.sourceWorkerEntry);
