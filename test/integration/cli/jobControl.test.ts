import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { runShotbox, startShotbox } from '../../helpers/cli';
import { generatedDir, raccoonDir } from '../../helpers/paths';

// `shotbox jobs --pause/--cancel N` stops a `detect --project` another process runs (the CLI
// counterpart of the app's jobs panel): the request goes through the project file and the
// owner acts on it at its next heartbeat.

const work = path.join(generatedDir, 'job-control');
const images = path.join(raccoonDir, 'images');
const IMAGES = 160;

function query<T>(file: string, sql: string): T {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return db.prepare(sql).get() as T;
  } finally {
    db.close();
  }
}

const count = (file: string, sql: string): number => query<{ n: number }>(file, sql).n;

async function newProject(name: string): Promise<string> {
  const file = path.join(work, `${name}.shotbox`);
  const r = await runShotbox(['import', images, '--project', file, '--quiet']);
  expect(r.code, r.stderr).toBe(0);
  return file;
}

/** Starts `detect --project` and returns once it has detected a few images. */
async function detectInBackground(file: string) {
  const child = startShotbox(['detect', '--project', file, '--quiet']);
  const done = (): number => {
    try {
      return count(file, 'SELECT count(*) AS n FROM run_images');
    } catch {
      return 0; // not written yet
    }
  };
  while (!child.ended() && done() < 5) await new Promise((r) => setTimeout(r, 20));
  expect(child.ended(), `detect ended before it could be stopped: ${child.stderr()}`).toBe(false);
  const { id } = query<{ id: number }>(
    file,
    "SELECT id FROM jobs WHERE kind = 'detect' AND state = 'running'",
  );
  return { pid: child.pid, jobId: id, finished: child.finished };
}

describe('shotbox jobs --pause / --cancel: stopping a job another process runs', () => {
  beforeAll(async () => {
    await rm(work, { recursive: true, force: true });
    await mkdir(work, { recursive: true });
  });

  it('--pause stops it after the image in flight; the same command resumes it and detects each image once', async () => {
    const file = await newProject('pause');
    const running = await detectInBackground(file);

    const asked = await runShotbox(['jobs', '--project', file, '--pause', String(running.jobId)]);
    expect(asked.code, asked.stderr).toBe(0);
    expect(asked.stderr).toContain(
      `asked the shotbox process running job ${running.jobId} (pid ${running.pid}) to pause it`,
    );

    const first = await running.finished;
    expect(first.code, first.stderr).toBe(130);
    expect(first.stderr).toContain('interrupted: run the same command again to resume');
    const detected = count(file, 'SELECT count(*) AS n FROM run_images');
    expect(detected).toBeGreaterThan(0);
    expect(detected).toBeLessThan(IMAGES);
    expect(first.stderr).toMatch(new RegExp(`^detect: ${detected} images, `, 'm'));
    // The listed progress is the images really detected, not the last throttled report.
    const job = query<{ state: string; done: number }>(
      file,
      `SELECT state, done FROM jobs WHERE id = ${running.jobId}`,
    );
    expect(job).toEqual({ state: 'paused', done: detected });
    const listed = await runShotbox(['jobs', '--project', file]);
    expect(listed.stdout).toMatch(
      new RegExp(`^\\s*${running.jobId}\\s+detect\\s+paused\\s+${detected}\\s+${IMAGES}\\s`, 'm'),
    );

    const again = await runShotbox(['jobs', '--project', file, '--pause', String(running.jobId)]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`cannot pause job ${running.jobId}: it is paused, not running`);

    const resumed = await runShotbox(['detect', '--project', file, '--quiet']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain(`(${detected} images already done)`);
    expect(count(file, 'SELECT count(*) AS n FROM run_images')).toBe(IMAGES);
    expect(count(file, 'SELECT count(DISTINCT image_id) AS n FROM run_images')).toBe(IMAGES);
    expect(count(file, "SELECT count(*) AS n FROM jobs WHERE kind = 'detect'")).toBe(1);
  }, 240_000);

  it('--cancel stops it for good: its boxes stay, the next detect is a new job that keeps them', async () => {
    const file = await newProject('cancel');
    const running = await detectInBackground(file);

    const asked = await runShotbox(['jobs', '--project', file, '--cancel', String(running.jobId)]);
    expect(asked.code, asked.stderr).toBe(0);
    expect(asked.stderr).toContain(`to cancel it`);

    const first = await running.finished;
    expect(first.code, first.stderr).toBe(130);
    expect(first.stderr).toContain(
      `cancelled from another process: job ${running.jobId} will not resume`,
    );
    const detected = count(file, 'SELECT count(*) AS n FROM run_images');
    expect(detected).toBeLessThan(IMAGES);
    expect(
      query<{ state: string }>(file, `SELECT state FROM jobs WHERE id = ${running.jobId}`).state,
    ).toBe('cancelled');

    const next = await runShotbox(['detect', '--project', file, '--quiet']);
    expect(next.code, next.stderr).toBe(0);
    // A new job, not the cancelled one resumed; it continues the same detection run (same model
    // and thresholds), so the images the cancelled job detected are not detected again.
    expect(next.stderr).not.toContain('resuming job');
    expect(next.stderr).toMatch(
      new RegExp(
        `^detect: ${IMAGES - detected} images, .*\\(${detected} images already done\\)`,
        'm',
      ),
    );
    expect(next.stderr).toContain(`(job ${running.jobId + 1})`);
    expect(count(file, "SELECT count(*) AS n FROM jobs WHERE kind = 'detect'")).toBe(2);
    expect(count(file, 'SELECT count(*) AS n FROM run_images')).toBe(IMAGES);
    expect(count(file, 'SELECT count(DISTINCT image_id) AS n FROM run_images')).toBe(IMAGES);
  }, 240_000);

  it('refuses what cannot be stopped, naming why', async () => {
    const file = path.join(work, 'pause.shotbox');
    const done = await runShotbox(['jobs', '--project', file, '--cancel', '1']);
    expect(done.code).toBe(1);
    expect(done.stderr).toContain('shotbox: cannot cancel job 1: it is done');
    const missing = await runShotbox(['jobs', '--project', file, '--pause', '99']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('shotbox: the project has no job 99');
    const bad = await runShotbox(['jobs', '--project', file, '--cancel', 'last']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--cancel needs a job number');
    const both = await runShotbox(['jobs', '--project', file, '--pause', '1', '--cancel', '1']);
    expect(both.code).toBe(2);
  }, 60_000);
});
