import { METHODS, type BackendEvent, type ShotboxApi } from '../../shared/api/contract';
import {
  codeOfHttpStatus,
  isSerializedError,
  toSerializedError,
  type ErrorCode,
  type SerializedError,
} from '../../shared/api/errors';
import { browserImageUrl } from '../../shared/api/imageUrls';
import { reportConnection } from './connection';

declare global {
  interface Window {
    /** Present in Electron (preload bridge); absent in browser mode. */
    api?: ShotboxApi;
  }
}

/** A failed call, whichever shell carried it: the backend's error shape, read by `code`. */
export class ApiError extends Error implements SerializedError {
  readonly code: ErrorCode;
  /** The backend's error name (ValidationError, NotFoundError, …), for the record. */
  readonly errorName: string;

  constructor(error: SerializedError) {
    super(error.message);
    this.name = 'ApiError';
    this.code = error.code;
    this.errorName = error.name;
  }
}

/**
 * The shape of a failed HTTP call: the body's `{ error }` when it has the shape; otherwise (a
 * proxy, a body that is not JSON) a code from the status.
 */
async function httpError(res: Response): Promise<SerializedError> {
  const body: unknown = await res.json().catch(() => null);
  const error = (body as { error?: unknown } | null)?.error;
  if (isSerializedError(error)) return error;
  return {
    name: 'HttpError',
    code: codeOfHttpStatus(res.status),
    message: typeof error === 'string' ? error : `HTTP ${res.status}`,
  };
}

/** Browser mode: the same contract over HTTP (the server's cookie carries the launch token). */
function httpApi(): ShotboxApi {
  const calls = Object.fromEntries(
    METHODS.map((method) => [
      method,
      async (request: unknown) => {
        let res: Response;
        try {
          res = await fetch(`/api/${method}`, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify(request ?? {}),
          });
        } catch {
          // fetch rejects only when nothing answered: the server is gone.
          reportConnection(false);
          throw new ApiError({
            name: 'ConnectionError',
            code: 'internal',
            message: 'the Shotbox server does not answer (was `shotbox serve` stopped?)',
          });
        }
        reportConnection(true);
        if (!res.ok) throw new ApiError(await httpError(res));
        return res.json() as Promise<unknown>;
      },
    ]),
  );
  return {
    ...(calls as Omit<ShotboxApi, 'onEvent' | 'imageUrl'>),
    onEvent(listener: (event: BackendEvent) => void) {
      const source = new EventSource('/api/events');
      source.onmessage = (m: MessageEvent<string>) => listener(JSON.parse(m.data) as BackendEvent);
      // The stream reconnects by itself; its state is the quickest sign of a lost server.
      source.onopen = () => reportConnection(true);
      source.onerror = () => reportConnection(source.readyState === EventSource.OPEN);
      return () => source.close();
    },
    imageUrl: browserImageUrl,
  } as ShotboxApi;
}

/**
 * Electron: the preload rejects with the plain error shape; make it the same ApiError as in
 * browser mode, so the UI has one kind of failure to read.
 */
function electronApi(bridge: ShotboxApi): ShotboxApi {
  const wrapped: Record<string, unknown> = { ...bridge };
  for (const method of METHODS) {
    const call = bridge[method] as (request: unknown) => Promise<unknown>;
    wrapped[method] = (request: unknown) =>
      call(request).catch((err: unknown) => {
        throw new ApiError(toSerializedError(err));
      });
  }
  return wrapped as ShotboxApi;
}

/** The UI's only door to the backend, whichever shell it runs in. */
export const api: ShotboxApi = window.api ? electronApi(window.api) : httpApi();
