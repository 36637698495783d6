/** Exit codes of every `shotbox` command (documented in the README). */
export const EXIT = {
  /** Everything asked for was done. */
  ok: 0,
  /** Nothing could run: bad model, no input, unexpected error. */
  failed: 1,
  /** The command line itself was wrong. */
  usage: 2,
  /** The run finished but some inputs failed (each reported). */
  partial: 3,
  /** Stopped by Ctrl+C (128 + SIGINT); partial results were kept. */
  interrupted: 130,
} as const;

/** A mistake in how the command was called; printed without a stack, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
