import { cp, mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProjectDb } from '../../../src/core/db/projectDb';
import { parseVoc } from '../../../src/core/formats/voc';
import { importParsedAnnotations } from '../../../src/core/project/importAnnotations';
import { importFolder } from '../../../src/core/project/importFolder';
import { fullModeAvailability } from '../../../src/core/training/fullModeSupport';
import { launchChromium } from '../../helpers/browser';
import { generatedDir, raccoonDir, repoRoot } from '../../helpers/paths';
import { buildRenderer, serveProject, type ServedApp } from '../../helpers/serve';

// Training from the UI on a small project (40 raccoon photos with their VOC labels), in browser
// mode with the real server, worker and Chromium: start, the loss and val mAP curves get points,
// stop while it runs, and the trained model is in the model picker. At 1024×700, the page's
// smallest. Training on cached features runs an epoch of a handful of images in well under a
// second, so the project is big enough (and the epochs many enough) that there is a run to stop.

const work = path.join(generatedDir, 'e2e-training');
const projectFile = path.join(work, 'raccoons.shotbox');
const shots = path.join(repoRoot, 'test-results');
const PHOTOS = 40;

describe('training page (browser mode, Chromium)', () => {
  let app: ServedApp;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];

  beforeAll(async () => {
    await rm(work, { recursive: true, force: true });
    await mkdir(path.join(work, 'images'), { recursive: true });
    await mkdir(path.join(work, 'labels'), { recursive: true });
    const names = (await readdir(path.join(raccoonDir, 'images')))
      .filter((f) => f.endsWith('.jpg'))
      .sort()
      .slice(0, PHOTOS)
      .map((f) => f.replace(/\.jpg$/, ''));
    for (const n of names) {
      await cp(path.join(raccoonDir, 'images', `${n}.jpg`), path.join(work, 'images', `${n}.jpg`));
      await cp(
        path.join(raccoonDir, 'annotations', `${n}.xml`),
        path.join(work, 'labels', `${n}.xml`),
      );
    }
    const project = ProjectDb.create(projectFile, path.join(work, 'images'));
    await importFolder(project, path.join(work, 'images'));
    importParsedAnnotations(project, await parseVoc(path.join(work, 'labels')));
    project.close();
    buildRenderer();
    app = await serveProject(projectFile);
    const chromium = await launchChromium();
    browser = chromium.browser;
    const context = await browser.newContext({ viewport: { width: 1024, height: 700 } });
    page = await context.newPage();
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(app.openUrl);
    await page.getByTestId('workbench').waitFor({ timeout: 30_000 });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  it('starts training from the UI, the curves update, stop registers the model and it is in the picker', async () => {
    await page.keyboard.press('t');
    const training = page.getByTestId('training-page');
    await training.waitFor({ timeout: 20_000 });
    expect(await page.getByTestId('train-classes').textContent()).toBe('raccoon');
    // Full mode is offered only with a native tfjs backend; without one (here) it is shown
    // disabled, with what to install.
    const native = fullModeAvailability().available;
    await training.getByRole('combobox', { name: /^Mode/ }).click();
    await page.getByRole('option', { name: /^extras/ }).waitFor();
    expect(await page.getByTestId('train-mode-full').getAttribute('aria-disabled')).toBe(
      native ? null : 'true',
    );
    await page.keyboard.press('Escape');
    if (!native)
      expect(await page.getByTestId('train-full-reason').textContent()).toMatch(
        /install @tensorflow\/tfjs-node-gpu .*or @tensorflow\/tfjs-node/,
      );
    await page.getByTestId('train-epochs').fill('200');
    await page.getByTestId('train-name').fill('raccoon-ui');
    await page.getByTestId('train-start').click();

    // Loss points arrive step by step; the val mAP chart gets its first epoch.
    const lossTitle = page.getByTestId('train-loss-chart').locator('h6');
    await lossTitle.filter({ hasText: /\(([2-9]|\d\d+) steps\)/ }).waitFor({ timeout: 240_000 });
    expect(await page.getByTestId('train-loss-chart').locator('svg path').count()).toBeGreaterThan(
      0,
    );
    await page
      .getByTestId('train-map-chart')
      .locator('h6')
      .filter({ hasText: /\(\d+ epochs?\)/ })
      .waitFor({ timeout: 240_000 });
    expect(await page.getByTestId('train-status').textContent()).toMatch(/Step \d+ \/ \d+/);
    await mkdir(shots, { recursive: true });
    await page.screenshot({ path: path.join(shots, 'training-page-running.png') });

    await page.getByTestId('train-stop').click();
    await page.getByTestId('train-summary').waitFor({ timeout: 120_000 });
    expect(await page.getByTestId('train-model').textContent()).toBe('raccoon-ui');
    await page.getByTestId('train-resume').waitFor();
    // The page holds at 1024×700: nothing wider than the window.
    const overflow = await page.evaluate<number>(
      '(() => document.documentElement.scrollWidth - window.innerWidth)()',
    );
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: path.join(shots, 'training-page-stopped.png') });

    // "Pre-annotate with it": the model is selected in the picker and detection runs.
    await page.getByTestId('train-preannotate').click();
    await training.waitFor({ state: 'detached', timeout: 10_000 });
    const picker = page.getByTestId('model-picker');
    await picker.filter({ hasText: 'raccoon-ui' }).waitFor({ timeout: 10_000 });
    await picker.click();
    await page.getByRole('option', { name: /raccoon-ui/ }).waitFor();
    await page.screenshot({ path: path.join(shots, 'training-model-picker.png') });
    await page.keyboard.press('Escape');
    expect(errors).toEqual([]);
  }, 600_000);
});
