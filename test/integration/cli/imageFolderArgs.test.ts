import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runShotbox } from '../../helpers/cli';
import { generatedDir, raccoonDir } from '../../helpers/paths';

// Commands that take a folder of images, given one image file instead: each is refused before
// any project file is made or changed. Runs the real `shotbox` as a process.
const dir = path.join(generatedDir, 'cli-image-folder-args');
const images = path.join(dir, 'images');
const photo = path.join(images, 'raccoon-1.jpg');

/** Every file in `folder` with its sha256: the project file, its -wal and -shm included. */
async function snapshot(folder: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of (await readdir(folder)).sort())
    if (name.includes('.shotbox'))
      out[name] = createHash('sha256')
        .update(await readFile(path.join(folder, name)))
        .digest('hex');
  return out;
}

beforeAll(async () => {
  await rm(dir, { recursive: true, force: true });
  await mkdir(images, { recursive: true });
  for (const n of [1, 2])
    await copyFile(
      path.join(raccoonDir, 'images', `raccoon-${n}.jpg`),
      path.join(images, `raccoon-${n}.jpg`),
    );
});

describe('an image file where a folder of images belongs', () => {
  it('import refuses it and makes no project', async () => {
    const project = path.join(dir, 'new', 'p.shotbox');
    const run = await runShotbox(['import', photo, '--project', project]);
    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toBe(
      `shotbox: import takes a folder of images, and ${photo} is a file (its folder: ${images}); nothing was changed`,
    );
    expect(existsSync(path.join(dir, 'new'))).toBe(false);
  });

  it('import into an existing project refuses it and leaves the project as it was', async () => {
    const folder = path.join(dir, 'existing');
    const project = path.join(folder, 'p.shotbox');
    const made = await runShotbox(['import', images, '--project', project, '--quiet']);
    expect(made.code, made.stderr).toBe(0);
    const before = await snapshot(folder);
    expect(Object.keys(before)).toContain('p.shotbox');

    const run = await runShotbox(['import', photo, '--project', project]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/import takes a folder of images, and .*raccoon-1\.jpg is a file/);
    expect(await snapshot(folder)).toEqual(before);
    const jobs = await runShotbox(['jobs', '--project', project, '--json']);
    expect(jobs.code, jobs.stderr).toBe(0);
    expect((JSON.parse(jobs.stdout) as unknown[]).length, 'only the first import job').toBe(1);
  });

  it('detect --project refuses it as the image root of a new project', async () => {
    const project = path.join(dir, 'detect', 'p.shotbox');
    const run = await runShotbox(['detect', photo, '--project', project, '--quiet']);
    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toBe(
      `shotbox: ${photo} is a file, not a folder: a project's image root is the folder that holds its images; ` +
        `a new project is made from a folder (detect <folder> --project ${project})`,
    );
    expect(existsSync(path.join(dir, 'detect'))).toBe(false);
  });

  it('relocate refuses it as the new image root and keeps the old one', async () => {
    const folder = path.join(dir, 'relocate');
    const project = path.join(folder, 'p.shotbox');
    const made = await runShotbox(['import', images, '--project', project, '--quiet']);
    expect(made.code, made.stderr).toBe(0);
    const before = await snapshot(folder);

    const run = await runShotbox(['relocate', '--project', project, '--image-root', photo]);
    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toBe(
      `shotbox: --image-root ${photo} is a file, not a folder: a project's image root is the folder that holds its images`,
    );
    expect(await snapshot(folder)).toEqual(before);
    const stats = await runShotbox(['stats', '--project', project, '--json']);
    expect((JSON.parse(stats.stdout) as { imageRoot: string }).imageRoot).toBe(images);
  });
});
