import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { runShotbox, startShotbox } from '../../helpers/cli';
import { holdWriteLock } from '../../helpers/writeLock';
import { generatedDir, raccoonDir } from '../../helpers/paths';

// Two `shotbox detect --project` on one project: the second used to resume the job the first
// was still running (both detected the same images) and one could die with a raw "database is
// locked". Now the second is refused, naming the job and the process that runs it.

const work = path.join(generatedDir, 'concurrent-detect');
const images = path.join(raccoonDir, 'images');
const IMAGES = 160;

function count(file: string, sql: string): number {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return (db.prepare(sql).get() as { n: number }).n;
  } finally {
    db.close();
  }
}

function countNow(file: string, sql: string): number {
  try {
    return count(file, sql);
  } catch {
    return 0; // not written yet
  }
}

describe('a project used by two shotbox processes at once', () => {
  const file = path.join(work, 'p.shotbox');

  beforeAll(async () => {
    await rm(work, { recursive: true, force: true });
    await mkdir(work, { recursive: true });
    const r = await runShotbox(['import', images, '--project', file, '--quiet']);
    expect(r.code, r.stderr).toBe(0);
  });

  it('refuses a second detect --project while the first runs its job; the first detects every image once', async () => {
    const first = startShotbox(['detect', '--project', file, '--quiet']);
    while (!first.ended() && countNow(file, 'SELECT count(*) AS n FROM run_images') < 5)
      await new Promise((r) => setTimeout(r, 20));
    expect(first.ended(), `the first run ended before the second started: ${first.stderr()}`).toBe(
      false,
    );

    const second = await runShotbox(['detect', '--project', file, '--quiet']);
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(
      new RegExp(
        `^shotbox: job \\d+ is running in another shotbox process \\(pid ${first.pid}\\); ` +
          'wait for it or cancel it',
        'm',
      ),
    );
    expect(second.stderr).not.toMatch(/database is locked/);

    const { code, stderr: firstErr } = await first.finished;
    expect(code, firstErr).toBe(0);
    expect(firstErr).toMatch(new RegExp(`^detect: ${IMAGES} images, `, 'm'));
    expect(firstErr).not.toContain('resumed');
    expect(count(file, 'SELECT count(*) AS n FROM run_images')).toBe(IMAGES);
    expect(count(file, 'SELECT count(DISTINCT image_id) AS n FROM run_images')).toBe(IMAGES);
    expect(count(file, "SELECT count(*) AS n FROM jobs WHERE kind = 'detect'")).toBe(1);
    expect(count(file, "SELECT count(*) AS n FROM jobs WHERE state = 'done'")).toBe(2);
    // Nothing was detected twice: no image holds two predictions at one place.
    expect(
      count(
        file,
        `SELECT count(*) AS n FROM (SELECT image_id FROM annotations WHERE origin = 'model'
         GROUP BY image_id, x1, y1, x2, y2 HAVING count(*) > 1)`,
      ),
    ).toBe(0);
  }, 180_000);

  it('says which project is busy when another process holds its write lock', async () => {
    const holder = await holdWriteLock(file);
    try {
      const r = await runShotbox(['split', '--project', file]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(
        `shotbox: project ${file} is busy: another shotbox process (or another program) is writing to it`,
      );
      expect(r.stderr).not.toMatch(/database is locked/);
    } finally {
      holder.kill('SIGKILL');
    }
  }, 60_000);
});
