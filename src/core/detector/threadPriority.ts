import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';

/**
 * Lowest-priority scheduling for the threads that prepare images while ONNX Runtime holds the
 * cores. Linux only: there a nice value belongs to one thread (elsewhere to the whole process,
 * inference included), and /proc names the threads. Not permitted in some sandboxes: then every
 * thread keeps its priority and only speed changes.
 */
const LOWEST = 19;

/**
 * Whether the threads that prepare images should yield to inference, for sessions of
 * `threadsPerSession` ONNX Runtime threads (undefined: its default, every core). A session that
 * splits each operator between threads waits at every operator for the slowest, so a preparing
 * thread that preempts one stalls them all: there they run at the lowest priority (measured on
 * 2 cores with one 2-thread session: 0.70–0.79× bare → 0.80–0.85×). A one-thread session has no
 * such barrier, and a preparer that waits for an idle core leaves one idle while the batch waits
 * for its image: there they keep their priority (two 1-thread sessions on 2 cores: the whole
 * `detect --project` process's time 3–6 % lower in the medians of 4 alternating sets of 8–16
 * runs, the same CPU time; the in-process batches the same within noise).
 */
export function prepareAtLowPriority(threadsPerSession: number | undefined): boolean {
  return threadsPerSession !== 1;
}

/** Lowers the calling thread; false where that is not possible. */
export function lowerThisThread(): boolean {
  if (process.platform !== 'linux') return false;
  try {
    os.setPriority(LOWEST);
    return true;
  } catch {
    return false;
  }
}

/**
 * Lowers libvips' worker threads (they decode for sharp), which libvips starts and ends on its
 * own, at the priority of whichever thread started them: usually normal, so a decode preempted
 * an inference thread and stalled every operator's barrier. Call it after decodes; each thread
 * is looked at once.
 */
export function createLibvipsThreadLowerer(): () => void {
  const seen = new Set<string>();
  let enabled = process.platform === 'linux';
  return () => {
    if (!enabled) return;
    let tasks: string[];
    try {
      tasks = readdirSync('/proc/self/task');
    } catch {
      enabled = false;
      return;
    }
    for (const tid of tasks) {
      if (seen.has(tid)) continue;
      seen.add(tid);
      try {
        const name = readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim();
        if (name === 'libvips worker') os.setPriority(Number(tid), LOWEST);
      } catch {
        // The thread ended meanwhile, or renicing is not permitted: leave it.
      }
    }
  };
}
