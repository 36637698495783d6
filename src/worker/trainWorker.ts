/**
 * The training worker process: receives one `start`, runs the fine-tuning, reports progress,
 * metrics and the outcome, and stops between steps on `cancel` or when its parent goes away
 * (Ctrl+C goes to the parent, which asks for the stop: the worker ignores SIGINT so the step in
 * flight ends cleanly and the checkpoint stays whole).
 */
import {
  FromWorkerSchema,
  ToWorkerSchema,
  type FromWorker,
  type TrainJob,
} from '../shared/training/protocol';
import { ProjectDb } from '../core/db/projectDb';
import { resolveModel } from '../core/models/registry';
import { describeBackend, selectTfBackend } from '../core/training/tfBackend';
import { FULL_MODE_BACKENDS } from '../core/training/fullModeSupport';
import { trainHeads } from '../core/training/trainRun';
import { workerPort } from './workerPort';

const port = workerPort();
let cancelled = false;
let started = false;

function send(message: FromWorker): void {
  port.send(FromWorkerSchema.parse(message));
}

process.on('SIGINT', () => undefined);
port.onDisconnect(() => {
  cancelled = true;
});
port.onMessage((raw) => {
  const parsed = ToWorkerSchema.safeParse(raw);
  if (!parsed.success) {
    send({ type: 'error', message: `worker: unexpected message ${JSON.stringify(raw)}` });
    return;
  }
  const message = parsed.data;
  if (message.type === 'cancel') {
    cancelled = true;
    return;
  }
  if (started) {
    send({ type: 'error', message: 'worker: one training run per worker' });
    return;
  }
  started = true;
  run(message.job).then(
    () => process.exit(0),
    (err: unknown) => {
      send({ type: 'error', message: err instanceof Error ? err.message : String(err) });
      // Let the message flush before the process ends.
      setTimeout(() => process.exit(1), 50);
    },
  );
});

async function run(job: TrainJob): Promise<void> {
  // Full mode never lands on wasm (it cannot train convolutions); the run says why it stops.
  const backend = await selectTfBackend(
    job.backends ?? (job.settings.mode === 'full' ? FULL_MODE_BACKENDS : undefined),
  );
  send({ type: 'backend', backend: backend.backend, description: describeBackend(backend) });
  const project = ProjectDb.open(job.projectFile);
  try {
    const outcome = await trainHeads({
      project,
      base: resolveModel(job.base),
      out: job.out,
      settings: job.settings,
      events: {
        log: (m) => send({ type: 'log', message: m }),
        step: (r) => send({ type: 'step', ...r }),
        epoch: (r) => send({ type: 'epoch', report: r }),
        cancelled: () => cancelled,
      },
    });
    send({ type: 'done', ...outcome });
  } finally {
    project.close();
  }
}
