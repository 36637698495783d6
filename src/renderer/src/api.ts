import { METHODS, type ShotboxApi } from '../../shared/api/contract';

declare global {
  interface Window {
    /** Present in Electron (preload bridge); absent in browser mode. */
    api?: ShotboxApi;
  }
}

/** Browser mode: the same contract over HTTP (the server's cookie carries the launch token). */
function httpApi(): ShotboxApi {
  const entries = METHODS.map((method) => [
    method,
    async (request: unknown) => {
      const res = await fetch(`/api/${method}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(request ?? {}),
      });
      const body: unknown = await res.json();
      if (!res.ok) throw new Error((body as { error?: string }).error ?? `HTTP ${res.status}`);
      return body;
    },
  ]);
  return Object.fromEntries(entries) as ShotboxApi;
}

/** The UI's only door to the backend, whichever shell it runs in. */
export const api: ShotboxApi = window.api ?? httpApi();
