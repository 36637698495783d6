import { copyFile, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProjectDb } from '../../../src/core/db/projectDb';
import { launchChromium } from '../../helpers/browser';
import { runShotbox } from '../../helpers/cli';
import { demoPhotos, generatedDir, repoRoot } from '../../helpers/paths';
import { buildRenderer, serveProject, type ServedApp } from '../../helpers/serve';

// The workbench's rough edges, in Chromium against the real backend: layout at small and usual
// window sizes (no control under another), keys (W without a class, the slider's arrows, ?),
// errors that clear and stay off the canvas toolbar, natural order, reopening where one left
// off, changes made by the CLI, a named failure in a batch and a lost server.

const work = path.join(generatedDir, 'e2e-layout');
const photos = path.join(work, 'photos');
const projectFile = path.join(work, 'faces.shotbox');
const shots = path.join(repoRoot, 'test-results');
// Names that sort differently by code point and by number.
const names = ['face-1.jpg', 'face-10.jpg', 'face-2.jpg', 'face-3.jpg'];

interface CanvasHook {
  shownUrl: string | null;
}

function imageId(file: string): number {
  const p = ProjectDb.open(projectFile);
  try {
    return p.images.byPath(file)!.id;
  } finally {
    p.close();
  }
}

/**
 * Every visible control that is not where a person can click it: outside the window, or under
 * another element at its centre. Controls clipped by their own scrolling list are skipped (a
 * list row half scrolled out is not "under" anything).
 */
async function coveredControls(page: Page): Promise<string[]> {
  // Runs in the page (a string: the test's TypeScript has no DOM types).
  return page.evaluate<string[]>(`(() => {
    const problems = [];
    const selector =
      'button, [role="button"], [role="slider"], [role="combobox"], [role="tab"], input:not([type="hidden"])';
    const describe = (el) =>
      (el.getAttribute('data-testid') ??
        el.getAttribute('aria-label') ??
        (el.textContent ?? '').trim().slice(0, 30)) ||
      el.tagName.toLowerCase();
    for (const el of Array.from(document.querySelectorAll(selector))) {
      const style = getComputedStyle(el);
      const r = el.getBoundingClientRect();
      if (style.visibility === 'hidden' || style.opacity === '0' || r.width < 4 || r.height < 4)
        continue;
      if (el.closest('[aria-hidden="true"]')) continue;
      const cx = r.left + r.width / 2;
      const cy = r.top + r.height / 2;
      let clipped = false;
      for (let a = el.parentElement; a; a = a.parentElement) {
        const o = getComputedStyle(a).overflowY;
        if (o === 'auto' || o === 'scroll') {
          const ar = a.getBoundingClientRect();
          if (cy < ar.top || cy > ar.bottom || cx < ar.left || cx > ar.right) clipped = true;
        }
      }
      if (clipped) continue;
      if (r.left < 0 || r.top < 0 || r.right > innerWidth + 0.5 || r.bottom > innerHeight + 0.5) {
        problems.push(describe(el) + ' is outside the window');
        continue;
      }
      const top = document.elementFromPoint(cx, cy);
      if (top && top !== el && !el.contains(top) && !top.contains(el))
        problems.push(describe(el) + ' is under ' + describe(top));
    }
    return problems;
  })()`);
}

function overlaps(
  a: { x: number; y: number; width: number; height: number },
  b: { x: number; y: number; width: number; height: number },
): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

describe('workbench layout, keys and notices (browser mode, Chromium)', () => {
  let app: ServedApp;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const pageErrors: string[] = [];

  const waitShown = async (file: string): Promise<void> => {
    const id = imageId(file);
    await page.waitForFunction(
      (want) =>
        (
          globalThis as unknown as { __shotboxCanvas?: CanvasHook }
        ).__shotboxCanvas?.shownUrl?.endsWith(`/image/${want}`),
      id,
      { timeout: 20_000 },
    );
  };
  const currentPath = (): Promise<string | null> => page.getByTestId('image-path').textContent();
  const shot = (name: string): Promise<Buffer> =>
    page.screenshot({ path: path.join(shots, `layout-${name}.png`) });
  const openPage = async (width: number, height: number): Promise<void> => {
    await context?.close();
    const chromium = await launchChromium();
    browser ??= chromium.browser;
    context = await browser.newContext({ viewport: { width, height } });
    page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(`${app.openUrl}&testhooks`);
    await page.getByTestId('workbench').waitFor({ timeout: 30_000 });
  };

  beforeAll(async () => {
    await rm(work, { recursive: true, force: true });
    await mkdir(photos, { recursive: true });
    for (const [i, name] of names.entries())
      await copyFile(demoPhotos[i]!, path.join(photos, name));
    const imported = await runShotbox(['import', photos, '--project', projectFile, '--quiet']);
    expect(imported.code, imported.stderr).toBe(0);
    buildRenderer();
    app = await serveProject(projectFile);
    await openPage(1024, 700);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  it('lists images in natural order: face-2 before face-10', async () => {
    const ids = await page
      .locator('[data-testid^="image-row-"]')
      .evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-testid')!.slice(10))));
    expect(ids).toEqual(['face-1.jpg', 'face-2.jpg', 'face-3.jpg', 'face-10.jpg'].map(imageId));
    await waitShown('face-1.jpg');
  });

  it('W with no class asks for a class name first, then draws with it', async () => {
    await page.keyboard.press('w');
    await page.getByTestId('class-prompt-name').waitFor();
    await page.keyboard.press('Escape'); // cancel: still selecting, nothing created
    await page.getByTestId('class-prompt-name').waitFor({ state: 'detached' });
    await page.keyboard.press('w');
    await page.getByTestId('class-prompt-name').fill('face');
    await page.getByTestId('class-prompt-submit').click();
    await page.getByTestId('class-prompt-name').waitFor({ state: 'detached' });
    await expect(page.getByTestId('class-picker').textContent()).resolves.toContain('face');
    await expect(page.getByTestId('status-last-action').textContent()).resolves.toMatch(/Draw/);
    const p = ProjectDb.open(projectFile);
    expect(p.classes.list().map((c) => c.name)).toEqual(['face']);
    p.close();
    await page.keyboard.press('Escape');
  });

  it('at 1024×700 every control is visible and clickable, none under another', async () => {
    await page.getByTestId('zoom-in').waitFor();
    await shot('1024x700');
    expect(await coveredControls(page)).toEqual([]);
  });

  it('shows the zoom in the status bar and follows the keys', async () => {
    const zoomText = page.getByTestId('status-zoom');
    await zoomText.waitFor();
    const before = await zoomText.textContent();
    expect(before).toMatch(/zoom \d+%/);
    await page.keyboard.press('+');
    await page.waitForFunction(
      `document.querySelector('[data-testid="status-zoom"]')?.textContent !== ${JSON.stringify(before)}`,
    );
    await page.keyboard.press('f');
  });

  it('keeps the arrow keys on the score slider while it is focused', async () => {
    const path1 = await currentPath();
    const slider = page.getByTestId('threshold-slider').locator('input[type="range"]');
    const thumb = page.getByTestId('threshold-slider').locator('.MuiSlider-thumb');
    await thumb.click(); // focus by pointer, as a person would
    const start = Number(await slider.inputValue());
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('ArrowRight');
    expect(Number(await slider.inputValue())).toBeCloseTo(start + 0.02, 5);
    expect(await currentPath()).toBe(path1); // the image did not change
    // Focus elsewhere: → is "next image" again.
    await slider.blur();
    await page.keyboard.press('ArrowRight');
    await waitShown('face-2.jpg');
  });

  it('? toggles the shortcut sheet, which lists wheel zoom and pan and has a close button', async () => {
    await page.keyboard.press('?');
    const sheet = page.getByTestId('shortcut-sheet');
    await sheet.waitFor();
    await expect(page.getByTestId('shortcut-mouse').textContent()).resolves.toMatch(
      /Wheel.*Zoom at the pointer.*Space\+drag.*Pan/,
    );
    await shot('shortcuts-1024x700');
    await page.keyboard.press('?');
    await sheet.waitFor({ state: 'detached' });
    await page.keyboard.press('?');
    await sheet.waitFor();
    await page.getByTestId('shortcut-close').click();
    await sheet.waitFor({ state: 'detached' });
  });

  it('shows a failure below the canvas toolbar and clears it after the next success', async () => {
    await waitShown('face-2.jpg');
    // The photo vanishes from disk: detecting it fails in the backend.
    const file = path.join(photos, 'face-2.jpg');
    await rename(file, `${file}.away`);
    await page.keyboard.press('Control+d');
    const alert = page.getByTestId('backend-error');
    await alert.waitFor({ timeout: 60_000 });
    await expect(alert.getAttribute('data-error-code')).resolves.toBe('internal');
    const toolbar = await page.getByTestId('zoom-in').locator('xpath=..').boundingBox();
    const box = await alert.boundingBox();
    expect(overlaps(box!, toolbar!), 'the notice covers the canvas toolbar').toBe(false);
    await shot('error-1024x700');
    expect(await coveredControls(page)).toEqual([]);
    await rename(`${file}.away`, file);
    // The next successful action (here: next image) clears the notice.
    await page.keyboard.press('d');
    await waitShown('face-3.jpg');
    await alert.waitFor({ state: 'detached' });
  });

  it('names the image that failed in a batch detection', async () => {
    const file = path.join(photos, 'face-10.jpg');
    await rename(file, `${file}.away`);
    await page.getByTestId('detect-batch').click();
    const alert = page.getByTestId('backend-error');
    await alert.waitFor({ timeout: 120_000 });
    await expect(alert.textContent()).resolves.toMatch(/1 image failed: face-10\.jpg \(/);
    await rename(`${file}.away`, file);
    await page.getByTestId('error-dismiss').click();
  });

  it('shows boxes the CLI imports while the UI is open, with the imported icon', async () => {
    await page.getByTestId(`image-row-${imageId('face-1.jpg')}`).click();
    await waitShown('face-1.jpg');
    const labels = path.join(work, 'labels');
    await mkdir(labels, { recursive: true });
    await writeFile(
      path.join(labels, 'face-1.xml'),
      '<annotation><filename>face-1.jpg</filename><object><name>face</name>' +
        '<bndbox><xmin>10</xmin><ymin>20</ymin><xmax>110</xmax><ymax>140</ymax></bndbox>' +
        '</object></annotation>',
    );
    const run = await runShotbox([
      'import',
      photos,
      '--project',
      projectFile,
      '--annotations',
      labels,
      '--quiet',
    ]);
    expect(run.code, run.stderr).toBe(0);
    await page.getByTestId('origin-imported').waitFor({ timeout: 15_000 }); // no reload
  });

  it('reopens the project at the image last worked on', async () => {
    await page.keyboard.press('d');
    await waitShown('face-2.jpg');
    await page.reload();
    await page.getByTestId('workbench').waitFor({ timeout: 30_000 });
    await waitShown('face-2.jpg');
    expect(await currentPath()).toBe('face-2.jpg');
    await page.keyboard.press('d'); // its place in the list is known: the next is face-3
    await waitShown('face-3.jpg');
  });

  it('at 1280×800 every control is visible and clickable, none under another', async () => {
    await openPage(1280, 800);
    await waitShown('face-3.jpg');
    await shot('1280x800');
    expect(await coveredControls(page)).toEqual([]);
  });

  it('shows a lost server connection', async () => {
    await app.stop();
    await page.keyboard.press('d');
    await page.getByTestId('connection-lost').waitFor({ timeout: 15_000 });
    await shot('connection-lost-1280x800');
    expect(pageErrors).toEqual([]);
  });
});
