/**
 * The one error shape between processes (backend → HTTP or Electron IPC → renderer), after VS
 * Code's base/common/errors.ts: `{ name, code, message }`, plain data that survives JSON and the
 * structured clone. The backend throws ShotboxError subclasses; each shell serialises with
 * `toSerializedError` and the renderer reads `code`, never the message text.
 */

/** Why a request failed. Add a code here (and its HTTP status) rather than a new message test. */
export const ERROR_CODES = [
  /** The request does not match the contract, or asks for something impossible. */
  'invalid-request',
  /** The request needs an open project and there is none. */
  'no-project',
  /** An image, box, class or job the request names does not exist. */
  'not-found',
  /** The request clashes with the current state (name taken, a job already running). */
  'conflict',
  /** Missing or wrong launch token (browser mode). */
  'unauthorized',
  /** The sender may not make this call (foreign frame or origin, a path outside the roots). */
  'forbidden',
  /** Another program holds the project's write lock: nothing changed; try again later. */
  'locked',
  /** The project is open read-only (damaged, or opened so): no change can be made. */
  'read-only',
  /** Anything else: a bug or an environment problem; retrying may help. */
  'internal',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface SerializedError {
  name: string;
  code: ErrorCode;
  message: string;
}

const HTTP_STATUS: Record<ErrorCode, number> = {
  'invalid-request': 400,
  'no-project': 409,
  'not-found': 404,
  conflict: 409,
  unauthorized: 401,
  forbidden: 403,
  locked: 503,
  'read-only': 409,
  internal: 500,
};

/** The HTTP status browser mode answers with for an error code. */
export function httpStatusOf(code: ErrorCode): number {
  return HTTP_STATUS[code];
}

/** The code for an HTTP error status that carried no error shape (a proxy, an old server). */
export function codeOfHttpStatus(status: number): ErrorCode {
  if (status === 404) return 'not-found';
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'forbidden';
  if (status === 409) return 'conflict';
  if (status === 503) return 'locked';
  if (status >= 400 && status < 500) return 'invalid-request';
  return 'internal';
}

/**
 * Refusals: the request was understood and turned down; sending it again unchanged fails the
 * same way (the UI offers no Retry). `internal` errors may pass on a retry.
 */
export function isRefusal(code: ErrorCode): boolean {
  return code !== 'internal' && code !== 'locked';
}

/** An error the backend means to report, with its code. */
export class ShotboxError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    name = 'ShotboxError',
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = name;
  }

  toJSON(): SerializedError {
    return { name: this.name, code: this.code, message: this.message };
  }
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);
}

/** True for a value of the serialised shape (what arrives over HTTP or IPC). */
export function isSerializedError(value: unknown): value is SerializedError {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.name === 'string' && typeof v.message === 'string' && isErrorCode(v.code);
}

/**
 * Any thrown value as the serialised shape: a ShotboxError (or anything already of the shape)
 * keeps its code; every other error is `internal` with its message.
 */
export function toSerializedError(err: unknown): SerializedError {
  if (err instanceof ShotboxError) return err.toJSON();
  if (isSerializedError(err)) return { name: err.name, code: err.code, message: err.message };
  if (err instanceof Error) return { name: err.name, code: 'internal', message: err.message };
  return { name: 'Error', code: 'internal', message: String(err) };
}

/** How Electron IPC carries a call's outcome: thrown errors lose their fields on the way. */
export type IpcOutcome = { ok: true; value: unknown } | { ok: false; error: SerializedError };
