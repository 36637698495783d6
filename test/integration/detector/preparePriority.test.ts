import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { batchSessionPlan } from '../../../src/core/detector/sessionPool';
import { prepareAtLowPriority } from '../../../src/core/detector/threadPriority';
import { startShotbox } from '../../helpers/cli';
import { raccoonDir, repoRoot } from '../../helpers/paths';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'shotbox-prepare-priority-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const photos = path.join(scratch, 'photos');
mkdirSync(photos);
const names = readdirSync(path.join(raccoonDir, 'images')).sort().slice(0, 60);
for (const n of names) copyFileSync(path.join(raccoonDir, 'images', n), path.join(photos, n));

/**
 * The nice values of a process's threads, sampled until it exits: thread id → the highest seen
 * (a thread is lowered once and never raised, so the highest is where it ended up).
 */
async function niceValuesWhileRunning(args: string[], env: NodeJS.ProcessEnv) {
  const run = startShotbox(args, { env });
  const nice = new Map<string, number>();
  while (!run.ended()) {
    let tasks: string[] = [];
    try {
      tasks = readdirSync(`/proc/${run.pid}/task`);
    } catch {
      // Ended between the check and the read.
    }
    for (const tid of tasks) {
      try {
        const stat = readFileSync(`/proc/${run.pid}/task/${tid}/stat`, 'utf8');
        // Fields after the command name's ')': state is field 3, nice field 19.
        const value = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
        nice.set(tid, Math.max(nice.get(tid) ?? -20, value));
      } catch {
        // The thread ended meanwhile.
      }
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  const { code, stderr } = await run.finished;
  return { code, stderr, lowered: [...nice.values()].filter((v) => v === 19).length };
}

const modelBytes = statSync(
  path.join(repoRoot, 'resources', 'models', 'ssd-mobilenetv1-face.onnx'),
).size;

describe.skipIf(process.platform !== 'linux')(
  `the threads that prepare images${process.platform !== 'linux' ? ' — skipped: a nice value is per thread only on Linux' : ''}`,
  () => {
    it("keep their priority beside one-thread sessions, and yield to a session's several threads", async () => {
      for (const sessions of ['2', '1']) {
        const plan = batchSessionPlan('cpu', modelBytes, os.availableParallelism(), sessions);
        const project = path.join(scratch, `sessions-${sessions}.shotbox`);
        const run = await niceValuesWhileRunning(
          ['detect', photos, '--project', project, '--quiet', '--provider', 'cpu'],
          { SHOTBOX_BATCH_SESSIONS: sessions },
        );
        expect(run.stderr).toContain(`detect: ${names.length} images`);
        expect(run.code).toBe(0);
        if (prepareAtLowPriority(plan.threadsPerSession)) {
          // The preparing thread, and the libvips threads that decode for it.
          expect(run.lowered, `sessions=${sessions}: ${JSON.stringify(plan)}`).toBeGreaterThan(0);
        } else {
          expect(run.lowered, `sessions=${sessions}: ${JSON.stringify(plan)}`).toBe(0);
        }
      }
    });
  },
);
