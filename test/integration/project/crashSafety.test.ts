import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { ProjectDb } from '../../../src/core/db/projectDb';
import { runShotbox } from '../../helpers/cli';
import { makeGeneratedImages } from '../../helpers/generatedImages';
import { generatedDir, repoRoot, shotboxBin } from '../../helpers/paths';

// DESIGN.md §6: a kill -9 at any moment loses at most the work in flight, and batch jobs resume
// where they stopped. Real processes, real SIGKILL, then the file is checked and the same
// command is run again.

// Import commits in batches of 200, so killing it part-way needs more images than that; the
// detect tests need fewer (each image costs a model run: on a loaded 2-core CI machine 300 of
// them twice took most of the test's time limit).
const IMAGES = 300;
const DETECT_IMAGES = 120;
const workDir = path.join(generatedDir, 'crash-safety');
const imageDir = path.join(workDir, 'images');
const detectDir = path.join(workDir, 'detect-images');

interface KilledRun {
  /** False when the command finished before the condition held (nothing was interrupted). */
  killed: boolean;
  code: number | null;
  stderr: string;
}

/**
 * Runs `shotbox args`, polls the project through a read-only connection of its own until
 * `ready` holds (it may throw while the file or its tables do not exist yet), then SIGKILLs it.
 */
async function killWhen(
  args: string[],
  projectFile: string,
  ready: (db: Database.Database) => boolean,
  timeoutMs: number,
): Promise<KilledRun> {
  const child = spawn(process.execPath, [shotboxBin, ...args], {
    cwd: repoRoot,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.on('close', (code) => resolve(code)),
  );
  let finished = false;
  void exited.then(() => (finished = true));

  const deadline = Date.now() + timeoutMs;
  while (!finished && Date.now() < deadline) {
    if (existsSync(projectFile) && readyNow(projectFile, ready)) {
      child.kill('SIGKILL');
      return { killed: true, code: await exited, stderr };
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  if (!finished) child.kill('SIGKILL');
  return { killed: false, code: await exited, stderr };
}

function readyNow(file: string, ready: (db: Database.Database) => boolean): boolean {
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    return ready(db);
  } catch {
    return false; // not created yet, or its schema not yet written
  } finally {
    db?.close();
  }
}

function count(db: Database.Database, sql: string, ...params: unknown[]): number {
  return (db.prepare(sql).get(...params) as { n: number }).n;
}

async function removeProject(file: string): Promise<void> {
  for (const suffix of ['', '-wal', '-shm']) await rm(file + suffix, { force: true });
}

/** Opens the project as the app would (recovering the WAL) and checks SQLite's own consistency. */
function expectSoundFile(file: string): void {
  const project = ProjectDb.open(file);
  try {
    expect(project.integrityCheck()).toBe('ok');
    expect(project.foreignKeyViolations()).toBe(0);
  } finally {
    project.close();
  }
}

function readOnly<T>(file: string, fn: (db: Database.Database) => T): T {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

describe('a project survives kill -9 and the same command finishes the work', () => {
  beforeAll(async () => {
    await mkdir(workDir, { recursive: true });
    // Every 5th image holds a face photo, so detection stores boxes the duplicate check can see.
    await makeGeneratedImages(imageDir, { count: IMAGES, width: 320, height: 240, faceEvery: 5 });
    await makeGeneratedImages(detectDir, {
      count: DETECT_IMAGES,
      width: 320,
      height: 240,
      faceEvery: 5,
    });
  });

  it('import: killed after a first batch is in; the file is sound, no path twice, re-run adds the rest', async () => {
    const file = path.join(workDir, 'import.shotbox');
    await removeProject(file);
    const run = await killWhen(
      ['import', imageDir, '--project', file, '--quiet'],
      file,
      (db) => count(db, 'SELECT count(*) AS n FROM images') > 0,
      30_000,
    );
    expect(run.killed, `import ended before it could be killed: ${run.stderr}`).toBe(true);
    expectSoundFile(file);
    const before = readOnly(file, (db) => ({
      rows: count(db, 'SELECT count(*) AS n FROM images'),
      paths: count(db, 'SELECT count(DISTINCT path) AS n FROM images'),
    }));
    expect(before.rows).toBeGreaterThan(0);
    expect(before.rows, 'killed part-way, not after the last image').toBeLessThan(IMAGES);
    expect(before.paths).toBe(before.rows);

    const again = await runShotbox(['import', imageDir, '--project', file, '--quiet']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain(
      `import: ${IMAGES - before.rows} images added, ${before.rows} already in the project`,
    );
    expectSoundFile(file);
    const after = readOnly(file, (db) => ({
      rows: count(db, 'SELECT count(*) AS n FROM images'),
      paths: count(db, 'SELECT count(DISTINCT path) AS n FROM images'),
      contents: count(db, 'SELECT count(DISTINCT sha256) AS n FROM images'),
    }));
    expect(after).toEqual({ rows: IMAGES, paths: IMAGES, contents: IMAGES });
  }, 60_000);

  it('detect --project: killed mid-run; sound file, no detection twice, re-run resumes and skips what was done', async () => {
    const file = path.join(workDir, 'detect.shotbox');
    await removeProject(file);
    const imported = await runShotbox(['import', detectDir, '--project', file, '--quiet']);
    expect(imported.code, imported.stderr).toBe(0);

    const run = await killWhen(
      ['detect', '--project', file, '--quiet'],
      file,
      (db) => count(db, 'SELECT count(*) AS n FROM run_images') >= 20,
      90_000,
    );
    expect(run.killed, `detect ended before it could be killed: ${run.stderr}`).toBe(true);
    expectSoundFile(file);
    const killedState = readOnly(file, (db) => predictionState(db));
    expect(killedState.runs).toEqual([{ id: killedState.runs[0]!.id, status: 'running' }]);
    const doneBefore = killedState.doneImages;
    expect(doneBefore).toBeGreaterThanOrEqual(20);
    expect(doneBefore).toBeLessThan(DETECT_IMAGES);
    expect(killedState.duplicateBoxes).toBe(0);
    // Each image's boxes and its "done" mark were written together, or neither was.
    expect(killedState.imagesWithBoxesNotDone).toBe(0);
    expect(killedState.imagesWhereBoxesDisagreeWithRun).toBe(0);

    const again = await runShotbox(['detect', '--project', file, '--quiet']);
    expect(again.code, again.stderr).toBe(0);
    const runId = killedState.runs[0]!.id;
    expect(again.stderr).toMatch(
      new RegExp(
        `^detect: ${DETECT_IMAGES - doneBefore} images, \\d+ detections stored as pending, ` +
          `0 merged away \\([^)]*\\), ` +
          `resumed run ${runId} \\(${doneBefore} images already done\\), 0 failed`,
        'm',
      ),
    );
    expect(again.stderr).not.toContain('replacing'); // nothing done before was run again

    expectSoundFile(file);
    const final = readOnly(file, (db) => predictionState(db));
    expect(final.runs).toEqual([{ id: runId, status: 'done' }]);
    expect(final.doneImages).toBe(DETECT_IMAGES);
    expect(final.distinctDoneImages).toBe(DETECT_IMAGES);
    expect(final.duplicateBoxes).toBe(0);
    expect(final.imagesWithBoxesNotDone).toBe(0);
    expect(final.imagesWhereBoxesDisagreeWithRun).toBe(0);
    expect(final.modelBoxes).toBe(final.detectionsRecorded);
    expect(final.modelBoxes, 'the pasted faces were found').toBeGreaterThan(0);
  }, 240_000);

  it('detect <folder> --project as a job: killed mid-job, listed as interrupted with its failed files by name; the next start resumes it, nothing twice, nothing lost', async () => {
    const folder = path.join(workDir, 'job-images');
    await rm(folder, { recursive: true, force: true });
    const GOOD = DETECT_IMAGES;
    const generated = await makeGeneratedImages(folder, {
      count: GOOD,
      width: 320,
      height: 240,
      faceEvery: 6,
    });
    const jpeg = await readFile(generated[0]!);
    await writeFile(path.join(folder, 'cut short.jpg'), jpeg.subarray(0, 200));
    await writeFile(path.join(folder, 'blank notes.png'), 'a text file, not a PNG\n');
    const file = path.join(folder, 'job.shotbox');
    await removeProject(file);

    const args = ['detect', folder, '--project', file, '--quiet'];
    const run = await killWhen(
      args,
      file,
      (db) => count(db, 'SELECT count(*) AS n FROM run_images') >= 20,
      90_000,
    );
    expect(run.killed, `detect ended before it could be killed: ${run.stderr}`).toBe(true);
    expectSoundFile(file);
    const killed = readOnly(file, (db) => ({
      jobs: db.prepare('SELECT id, kind, state, run_id AS runId FROM jobs').all() as {
        id: number;
        kind: string;
        state: string;
        runId: number;
      }[],
      errors: db.prepare('SELECT file FROM job_errors ORDER BY file').all(),
      done: count(db, 'SELECT count(*) AS n FROM run_images'),
    }));
    expect(killed.jobs).toEqual([
      { id: 1, kind: 'detect', state: 'running', runId: expect.any(Number) },
    ]);
    // New files are read by the detection itself, in name order: the two bad ones (named to sort
    // first) were refused before the 20th image was done, each recorded with its reason.
    expect(killed.errors).toEqual([{ file: 'blank notes.png' }, { file: 'cut short.jpg' }]);
    expect(killed.done).toBeLessThan(GOOD);

    const listed = await runShotbox(['jobs', '--project', file, '--failed']);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(/^\s*1\s+detect\s+interrupted\s/m);
    expect(listed.stdout).toMatch(/^job 1 failed cut short\.jpg: .+/m);
    expect(listed.stdout).toMatch(/^job 1 failed blank notes\.png: .+/m);

    const again = await runShotbox(args.filter((a) => a !== '--quiet'));
    expect(again.code, again.stderr).toBe(3); // done, with failed files
    expect(again.stderr).toContain(`resuming job 1 (${killed.done} of `);
    expect(again.stderr).toMatch(
      new RegExp(
        `^detect: ${GOOD - killed.done} images, .*resumed run ${killed.jobs[0]!.runId} \\(${killed.done} images already done\\), 2 failed`,
        'm',
      ),
    );
    expect(again.stderr).not.toContain('replacing');
    expect(again.stderr).toMatch(/^failed cut short\.jpg: /m);
    expect(again.stderr).toMatch(/^failed blank notes\.png: /m);

    expectSoundFile(file);
    const final = readOnly(file, (db) => ({
      job: db.prepare('SELECT state, done, total, failed FROM jobs').get(),
      jobs: count(db, 'SELECT count(*) AS n FROM jobs'),
      state: predictionState(db),
      images: count(db, 'SELECT count(*) AS n FROM images'),
    }));
    expect(final.jobs).toBe(1);
    // The job counts every file it looked at, the two it could not use included.
    expect(final.job).toEqual({ state: 'done', done: GOOD + 2, total: GOOD + 2, failed: 2 });
    expect(final.images).toBe(GOOD);
    expect(final.state.runs).toEqual([{ id: killed.jobs[0]!.runId, status: 'done' }]);
    expect(final.state.doneImages).toBe(GOOD);
    expect(final.state.distinctDoneImages).toBe(GOOD);
    expect(final.state.duplicateBoxes).toBe(0);
    expect(final.state.imagesWhereBoxesDisagreeWithRun).toBe(0);
    expect(final.state.modelBoxes).toBeGreaterThan(0);
  }, 300_000);
});

interface PredictionState {
  runs: { id: number; status: string }[];
  doneImages: number;
  distinctDoneImages: number;
  modelBoxes: number;
  /** Sum of run_images.detections: what the run says it stored. */
  detectionsRecorded: number;
  /** Model boxes that exist more than once (same image, box and score). */
  duplicateBoxes: number;
  imagesWithBoxesNotDone: number;
  /** Images whose stored model boxes differ in number from what the run recorded for them. */
  imagesWhereBoxesDisagreeWithRun: number;
}

function predictionState(db: Database.Database): PredictionState {
  return {
    runs: db
      .prepare('SELECT id, status FROM detection_runs ORDER BY id')
      .all() as PredictionState['runs'],
    doneImages: count(db, 'SELECT count(*) AS n FROM run_images'),
    distinctDoneImages: count(db, 'SELECT count(DISTINCT image_id) AS n FROM run_images'),
    modelBoxes: count(db, "SELECT count(*) AS n FROM annotations WHERE origin = 'model'"),
    detectionsRecorded: count(
      db,
      'SELECT coalesce(sum(max(detections, 0)), 0) AS n FROM run_images',
    ),
    duplicateBoxes: count(
      db,
      `SELECT count(*) AS n FROM (SELECT 1 FROM annotations WHERE origin = 'model'
         GROUP BY image_id, x1, y1, x2, y2, score HAVING count(*) > 1)`,
    ),
    imagesWithBoxesNotDone: count(
      db,
      `SELECT count(DISTINCT a.image_id) AS n FROM annotations a
       WHERE a.origin = 'model' AND NOT EXISTS (SELECT 1 FROM run_images r WHERE r.image_id = a.image_id AND r.run_id = a.run_id)`,
    ),
    imagesWhereBoxesDisagreeWithRun: count(
      db,
      `SELECT count(*) AS n FROM run_images r
       WHERE max(r.detections, 0) <> (SELECT count(*) FROM annotations a WHERE a.image_id = r.image_id AND a.origin = 'model')`,
    ),
  };
}
