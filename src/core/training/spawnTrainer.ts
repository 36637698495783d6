/**
 * Starts a training worker in its own process and speaks the protocol to it. Under Node the
 * worker is `child_process.fork` of `src/worker/trainWorker.ts` (through tsx, as the CLI runs);
 * the Electron main process passes its own `spawn` (utilityProcess.fork), since core never
 * imports electron.
 */
import { fork } from 'node:child_process';
import path from 'node:path';
import { packageRoot, tsxExecArgv } from '../packageRoot';
import {
  FromWorkerSchema,
  type FromWorker,
  type ToWorker,
  type TrainJob,
} from '../../shared/training/protocol';

/** The parent's view of a spawned worker process. */
export interface WorkerChannel {
  send(message: ToWorker): void;
  onMessage(handler: (message: unknown) => void): void;
  onExit(handler: (code: number | null) => void): void;
  kill(): void;
  pid: number | undefined;
}

export type SpawnWorker = (entry: string) => WorkerChannel;

/** The worker's entry file (found from the package root: this module may run from a bundle). */
export function trainWorkerEntry(): string {
  return path.join(packageRoot(), 'src', 'worker', 'trainWorker.ts');
}

export const forkWorker: SpawnWorker = (entry) => {
  const child = fork(entry, [], {
    execArgv: tsxExecArgv(),
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return {
    send: (m) => {
      if (child.connected) child.send(m);
    },
    onMessage: (h) => child.on('message', h),
    onExit: (h) => child.on('exit', (code) => h(code)),
    kill: () => child.kill('SIGKILL'),
    pid: child.pid,
  };
};

/** The worker ended without a result and without reporting an error (killed, crashed). */
export class WorkerExitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WorkerExitError';
  }
}

export interface TrainerHandle {
  /** Stop after the current step. */
  cancel(): void;
  /** Ends the worker at once (a crash, as far as the run can tell). */
  kill(): void;
  pid: number | undefined;
  /** The final `done` message, or rejects with the worker's error / unexpected exit. */
  finished: Promise<Extract<FromWorker, { type: 'done' }>>;
}

export function spawnTrainer(
  job: TrainJob,
  onMessage: (message: FromWorker) => void,
  spawn: SpawnWorker = forkWorker,
): TrainerHandle {
  const worker = spawn(trainWorkerEntry());
  let error: string | null = null;
  let done: Extract<FromWorker, { type: 'done' }> | null = null;
  const finished = new Promise<Extract<FromWorker, { type: 'done' }>>((resolve, reject) => {
    worker.onMessage((raw) => {
      const parsed = FromWorkerSchema.safeParse(raw);
      if (!parsed.success) {
        error = `training worker sent an invalid message: ${JSON.stringify(raw).slice(0, 200)}`;
        return;
      }
      const m = parsed.data;
      if (m.type === 'error') error = m.message;
      if (m.type === 'done') done = m;
      onMessage(m);
    });
    worker.onExit((code) => {
      if (done) resolve(done);
      else if (error) reject(new Error(error));
      else
        reject(
          new WorkerExitError(`training worker exited (code ${code ?? 'signal'}) before finishing`),
        );
    });
  });
  worker.send({ type: 'start', job });
  return {
    cancel: () => worker.send({ type: 'cancel' }),
    kill: () => worker.kill(),
    pid: worker.pid,
    finished,
  };
}
