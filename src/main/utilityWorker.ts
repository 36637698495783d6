/**
 * The training worker under Electron: `utilityProcess.fork` of the worker bundle (electron-vite
 * builds src/worker/trainWorker.ts as its own entry beside main's, out/main/trainWorker.js), behind the
 * same channel as `child_process.fork` (src/core/training/spawnTrainer.ts), so the job and the
 * protocol do not know which process model runs them. The worker's side is src/worker/workerPort.ts.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { utilityProcess } from 'electron';
import type { SpawnWorker } from '../core/training/spawnTrainer';
import type { ToWorker } from '../shared/training/protocol';

/** The worker bundle, beside main's own (electron.vite.config.ts builds both). */
const trainWorkerPath = path.join(path.dirname(fileURLToPath(import.meta.url)), 'trainWorker.js');

export const utilityWorker: SpawnWorker = () => {
  const child = utilityProcess.fork(trainWorkerPath, [], {
    serviceName: 'Shotbox training',
    stdio: 'inherit',
  });
  // Messages sent before the process is up wait for it; none are sent after it ended.
  let state: 'starting' | 'running' | 'exited' = 'starting';
  const queued: ToWorker[] = [];
  child.once('spawn', () => {
    state = 'running';
    for (const m of queued.splice(0)) child.postMessage(m);
  });
  const channel = {
    send(message: ToWorker): void {
      if (state === 'running') child.postMessage(message);
      else if (state === 'starting') queued.push(message);
    },
    onMessage(handler: (message: unknown) => void): void {
      child.on('message', handler);
    },
    onExit(handler: (code: number | null) => void): void {
      child.on('exit', (code) => {
        state = 'exited';
        handler(code);
      });
    },
    kill(): void {
      child.kill();
    },
    get pid(): number | undefined {
      return child.pid;
    },
  };
  return channel;
};
