import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { BackendEvent, ShotboxApi } from '../shared/api/contract';
import type { IpcOutcome } from '../shared/api/errors';
import { METHOD_NAMES } from '../shared/api/methods';
import { electronImageUrl } from '../shared/api/imageUrls';

/**
 * Exposes exactly the API contract as `window.api`: one method per contract entry (each bound to
 * its own channel; no generic invoke), an event subscription that hands the page only the event
 * data (never the IPC event object), and image URLs on the app's own protocol.
 */
const calls = Object.fromEntries(
  METHOD_NAMES.map((method) => [
    method,
    async (request: unknown) => {
      // Main answers with data (IpcOutcome); a failure is rejected with the plain error shape,
      // which the structured clone carries intact (an Error would arrive as its message only).
      const outcome = (await ipcRenderer.invoke(`shotbox:${method}`, request)) as IpcOutcome;
      if (outcome.ok) return outcome.value;
      throw outcome.error;
    },
  ]),
);

const api = {
  ...calls,
  onEvent(listener: (event: BackendEvent) => void) {
    const handler = (_e: IpcRendererEvent, data: BackendEvent): void => listener(data);
    ipcRenderer.on('shotbox:event', handler);
    return () => {
      ipcRenderer.off('shotbox:event', handler);
    };
  },
  imageUrl: electronImageUrl,
} as ShotboxApi;

contextBridge.exposeInMainWorld('api', api);
