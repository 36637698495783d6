import { cp, mkdir, mkdtemp, realpath, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../helpers/browser';
import { demoPhotos, generatedDir, repoRoot } from '../../helpers/paths';
import { buildRenderer, serveWith, type ServedApp } from '../../helpers/serve';
import { writeRawSsd } from '../../helpers/ssdGraphs';

// Issue 12 item 3 in the real UI: "Add model…" from the model picker, in browser mode, on an SSD
// export under a --root folder: choose the file, see what was inferred, pick the preset, give the
// classes, test-run, add; the model is in the picker, and still there after a server restart.
describe('Add model… in browser mode (Chromium)', () => {
  const work = path.join(generatedDir, 'e2e-add-model');
  const shots = path.join(repoRoot, 'test-results');
  let app: ServedApp | undefined;
  let browser: Browser;
  let root: string;
  const savedUserDir = process.env.SHOTBOX_USER_MODELS_DIR;

  beforeAll(async () => {
    await rm(work, { recursive: true, force: true });
    await mkdir(path.join(work, 'root', 'exports'), { recursive: true });
    await mkdir(path.join(work, 'root', 'faces'), { recursive: true });
    await mkdir(shots, { recursive: true });
    root = await realpath(path.join(work, 'root'));
    for (const p of demoPhotos.slice(0, 2)) await cp(p, path.join(root, 'faces', path.basename(p)));
    writeRawSsd({
      file: path.join(root, 'exports', 'pets.onnx'),
      layout: 'nchw',
      width: 300,
      height: 300,
      priors: 8732,
      columns: 3,
    });
    // An empty user models folder of its own, shared by both servers (they inherit it).
    process.env.SHOTBOX_USER_MODELS_DIR = await mkdtemp(path.join(os.tmpdir(), 'shotbox-e2e-um-'));
    buildRenderer();
    ({ browser } = await launchChromium());
  });
  afterAll(async () => {
    process.env.SHOTBOX_USER_MODELS_DIR = savedUserDir;
    await browser?.close();
    await app?.stop();
  });

  const openPicker = async (page: Page): Promise<void> => {
    await page.getByTestId('model-picker').click();
  };

  it('adds an SSD export from a --root folder and keeps it across a restart', async () => {
    app = await serveWith([path.join(root, 'faces'), '--root', root]);
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(app.openUrl);
    await page.getByTestId('workbench').waitFor();

    await openPicker(page);
    await page.getByTestId('add-model').click();
    const dialog = page.getByTestId('add-model-dialog');
    await dialog.waitFor();
    await page.getByTestId(`model-entry-${root}`).click();
    await page.getByTestId('model-entry-exports').click();
    await page.getByTestId('model-entry-pets.onnx').click();

    // What the graph says, before anything is given.
    await expect
      .poll(() => page.getByTestId('inferred-input').textContent())
      .toMatch(/300×300 NCHW/);
    expect(await page.getByTestId('inferred-priors').textContent()).toMatch(/8732/);
    expect(await page.getByTestId('inferred-score-columns').textContent()).toMatch(/3/);
    expect(await page.getByTestId('model-needs').textContent()).toMatch(/classes/);
    expect(await page.getByTestId('model-add').isDisabled()).toBe(true);

    await page.getByTestId('model-preset').click();
    await page.getByTestId('preset-torchvision-ssd300').click();
    await page.getByTestId('model-classes').fill('cat\ndog');
    await page.getByTestId('model-test').click();
    await expect
      .poll(() => page.getByTestId('model-test-run').textContent())
      .toMatch(/Test run: \d+ detections, best cat/);
    expect(await page.getByTestId('inferred-prior-check').textContent()).toMatch(
      /8732 = preset torchvision-ssd300/,
    );
    expect(await page.getByTestId('inferred-classes').textContent()).toBe('Classes2');
    await page.screenshot({ path: path.join(shots, 'add-model-inspected.png') });

    await page.getByTestId('model-add').click();
    await page.getByTestId('model-added').waitFor();
    await page.getByRole('button', { name: 'Close' }).click();
    await expect.poll(() => page.getByTestId('model-picker').textContent()).toMatch(/pets/);

    await app.stop();
    app = await serveWith([path.join(root, 'faces'), '--root', root]);
    const again = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await again.goto(app.openUrl);
    await again.getByTestId('workbench').waitFor();
    // Detect still runs the bundled model by default; the added one is in the picker.
    expect(await again.getByTestId('model-picker').textContent()).toMatch(/ssd-mobilenetv1-face/);
    await openPicker(again);
    const option = again.getByRole('option', { name: /pets/ });
    await option.waitFor();
    expect(await option.textContent()).toMatch(/cat, dog · 300×300 · yours/);
    // The menu fades in: shoot it once it is fully shown.
    await again.waitForFunction(() => {
      // Typed by hand: the test compiles without DOM types.
      const g = globalThis as unknown as {
        document: { querySelector(selector: string): object | null };
        getComputedStyle(element: object): { opacity: string };
      };
      const paper = g.document.querySelector('.MuiMenu-paper');
      return paper !== null && g.getComputedStyle(paper).opacity === '1';
    });
    await again.screenshot({ path: path.join(shots, 'add-model-after-restart.png') });
    await app.stop();
    app = undefined;
  });
});
