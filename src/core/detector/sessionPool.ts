import { availableParallelism } from 'node:os';
import type { ModelSession, SessionRun } from './modelSession';

/**
 * How a batch runs the model on the CPU: `sessions` sessions, each in a worker thread of its own
 * with `threadsPerSession` ONNX Runtime threads, each image on one of them.
 *
 * Why not one session on every core: a 2-thread run splits each operator between its threads
 * and waits for both, so whenever the image preparation takes a core, the other thread waits
 * too. Two 1-thread sessions never wait for each other. Measured on 2 cores, against a bare
 * default-options loop in the same runs: one 2-thread session 0.87–1.05× alone and 0.87–0.90×
 * with one image prepared per run beside it; two 1-thread sessions 1.03–1.21× alone and
 * 0.98–1.10× with the preparation. Outputs are bit-identical for any thread count (1, 2 and 4
 * threads compared on 20 photos, every value), so detections do not depend on the plan.
 */
export interface SessionPlan {
  sessions: number;
  /** Undefined: ONNX Runtime's default (every physical core). */
  threadsPerSession: number | undefined;
}

/** One session with ONNX Runtime's own thread count: what a single image, or a GPU, runs on. */
export const SINGLE_SESSION: SessionPlan = { sessions: 1, threadsPerSession: undefined };

/** Models larger than this get one session: each session holds its own copy of the weights. */
export const MAX_POOLED_MODEL_BYTES = 512 * 1024 * 1024;

/**
 * The plan for a batch on `provider`: on the CPU with two or more cores, two sessions sharing the
 * cores; anything else (a GPU, one core, a huge model) one session. `SHOTBOX_BATCH_SESSIONS`
 * sets the number of CPU sessions (1: one session on every core, as a single image runs).
 */
export function batchSessionPlan(
  provider: string,
  modelBytes: number,
  cores: number = availableParallelism(),
  wanted: string | undefined = process.env.SHOTBOX_BATCH_SESSIONS,
): SessionPlan {
  if (provider !== 'cpu' || modelBytes > MAX_POOLED_MODEL_BYTES) return SINGLE_SESSION;
  const asked = Number(wanted);
  const sessions = Math.min(cores, Number.isInteger(asked) && asked >= 1 ? asked : 2);
  if (sessions < 2) return SINGLE_SESSION;
  return { sessions, threadsPerSession: Math.max(1, Math.floor(cores / sessions)) };
}

/**
 * Several sessions of one model as one: each run goes to the session with the fewest runs in
 * flight (the first on a tie), so a batch that keeps two images per session in flight keeps every
 * session busy. Sessions still opening join when they are open; one that fails to open is left
 * out (the others do its share). A session whose thread stops (see ModelSession.stopped) is left
 * out from then on: the runs it held fail with its reason, the later ones go to the others, and
 * only when none is left do runs fail. Runs of one session finish in order; across sessions they
 * may finish in any order (a batch yields in its own order).
 */
export function pooledSession(
  first: ModelSession,
  more: readonly Promise<ModelSession | undefined>[],
): ModelSession {
  const members: { session: ModelSession; inFlight: number }[] = [{ session: first, inFlight: 0 }];
  let released = false;
  // Why the last member left stopped, for the runs asked of an empty pool.
  let lastStop: string | undefined;
  const dropStopped = (): void => {
    for (let i = members.length - 1; i >= 0; i--) {
      const why = members[i]!.session.stopped;
      if (why === undefined) continue;
      lastStop = why;
      members.splice(i, 1);
    }
  };
  const joining = more.map((opening) =>
    opening.then(
      (session) => {
        if (!session) return;
        // Released meanwhile: this one is not needed.
        if (released) void session.release().catch(() => undefined);
        else members.push({ session, inFlight: 0 });
      },
      () => undefined,
    ),
  );
  return {
    inputNames: first.inputNames,
    outputNames: first.outputNames,
    thread: first.thread,
    get parallelRuns() {
      dropStopped();
      return Math.max(1, members.length);
    },
    get stopped() {
      dropStopped();
      return members.length === 0 ? (lastStop ?? 'released') : undefined;
    },
    allOpened: Promise.all(joining).then(() => undefined),
    async run(feeds): Promise<SessionRun> {
      dropStopped();
      if (members.length === 0)
        throw new Error(`the inference thread stopped (${lastStop ?? 'released'})`);
      let pick = members[0]!;
      for (const m of members) if (m.inFlight < pick.inFlight) pick = m;
      pick.inFlight++;
      try {
        return await pick.session.run(feeds);
      } finally {
        pick.inFlight--;
      }
    },
    async release() {
      released = true;
      await Promise.all(joining);
      await Promise.all(members.map((m) => m.session.release()));
    },
  };
}
