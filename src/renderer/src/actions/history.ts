import type { HistoryResult } from '../../../shared/api/contract';
import { api } from '../api';
import { getState, setState } from '../state/store';
import { noteEdit, openImageById, reloadCurrent } from './navigation';
import { syncImageStatus } from './review';
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
      if (res.label === null) {
        done(kind === 'undo' ? 'Nothing to undo' : 'Nothing to redo');
        return;
      }
      if (res.imageId !== null) {
        noteEdit(res.imageId);
        if (getState().current?.id !== res.imageId) await openImageById(res.imageId);
        await reloadCurrent();
        const existing = new Set(getState().current?.annotations?.map((a) => a.id) ?? []);
        setState({
          selectedBoxIds: new Set(res.annotationIds.filter((id) => existing.has(id))),
        });
        await syncImageStatus(res.imageId, 'history');
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
