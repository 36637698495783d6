import { api } from '../api';
import { getState, setState } from '../state/store';
import { done, perform } from './run';
import { setTraining } from '../training/trainingStore';

/** The jobs panel: the project's persistent jobs, and continuing, pausing or stopping them. */

export async function loadJobs(): Promise<void> {
  if (!getState().project) return;
  // A refresh (after every job event, on opening the panel): it must not clear a job's failure
  // notice that arrived just before it.
  const jobs = await perform('list jobs', () => api.listJobs({}), {
    retryable: false,
    background: true,
  });
  if (jobs) setState({ jobs });
}

export function setJobsOpen(open: boolean): void {
  setState({ jobsOpen: open });
  if (open) void loadJobs();
}

/** The files that failed in a job, by name and reason. */
export async function loadJobFailures(jobId: number): Promise<void> {
  const job = await perform('show failed files', () => api.getJob({ jobId: String(jobId) }));
  if (job) setState({ jobFailures: { ...getState().jobFailures, [jobId]: job.failures } });
}

/** Marks a started job as the one the top bar follows. */
function follow(jobId: string, total: number): void {
  setState({
    job: {
      jobId,
      done: 0,
      total,
      failed: 0,
      startedAt: performance.now(),
      rate: null,
      etaSeconds: null,
      phase: 'detect',
      cancelling: false,
    },
  });
}

export async function resumeJob(jobId: number): Promise<void> {
  const r = await perform('resume job', () => api.resumeJob({ jobId: String(jobId) }));
  if (!r) return;
  const job = getState().jobs.find((j) => j.id === jobId);
  // A training job's progress is the training page's (its events go there), not the top bar's.
  if (job?.kind === 'train') setTraining({ jobId: r.jobId, running: true, stopping: false });
  else follow(r.jobId, job?.total ?? 0);
  done(`Resumed job ${jobId}`);
  await loadJobs();
}

export async function pauseJob(jobId: number): Promise<void> {
  await perform('pause job', () => api.pauseJob({ jobId: String(jobId) }));
}

export async function cancelJobById(jobId: number): Promise<void> {
  const job = getState().job;
  if (job?.jobId === String(jobId)) setState({ job: { ...job, cancelling: true } });
  await perform('cancel job', () => api.cancelJob({ jobId: String(jobId) }));
  await loadJobs();
}

/** "Detect folder…": imports a folder under the image root and detects it, as one job. */
export async function detectFolder(folder: string, includeReviewed: boolean): Promise<boolean> {
  const s = getState();
  const r = await perform('detect folder', () =>
    api.detectFolder({
      folder,
      ...(s.model ? { model: s.model } : {}),
      ...(includeReviewed ? { includeReviewed } : {}),
    }),
  );
  if (!r) return false;
  follow(r.jobId, 0);
  done(r.resumed ? `Continuing job ${r.jobId} on ${folder}` : `Detecting ${folder}…`);
  await loadJobs();
  return true;
}
