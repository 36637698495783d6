import type { ProjectDb } from '../db/projectDb';

/** How often the project file is checked for commits by other processes. */
export const EXTERNAL_CHANGE_POLL_MS = 1000;

/**
 * Calls `onChange` after another process (`shotbox detect --project`, `import`, a second
 * window) committed to the project, so an open UI shows it without a reload. Polls
 * `PRAGMA data_version`, which costs one read of a counter: SQLite has no change
 * notification across connections. Returns the stop function.
 */
export function watchExternalChanges(
  project: ProjectDb,
  onChange: () => void,
  intervalMs = EXTERNAL_CHANGE_POLL_MS,
): () => void {
  let seen = project.dataVersion();
  const timer = setInterval(() => {
    let now: number;
    try {
      now = project.dataVersion();
    } catch {
      return; // closed under us (shutdown): nothing to report
    }
    if (now === seen) return;
    seen = now;
    onChange();
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
