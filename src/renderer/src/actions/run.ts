import { isRefusal, toSerializedError, type ErrorCode } from '../../../shared/api/errors';
import { ApiError } from '../api';
import { getState, setState } from '../state/store';

/**
 * How every action runs: errors become the one `error` notice (with a retry), successes the one
 * `lastAction` line, and edits go through one queue so that they reach the backend in the order
 * the person made them (an undo never overtakes the edit it should undo).
 */

export interface DescribedError {
  message: string;
  code: ErrorCode;
}

/** Any failure as message + code: both shells throw ApiError; anything else is our own bug. */
export function describeError(err: unknown): DescribedError {
  if (err instanceof ApiError) return { message: err.message, code: err.code };
  const { message, code } = toSerializedError(err);
  return { message, code };
}

let editQueue: Promise<unknown> = Promise.resolve();

interface PerformOptions {
  /** Serialise with the other edits (anything that changes the project). */
  edit?: boolean;
  /** Offer a retry button when it fails (default true). */
  retryable?: boolean;
  /**
   * A refresh the person did not ask for (after a job, a change from the CLI): its success
   * leaves the notice of an earlier failure standing.
   */
  background?: boolean;
}

/**
 * Runs one action. Resolves to its result, or to undefined when it failed (the failure is shown;
 * callers never have to catch).
 */
export function perform<T>(
  action: string,
  fn: () => Promise<T>,
  options: PerformOptions = {},
): Promise<T | undefined> {
  const run = async (): Promise<T | undefined> => {
    try {
      const result = await fn();
      // The next success clears a notice, whichever action failed: it is no longer news.
      if (getState().error && !options.background) setState({ error: null });
      return result;
    } catch (err) {
      const { message, code } = describeError(err);
      setState({
        error: {
          message,
          code,
          action,
          ...(options.retryable === false || isRefusal(code)
            ? {}
            : { retry: () => void perform(action, fn, options) }),
        },
      });
      return undefined;
    }
  };
  if (!options.edit) return run();
  const next = editQueue.then(run);
  editQueue = next;
  return next;
}

/** Records what was just done, for the status bar ("Accepted box · Ctrl+Z to undo"). */
export function done(text: string, undoable = false): void {
  setState({ lastAction: { text, undoable, at: Date.now() } });
}

export function dismissError(): void {
  setState({ error: null });
}

export function plural(n: number, word: string): string {
  return `${n.toLocaleString()} ${word}${n === 1 ? '' : /(x|s)$/.test(word) ? 'es' : 's'}`;
}
