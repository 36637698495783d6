import { copyFile, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ProjectDb } from '../../../src/core/db/projectDb';
import { JobError, JobRunner, type JobEvent } from '../../../src/core/jobs/jobRunner';
import type { JobRecord } from '../../../src/shared/jobs/types';
import { runShotbox } from '../../helpers/cli';
import { demoPhotos, generatedDir, raccoonDir } from '../../helpers/paths';

// Import as a job of its own (`shotbox import`): listed with its failed files by name, paused
// and resumed without reading a recorded file twice, and refused for a folder outside the root.

const work = path.join(generatedDir, 'import-job');

/** A runner that runs no model (an import job needs none). */
function importRunner(project: ProjectDb, onEvent?: (e: JobEvent) => void): JobRunner {
  return new JobRunner(project, {
    progressEveryMs: 0,
    ...(onEvent ? { onEvent } : {}),
  });
}

describe('import jobs', () => {
  let project: ProjectDb | undefined;

  beforeAll(async () => {
    await rm(work, { recursive: true, force: true });
    await mkdir(work, { recursive: true });
  });
  afterEach(() => {
    project?.close();
    project = undefined;
  });

  it('`shotbox import` runs as an import job that `shotbox jobs` lists, the unreadable file named', async () => {
    const photos = path.join(work, 'cli', 'photos');
    await mkdir(photos, { recursive: true });
    for (const [i, file] of demoPhotos.slice(0, 3).entries())
      await copyFile(file, path.join(photos, `face-${i + 1}.jpg`));
    await writeFile(path.join(photos, 'broken.jpg'), 'not a JPEG at all');
    const projectFile = path.join(work, 'cli', 'faces.shotbox');

    const imported = await runShotbox(['import', photos, '--project', projectFile, '--quiet']);
    expect(imported.code, imported.stderr).toBe(3); // partial: one file could not be used
    expect(imported.stderr).toMatch(/3 images added/);

    const listed = await runShotbox(['jobs', '--project', projectFile, '--json']);
    expect(listed.code, listed.stderr).toBe(0);
    const jobs = JSON.parse(listed.stdout) as (JobRecord & {
      failures: { file: string; reason: string }[];
    })[];
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({ kind: 'import', state: 'done', failed: 1 });
    expect(jobs[0]!.message).toMatch(/3 images imported.*1 failed/);
    expect(jobs[0]!.failures).toEqual([
      { file: 'broken.jpg', reason: expect.stringMatching(/not a supported image|corrupt/) },
    ]);

    // The same command again: a new job that finds everything already recorded.
    const again = await runShotbox(['import', photos, '--project', projectFile, '--quiet']);
    expect(again.stderr).toMatch(/0 images added, 3 already in the project/);
  }, 60_000);

  it('a paused import resumes as the same job and records every image once', async () => {
    const photos = path.join(work, 'resume', 'photos');
    await mkdir(photos, { recursive: true });
    const names = (await readdir(path.join(raccoonDir, 'images'))).sort().slice(0, 40);
    for (const n of names) await copyFile(path.join(raccoonDir, 'images', n), path.join(photos, n));
    project = ProjectDb.create(path.join(work, 'resume', 'r.shotbox'), photos);

    let runner: JobRunner;
    let paused = false;
    runner = importRunner(project, (e) => {
      // Pause a few files in: the files in flight finish, the rest wait.
      if (e.type === 'progress' && e.done >= 5 && !paused) {
        paused = true;
        runner.pause(e.jobId);
      }
    });
    const first = runner.startImport({ inputs: [''] });
    const jobId = first.job.id;
    const one = await first.finished;
    expect(one.state).toBe('paused');
    expect(one.imported).toBeGreaterThan(0);
    expect(one.imported).toBeLessThan(names.length);
    expect(runner.get(jobId)!.state).toBe('paused');

    runner = importRunner(project);
    const second = runner.startImport({ inputs: [''] });
    expect(second.resumed).toBe(true);
    expect(second.job.id).toBe(jobId);
    const two = await second.finished;
    expect(two.state).toBe('done');
    // Nothing read twice: what the first session recorded is known, the rest is new.
    expect(two.imported).toBe(names.length - one.imported);
    expect(two.alreadyKnown).toBe(one.imported);
    const paths = project.images.all().map((i) => i.path);
    expect(paths.sort()).toEqual([...names].sort());
    expect(runner.list().filter((j) => j.kind === 'import')).toHaveLength(1);
  }, 60_000);

  it('a folder outside the image root is refused before any job is recorded', async () => {
    const root = path.join(work, 'outside', 'root');
    await mkdir(root, { recursive: true });
    project = ProjectDb.create(path.join(work, 'outside', 'o.shotbox'), root);
    const runner = importRunner(project);
    expect(() => runner.startImport({ inputs: ['../elsewhere'] })).toThrow(JobError);
    expect(() => runner.startImport({ inputs: ['../elsewhere'] })).toThrow(
      /outside the project's image root/,
    );
    expect(runner.list()).toHaveLength(0);
  });

  it('a runner started without a model fails a detect job with that reason, its images kept', async () => {
    const root = path.join(work, 'no-model', 'photos');
    await mkdir(root, { recursive: true });
    await copyFile(demoPhotos[0]!, path.join(root, 'face.jpg'));
    project = ProjectDb.create(path.join(work, 'no-model', 'n.shotbox'), root);
    const runner = importRunner(project);
    await runner.startImport({ inputs: [''] }).finished;
    const { job, finished } = runner.startDetect({});
    await expect(finished).rejects.toThrow(/run no model/);
    expect(runner.get(job.id)).toMatchObject({ kind: 'detect', state: 'failed' });
    expect(runner.get(job.id)!.message).toMatch(/run no model/);
    expect(project.images.count()).toBe(1);
  });
});
