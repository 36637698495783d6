import { handleEvaluationEvent } from '../evaluation/evaluationActions';
import type { BackendEvent } from '../../../shared/api/contract';
import { api } from '../api';
import { getState, setState } from '../state/store';
import { loadClasses } from './classes';
import { allFilteredIds, applyImageStates, refreshList } from './imageList';
import { forgetCachedDetails, noteEdit, reloadCurrent } from './navigation';
import { loadJobs } from './jobs';
import { done, perform, plural } from './run';
import { handleTrainingEvent } from '../training/trainingActions';

/** Detection: one image now (with timings for the status bar), or many as a background job. */

export function setModel(model: string): void {
  setState({ model });
}

/** Runs the model on the open image; its boxes arrive as pending predictions. */
export async function detectCurrent(): Promise<void> {
  const s = getState();
  const imageId = s.current?.id;
  if (imageId === undefined || s.detecting) return;
  setState({ detecting: true });
  try {
    await perform(
      'detect image',
      async () => {
        noteEdit(imageId);
        const res = await api.detectImage({ imageId, ...(s.model ? { model: s.model } : {}) });
        const predicted = res.annotations.filter(
          (a) => a.origin === 'model' && a.review === 'pending',
        ).length;
        setState({
          lastDetection: {
            imageId,
            model: res.model,
            provider: res.provider,
            timings: res.timings,
            boxes: predicted,
          },
        });
        // The answer holds all the image's boxes; a model with new class names adds classes.
        noteEdit(imageId);
        const now = getState().current;
        if (now?.id === imageId) {
          setState({
            current: { ...now, annotations: res.annotations },
            selectedBoxIds: new Set(),
          });
        }
        if (res.annotations.some((a) => !getState().classes.some((c) => c.id === a.classId))) {
          await loadClasses();
        }
        await reloadCurrent();
        applyImageStates([res.image]);
        const total = Object.values(res.timings).reduce((a, b) => a + b, 0);
        const below = res.annotations.filter(
          (a) => a.review === 'pending' && a.score !== null && a.score < getState().threshold,
        ).length;
        done(
          `Detected ${plural(predicted, 'box')} in ${Math.round(total)} ms` +
            (res.merged ? `, ${res.merged} merged away (same as a box you decided on)` : '') +
            (below ? ` (${below} below the threshold, hidden)` : ''),
          true,
        );
      },
      { edit: true },
    );
  } finally {
    setState({ detecting: false });
  }
}

/** Runs the model over the selected images (two or more), else over every image of the filter. */
export async function detectBatch(): Promise<void> {
  const s = getState();
  if (s.job) return;
  await perform('start detection', async () => {
    const ids = s.selectedImageIds.size > 1 ? [...s.selectedImageIds] : await allFilteredIds();
    if (ids.length === 0) return done('No images to detect');
    const { jobId } = await api.detectImages({
      imageIds: ids,
      ...(s.model ? { model: s.model } : {}),
    });
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
    done(`Detecting ${plural(ids.length, 'image')}…`);
    void loadJobs();
  });
}

export async function cancelJob(): Promise<void> {
  const job = getState().job;
  if (!job) return;
  setState({ job: { ...job, cancelling: true } });
  await perform('cancel detection', () => api.cancelJob({ jobId: job.jobId }));
}

let lastRefresh = 0;
const REFRESH_EVERY_MS = 2000;

/** Backend events: job progress, completion, and changes made elsewhere (the CLI, a job). */
export function handleBackendEvent(event: BackendEvent): void {
  // The Evaluation page follows its own jobs.
  if (handleEvaluationEvent(event)) return;
  // Training jobs have their page (src/renderer/src/training).
  if (handleTrainingEvent(event)) return;
  const s = getState();
  switch (event.type) {
    case 'job-progress': {
      const now = performance.now();
      const prev = s.job?.jobId === event.jobId ? s.job : null;
      setState({
        job: {
          jobId: event.jobId,
          done: event.done,
          total: event.total,
          failed: event.failed,
          startedAt: prev?.startedAt ?? now,
          rate: event.rate ?? null,
          etaSeconds: event.etaSeconds ?? null,
          phase: event.phase === 'import' ? 'import' : 'detect',
          cancelling: prev?.cancelling ?? false,
        },
      });
      if (now - lastRefresh > REFRESH_EVERY_MS) {
        lastRefresh = now;
        forgetCachedDetails();
        refreshList();
      }
      return;
    }
    case 'job-done': {
      if (s.job && s.job.jobId !== event.jobId) return;
      setState({ job: null });
      void loadJobs();
      done(
        `${event.state === 'paused' ? 'Detection paused' : event.cancelled ? 'Detection cancelled' : 'Detection finished'}: ${plural(event.processed, 'image')}, ${plural(event.detections, 'box')}` +
          (event.merged ? `, ${event.merged} merged away (same as a box you decided on)` : '') +
          (event.skippedReviewed
            ? `, ${plural(event.skippedReviewed, 'reviewed image')} skipped`
            : '') +
          (event.failed ? `, ${event.failed} failed` : ''),
      );
      if (event.failed > 0) {
        // Name the images that failed: a count alone leaves the person searching.
        const named = event.failures.map((f) => `${f.path} (${f.reason})`).join('; ');
        const more = event.failed - event.failures.length;
        setState({
          error: {
            code: 'internal',
            action: 'detect every image',
            message: `${plural(event.failed, 'image')} failed: ${named}${more > 0 ? `; and ${more} more` : ''}`,
          },
        });
      }
      afterExternalChange();
      return;
    }
    case 'job-error': {
      void loadJobs();
      setState({
        job: null,
        error: { message: event.message, code: 'internal', action: 'detection job' },
      });
      afterExternalChange();
      return;
    }
    case 'project-changed':
      afterExternalChange();
      return;
  }
}

function afterExternalChange(): void {
  forgetCachedDetails();
  void loadClasses();
  refreshList();
  const cur = getState().current;
  if (cur) {
    noteEdit(cur.id);
    void reloadCurrent();
  }
}
