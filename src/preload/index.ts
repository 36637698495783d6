import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { BackendEvent, ShotboxApi } from '../shared/api/contract';
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
    (request: unknown) => ipcRenderer.invoke(`shotbox:${method}`, request),
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
