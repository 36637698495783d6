import { contextBridge, ipcRenderer } from 'electron';
import type { ShotboxApi } from '../shared/api/contract';

/**
 * Exposes exactly the API contract as `window.api`: one method per entry, no generic
 * invoke/on, and the IPC event object never reaches the page (DESIGN.md §11).
 */
const api: ShotboxApi = {
  getAppInfo: (request) => ipcRenderer.invoke('shotbox:getAppInfo', request),
};

contextBridge.exposeInMainWorld('api', api);
