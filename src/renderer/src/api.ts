import { METHODS, type BackendEvent, type ShotboxApi } from '../../shared/api/contract';
import { browserImageUrl } from '../../shared/api/imageUrls';

declare global {
  interface Window {
    /** Present in Electron (preload bridge); absent in browser mode. */
    api?: ShotboxApi;
  }
}

/** Error from the backend; `validation` when the request itself was refused (HTTP 400). */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly validation: boolean,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Browser mode: the same contract over HTTP (the server's cookie carries the launch token). */
function httpApi(): ShotboxApi {
  const calls = Object.fromEntries(
    METHODS.map((method) => [
      method,
      async (request: unknown) => {
        const res = await fetch(`/api/${method}`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify(request ?? {}),
        });
        const body: unknown = await res.json();
        if (!res.ok)
          throw new ApiError(
            (body as { error?: string }).error ?? `HTTP ${res.status}`,
            res.status === 400,
          );
        return body;
      },
    ]),
  );
  return {
    ...(calls as Omit<ShotboxApi, 'onEvent' | 'imageUrl'>),
    onEvent(listener: (event: BackendEvent) => void) {
      const source = new EventSource('/api/events');
      source.onmessage = (m: MessageEvent<string>) => listener(JSON.parse(m.data) as BackendEvent);
      return () => source.close();
    },
    imageUrl: browserImageUrl,
  } as ShotboxApi;
}

/** The UI's only door to the backend, whichever shell it runs in. */
export const api: ShotboxApi = window.api ?? httpApi();
