import type { ModelSummary } from '../../../shared/api/contract';
import { api } from '../api';
import { getState, setState } from '../state/store';
import { loadClasses } from './classes';
import { handleBackendEvent } from './detect';
import { fetchPage } from './imageList';
import { loadJobs } from './jobs';
import { openImageById, openRow } from './navigation';
import { describeError } from './run';

/** Start-up: what the backend offers, the project, its classes, the first page; then events. */

let unsubscribe: (() => void) | undefined;

/** A bundled model first: adding a model of one's own does not change what Detect runs. */
export function defaultModel(models: readonly ModelSummary[]): string | null {
  const ready = models.filter((m) => m.ready);
  return (ready.find((m) => m.source === 'bundled') ?? ready[0])?.name ?? null;
}

export async function boot(): Promise<void> {
  setState({ boot: 'loading', bootError: null });
  try {
    const [appInfo, project] = await Promise.all([api.getAppInfo({}), api.getProject({})]);
    const model = getState().model ?? defaultModel(appInfo.models);
    setState({ appInfo, project, model });
    if (project) {
      await loadClasses();
      const rows = await fetchPage(0);
      const first = rows?.[0];
      if (project.lastImage && !getState().current) {
        // Back to the image last worked on, at its place in the list (D and A go on from there).
        const { id, index } = project.lastImage;
        await openImageById(id, index).catch(() => undefined);
      }
      if (first && !getState().current) openRow(first, 0);
      // Jobs a kill or a restart interrupted are offered for resuming (JobsBanner).
      await loadJobs();
    }
    setState({ boot: 'ready' });
    unsubscribe ??= api.onEvent(handleBackendEvent);
  } catch (err) {
    setState({ boot: 'error', bootError: describeError(err).message });
  }
}
