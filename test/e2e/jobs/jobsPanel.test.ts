import { spawnSync } from 'node:child_process';
import { cp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProjectDb } from '../../../src/core/db/projectDb';
import { importFolder } from '../../../src/core/project/importFolder';
import { launchChromium } from '../../helpers/browser';

import { demoPhotos, generatedDir, repoRoot } from '../../helpers/paths';
import { buildRenderer, serveProject, type ServedApp } from '../../helpers/serve';

// A job the previous process did not finish (its row says 'running': the process was killed)
// is offered for resuming when the app starts; resuming imports the folder and detects it, and
// the jobs panel lists the file that failed by name.

const work = path.join(generatedDir, 'e2e-jobs');
const projectFile = path.join(work, 'jobs.shotbox');
const shots = path.join(repoRoot, 'test-results');

describe('jobs panel (browser mode, Chromium)', () => {
  let app: ServedApp;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];

  beforeAll(async () => {
    await rm(work, { recursive: true, force: true });
    await mkdir(path.join(work, 'photos'), { recursive: true });
    for (const p of demoPhotos.slice(0, 3))
      await cp(p, path.join(work, 'photos', path.basename(p)));
    await writeFile(path.join(work, 'photos', 'broken.jpg'), 'not a JPEG at all\n');
    await mkdir(path.join(work, 'seed'), { recursive: true });
    await cp(demoPhotos[3]!, path.join(work, 'seed', path.basename(demoPhotos[3]!)));
    const project = ProjectDb.create(projectFile, work);
    await importFolder(project, path.join(work, 'seed'));
    // Owned by a process that has exited, as a killed one leaves it.
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    project.jobs.create(
      'detect',
      { inputs: ['photos'] },
      { pid: dead, host: os.hostname(), token: 'killed' },
    );
    project.close();
    buildRenderer();
    app = await serveProject(projectFile);
    const chromium = await launchChromium();
    browser = chromium.browser;
    page = await (await chromium.context()).newPage();
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(app.openUrl);
    await page
      .getByTestId('workbench')
      .waitFor({ timeout: 30_000 })
      .catch(async (err: unknown) => {
        await mkdir(shots, { recursive: true });
        await page.screenshot({ path: path.join(shots, 'jobs-panel-boot.png') });
        throw err;
      });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  it('offers the interrupted job, resumes it to the end and names the failed file', async () => {
    const banner = page.getByTestId('jobs-banner');
    await banner.waitFor({ timeout: 20_000 });
    expect(await banner.textContent()).toMatch(/Detection job 1 was interrupted/);
    await page.getByTestId('banner-resume').click();

    await page.getByTestId('jobs-button').click();
    const row = page.getByTestId('job-1');
    await row
      .getByTestId('job-state')
      .filter({ hasText: /^done$/ })
      .waitFor({ timeout: 60_000 });
    await row.getByTestId('job-show-failures').click();
    const failures = row.getByTestId('job-failures');
    await failures.waitFor();
    expect(await failures.textContent()).toMatch(/photos\/broken\.jpg: not a supported image/);
    await mkdir(shots, { recursive: true });
    await page.screenshot({ path: path.join(shots, 'jobs-panel.png') });

    const p = ProjectDb.open(projectFile);
    try {
      // Every file the job looked at counts, the one it could not use included.
      expect(p.jobs.get(1)).toMatchObject({ state: 'done', done: 4, total: 4, failed: 1 });
      expect(p.images.count()).toBe(4);
      expect(p.jobs.list()).toHaveLength(1); // resumed, not started again
    } finally {
      p.close();
    }
    expect(await page.getByTestId('jobs-banner').count()).toBe(0);
    expect(errors).toEqual([]);
  }, 120_000);
});
