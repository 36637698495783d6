import type { HistoryResult } from '../../../shared/api/contract';
import { api } from '../api';
import { getState, setState } from '../state/store';
import { noteEdit, openImageById, reloadCurrent } from './navigation';
import { loadClasses } from './classes';
import { applyImageStates } from './imageList';
import { done, perform } from './run';

/**
 * Undo and redo are backend calls (the history lives in SQLite, so it survives a restart). The
 * answer names the image and boxes the step touched: go there, show them selected.
 */

async function travel(kind: 'undo' | 'redo'): Promise<void> {
  await perform(
    kind,
    async () => {
      const res: HistoryResult = kind === 'undo' ? await api.undo({}) : await api.redo({});
      if (res.skipped) {
        // The step could not apply (what it changed was changed since): it is gone, nothing moved.
        done(
          `Could not ${kind} “${res.skipped.label}”: ${res.skipped.reason}. Skipped; Ctrl+${kind === 'undo' ? 'Z' : 'Shift+Z'} goes on`,
        );
        return;
      }
      if (res.label === null) {
        done(kind === 'undo' ? 'Nothing to undo' : 'Nothing to redo');
        return;
      }
      if (res.classesChanged) await loadClasses();
      applyImageStates(res.images);
      if (res.imageId !== null) {
        noteEdit(res.imageId);
        if (getState().current?.id !== res.imageId) await openImageById(res.imageId);
        await reloadCurrent();
        const existing = new Set(getState().current?.annotations?.map((a) => a.id) ?? []);
        setState({
          selectedBoxIds: new Set(res.annotationIds.filter((id) => existing.has(id))),
        });
      }
      done(
        kind === 'undo'
          ? `Undid “${res.label}” · Ctrl+Shift+Z to redo`
          : `Redid “${res.label}” · Ctrl+Z to undo`,
      );
    },
    { edit: true },
  );
}

export function undo(): Promise<void> {
  return travel('undo');
}

export function redo(): Promise<void> {
  return travel('redo');
}
