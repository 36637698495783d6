import { randomUUID } from 'node:crypto';
import os from 'node:os';

/**
 * Who runs a 'running' job (migration 6): a job killed with its process stays 'running' in the
 * file and must be resumable, while one another process (the CLI beside `shotbox serve`, a
 * second `detect --project`) is running must be left alone. The owner is judged live when its
 * heartbeat is recent AND (on this machine) its pid still exists: a dead pid frees the job at
 * once (a SIGKILL is resumable immediately); a reused pid cannot keep a job for longer than
 * the stale window, as the reusing process never beats.
 */
export interface JobOwner {
  pid: number;
  host: string;
  /** One per runner: another runner in this same process is "another owner" too. */
  token: string;
}

export interface StoredOwner extends JobOwner {
  /** Milliseconds since the epoch of the owner's last heartbeat. */
  heartbeatAt: number;
}

/** How often a runner refreshes its jobs' heartbeats. */
export const HEARTBEAT_EVERY_MS = 2000;
/**
 * A heartbeat older than this means the owner is gone (or hung). Far above the beat, because
 * the owner's event loop may be held for seconds (a large transaction, a busy project lock).
 */
export const OWNER_STALE_AFTER_MS = 60_000;

export function newJobOwner(): JobOwner {
  return { pid: process.pid, host: os.hostname(), token: randomUUID() };
}

/** True when a process with this pid exists (EPERM: it exists, as another user's). */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** True when `owner` is not `self` and is still running the job. */
export function ownerIsLive(owner: StoredOwner | null, self: JobOwner, nowMs: number): boolean {
  if (!owner || owner.token === self.token) return false;
  if (nowMs - owner.heartbeatAt > OWNER_STALE_AFTER_MS) return false;
  // Another machine's pid (a project on a shared drive) cannot be tested: the heartbeat decides.
  return owner.host !== self.host || processExists(owner.pid);
}
