/**
 * The training page's actions: open it, start, stop and resume a training job, follow its
 * events, and "Pre-annotate with it" (select the trained model, detect the project's images
 * that are not reviewed). Everything goes through the contract (trainingContract.ts, jobs).
 */
import type { BackendEvent } from '../../../shared/api/contract';
import { api } from '../api';
import { loadJobs } from '../actions/jobs';
import { describeError, done, plural } from '../actions/run';
import { getState, setState } from '../state/store';
import { getTraining, setTraining, type TrainingForm } from './trainingStore';

const DEFAULT_BASE = 'ssd-mobilenetv1-face';

function fail(action: string, err: unknown): void {
  setTraining({ error: `${action}: ${describeError(err).message}` });
}

export function setTrainingOpen(open: boolean): void {
  setTraining({ open });
  if (open) void loadTraining();
}

export function toggleTraining(): void {
  setTrainingOpen(!getTraining().open);
}

export function setForm(patch: Partial<TrainingForm>): void {
  setTraining({ form: { ...getTraining().form, ...patch } });
}

/** The newest training job (or the followed one) with its stored curves. */
export async function loadTraining(): Promise<void> {
  const t = getTraining();
  const models = getState().appInfo?.models ?? [];
  const base =
    t.form.base ||
    (models.some((m) => m.name === DEFAULT_BASE) ? DEFAULT_BASE : (models[0]?.name ?? ''));
  try {
    const view = await api.getTraining({
      ...(t.jobId ? { jobId: t.jobId } : {}),
      ...(base ? { base } : {}),
    });
    const job = view.job;
    setTraining({
      view,
      form: { ...getTraining().form, base },
      jobId: job ? String(job.id) : null,
      steps: view.metrics?.steps ?? [],
      epochs: view.metrics?.epochs ?? [],
      model: view.metrics?.model ?? null,
      running: job?.state === 'running',
      done: job?.done ?? 0,
      total: job?.total ?? 0,
      error: null,
    });
  } catch (err) {
    fail('load training', err);
  }
}

export async function startTraining(): Promise<void> {
  const { form } = getTraining();
  const maxImages = Number(form.maxImages);
  try {
    const r = await api.startTraining({
      base: form.base,
      ...(form.name.trim() ? { name: form.name.trim() } : {}),
      mode: form.mode === 'full' && !getTraining().view?.fullMode.available ? 'heads' : form.mode,
      epochs: form.epochs,
      augmentation: form.augmentation,
      ...(form.maxImages && Number.isInteger(maxImages) && maxImages > 0 ? { maxImages } : {}),
    });
    setTraining({
      jobId: r.jobId,
      running: true,
      stopping: false,
      steps: r.resumed ? getTraining().steps : [],
      epochs: r.resumed ? getTraining().epochs : [],
      model: null,
      comparison: null,
      etaSeconds: null,
      error: null,
    });
    done(r.resumed ? `Continuing training ${r.name}` : `Training ${r.name}…`);
    await loadTraining();
    void loadJobs();
  } catch (err) {
    fail('start training', err);
  }
}

export async function stopTraining(): Promise<void> {
  const { jobId } = getTraining();
  if (!jobId) return;
  setTraining({ stopping: true });
  try {
    await api.stopTraining({ jobId });
  } catch (err) {
    setTraining({ stopping: false });
    fail('stop training', err);
  }
}

export async function resumeTraining(): Promise<void> {
  const { jobId } = getTraining();
  if (!jobId) return;
  try {
    await api.resumeJob({ jobId });
    setTraining({ running: true, stopping: false, error: null });
    void loadJobs();
  } catch (err) {
    fail('resume training', err);
  }
}

/** Base vs trained on the test split. */
export async function compareTrained(): Promise<void> {
  const { jobId } = getTraining();
  if (!jobId) return;
  setTraining({ comparing: true });
  try {
    setTraining({ comparison: await api.compareTrained({ jobId }) });
  } catch (err) {
    fail('compare models', err);
  } finally {
    setTraining({ comparing: false });
  }
}

/** One click: the trained model in the picker, and detection on every image not reviewed. */
export async function preAnnotateWith(model: string): Promise<void> {
  try {
    setState({ model });
    const ids: number[] = [];
    const limit = 500;
    for (let offset = 0; ; offset += limit) {
      const page = await api.listImages({ offset, limit });
      for (const item of page.items) ids.push(item.id);
      if (page.items.length < limit || offset + limit >= page.total) break;
    }
    if (ids.length === 0) return done('No images to pre-annotate');
    // Reviewed images are skipped by the job (includeReviewed is not set).
    const { jobId } = await api.detectImages({ imageIds: ids, model });
    setState({
      job: {
        jobId,
        done: 0,
        total: ids.length,
        failed: 0,
        startedAt: performance.now(),
        rate: null,
        etaSeconds: null,
        phase: 'detect',
        cancelling: false,
      },
    });
    setTraining({ open: false });
    done(`Pre-annotating ${plural(ids.length, 'image')} with ${model} (reviewed images skipped)…`);
    void loadJobs();
  } catch (err) {
    fail('pre-annotate', err);
  }
}

/** The models the picker lists, read again (a trained model was registered). */
async function reloadModels(): Promise<void> {
  const appInfo = await api.getAppInfo({});
  setState({ appInfo });
}

/** Events of training jobs (detect.ts hands them here); false for any other event. */
export function handleTrainingEvent(event: BackendEvent): boolean {
  if (!('kind' in event) || event.kind !== 'train') return false;
  const t = getTraining();
  const mine = t.jobId === null || t.jobId === event.jobId;
  if (event.type === 'job-progress') {
    if (!mine) return true;
    const step = event.train?.step;
    const epoch = event.train?.epoch;
    setTraining({
      jobId: event.jobId,
      running: true,
      done: event.done,
      total: event.total,
      etaSeconds: event.etaSeconds ?? null,
      ...(step
        ? {
            // A resumed epoch starts again at step 1: its older points give way.
            steps: [
              ...(step.step === 1 ? t.steps.filter((s) => s.epoch < step.epoch) : t.steps),
              step,
            ],
          }
        : {}),
      ...(epoch ? { epochs: [...t.epochs.filter((e) => e.epoch < epoch.epoch), epoch] } : {}),
    });
    return true;
  }
  if (event.type === 'job-done') {
    if (mine) {
      setTraining({
        running: false,
        stopping: false,
        etaSeconds: null,
        model: event.model ?? null,
      });
      done(
        `Training ${event.state === 'paused' ? 'stopped' : 'finished'}` +
          (event.model ? `: model ${event.model} registered` : ': no epoch finished, no model yet'),
      );
    }
    void reloadModels();
    void loadJobs();
    if (getTraining().open) void loadTraining();
    return true;
  }
  if (event.type === 'job-error') {
    if (mine) setTraining({ running: false, stopping: false, error: event.message });
    void loadJobs();
    if (getTraining().open) void loadTraining();
    return true;
  }
  return true;
}
