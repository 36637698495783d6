import { cp, mkdir, realpath, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProjectDb } from '../../../src/core/db/projectDb';
import { launchChromium } from '../../helpers/browser';
import { demoPhotos, generatedDir, repoRoot } from '../../helpers/paths';
import { buildRenderer, serveWith, type ServedApp } from '../../helpers/serve';

// Issue 7 item 6 in the real UI: `shotbox serve --root <dir>` starts without a project; the
// open dialog browses the root and opens a folder of photos as a project.
describe('open a folder in browser mode (Chromium)', () => {
  const work = path.join(generatedDir, 'e2e-open-folder');
  let app: ServedApp | undefined;
  let browser: Browser;
  let root: string;

  beforeAll(async () => {
    await rm(work, { recursive: true, force: true });
    await mkdir(path.join(work, 'root', 'faces'), { recursive: true });
    root = await realpath(path.join(work, 'root'));
    for (const p of demoPhotos.slice(0, 3)) await cp(p, path.join(root, 'faces', path.basename(p)));
    buildRenderer();
    ({ browser } = await launchChromium());
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  it('browses the root, opens the folder, and shows its photos', async () => {
    app = await serveWith(['--root', root]);
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(app.openUrl);
    await page.getByTestId('no-project').waitFor();
    await page.getByTestId('open-folder').click();
    await page.getByTestId(`entry-${root}`).click();
    await page.getByTestId('entry-faces').click();
    await page.getByTestId('open-this-folder').click();
    await page.getByTestId('workbench').waitFor();
    await expect.poll(() => page.getByTestId('project-name').textContent()).toBe('faces');
    await page.screenshot({ path: path.join(repoRoot, 'test-results', 'open-folder.png') });
    await app.stop();
    app = undefined;
    const p = ProjectDb.open(path.join(root, 'faces', 'faces.shotbox'));
    expect(p.images.count()).toBe(3);
    p.close();
  });

  it('`shotbox serve <folder>` (npm start -- <folder>) opens the folder as a project', async () => {
    app = await serveWith([path.join(root, 'faces')]);
    const page = await browser.newPage();
    await page.goto(app.openUrl);
    await expect.poll(() => page.getByTestId('project-name').textContent()).toBe('faces');
    await app.stop();
    app = undefined;
  });
});
