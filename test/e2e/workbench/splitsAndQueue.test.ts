import { copyFile, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProjectDb } from '../../../src/core/db/projectDb';
import { launchChromium } from '../../helpers/browser';
import { runShotbox } from '../../helpers/cli';
import { demoPhotos, generatedDir, repoRoot } from '../../helpers/paths';
import { buildRenderer, serveProject, type ServedApp } from '../../helpers/serve';

// In Chromium against the real backend: the open image's split is shown, set (one undo step) and
// filtered by; the review queue orders the list by the model's doubt, narrows it to a score band,
// and U opens the next most uncertain image.

const work = path.join(generatedDir, 'e2e-splits-queue');
const photos = path.join(work, 'photos');
const projectFile = path.join(work, 'faces.shotbox');
const shots = path.join(repoRoot, 'test-results');

function withProject<T>(fn: (p: ProjectDb) => T): T {
  const p = ProjectDb.open(projectFile);
  try {
    return fn(p);
  } finally {
    p.close();
  }
}

const splitOf = (file: string): string | null => withProject((p) => p.images.byPath(file)!.split);

describe('splits and the review queue in the workbench', () => {
  let app: ServedApp;
  let browser: Browser;
  let page: Page;

  const rowIds = (): Promise<number[]> =>
    page
      .locator('[data-testid^="image-row-"]')
      .evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-testid')!.slice(10))));
  const currentPath = (): Promise<string | null> => page.getByTestId('image-path').textContent();
  const pick = async (select: string, option: string): Promise<void> => {
    await page.getByTestId(select).click();
    await page.getByRole('option', { name: option, exact: true }).click();
  };
  const waitRows = async (n: number): Promise<void> => {
    await expect.poll(async () => (await rowIds()).length, { timeout: 15_000 }).toBe(n);
  };

  beforeAll(async () => {
    await rm(work, { recursive: true, force: true });
    await mkdir(photos, { recursive: true });
    for (const [i, file] of demoPhotos.slice(0, 4).entries())
      await copyFile(file, path.join(photos, `face-${i + 1}.jpg`));
    const imported = await runShotbox(['import', photos, '--project', projectFile, '--quiet']);
    expect(imported.code, imported.stderr).toBe(0);
    // Pending predictions with real scores, including low ones: the queue has something to order.
    const detected = await runShotbox([
      'detect',
      '--project',
      projectFile,
      '--threshold',
      '0.05',
      '--quiet',
    ]);
    expect(detected.code, detected.stderr).toBe(0);
    buildRenderer();
    app = await serveProject(projectFile);
    browser = (await launchChromium()).browser;
    const context = await browser.newContext({ viewport: { width: 1024, height: 700 } });
    page = await context.newPage();
    await page.goto(`${app.openUrl}&testhooks`);
    await page.getByTestId('workbench').waitFor({ timeout: 30_000 });
    await page.locator('[data-testid^="image-row-"]').nth(3).waitFor({ timeout: 30_000 });
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  it("sets the open image's split with the control, shows it in the list, filters by it, and undoes it", async () => {
    const file = (await currentPath())!;
    const id = withProject((p) => p.images.byPath(file)!.id);
    expect(splitOf(file)).toBeNull();
    await expect(page.getByTestId('image-split').textContent()).resolves.toContain('none yet');
    await page.getByTestId('image-split').click();
    await page.getByTestId('split-option-test').click();
    await page.getByTestId(`image-split-${id}`).waitFor();
    await expect(page.getByTestId(`image-split-${id}`).textContent()).resolves.toContain('test');
    expect(splitOf(file)).toBe('test');
    await expect(page.getByTestId('status-last-action').textContent()).resolves.toMatch(
      /Moved image to test/,
    );
    await page.screenshot({ path: path.join(shots, 'split-control-1024x700.png') });

    await pick('split-filter', 'test');
    await waitRows(1);
    expect(await rowIds()).toEqual([id]);
    await pick('split-filter', 'Any split');
    await waitRows(4);

    await page.locator('body').click({ position: { x: 500, y: 300 } });
    await page.keyboard.press('Control+z');
    await page.getByTestId(`image-split-${id}`).waitFor({ state: 'detached' });
    expect(splitOf(file)).toBeNull();
  });

  it('orders the list by uncertainty, narrows it to a score band, and U opens the next most uncertain image', async () => {
    const threshold = 0.5;
    const expected = withProject((p) =>
      p.images.list({ order: 'uncertain', threshold, limit: 10 }).map((i) => i.id),
    );
    const byName = await rowIds();
    expect(expected, 'the fixture orders differently by doubt than by name').not.toEqual(byName);
    await pick('order-select', 'Uncertain first');
    await expect.poll(rowIds, { timeout: 15_000 }).toEqual(expected);

    // U: the most uncertain image other than the open one.
    const queue = withProject((p) =>
      p.images
        .list({ order: 'uncertain', threshold, annotationReview: 'pending', limit: 10 })
        .map((i) => i.path),
    );
    const before = await currentPath();
    await page.locator('body').click({ position: { x: 500, y: 300 } });
    await page.keyboard.press('u');
    const want = queue.find((f) => f !== before)!;
    await expect.poll(currentPath, { timeout: 15_000 }).toBe(want);

    // The score band, set with the keyboard on its two thumbs: 0.60–0.80 leaves out face-1
    // (its pending boxes score 0.05 or ≥ 0.99) on these photos.
    const thumbs = page.getByTestId('score-band').locator('input[type="range"]');
    await thumbs.first().focus();
    for (let i = 0; i < 12; i++) await page.keyboard.press('ArrowRight'); // 0 → 0.60
    await thumbs.last().focus();
    for (let i = 0; i < 4; i++) await page.keyboard.press('ArrowLeft'); // 1 → 0.80
    await expect(page.getByTestId('score-band-text').textContent()).resolves.toContain('0.60–0.80');
    const inBand = withProject((p) =>
      p.images
        .list({ order: 'uncertain', threshold, scoreBand: { min: 0.6, max: 0.8 }, limit: 10 })
        .map((i) => i.id),
    );
    expect(inBand.length).toBeGreaterThan(0);
    expect(inBand.length, 'the band leaves some images out').toBeLessThan(expected.length);
    await expect.poll(rowIds, { timeout: 15_000 }).toEqual(inBand);
    await page.screenshot({ path: path.join(shots, 'review-queue-1024x700.png') });
    // At 1024 px the queue's controls stay inside the image list (not under the canvas).
    const list = (await page.getByTestId('image-list').boundingBox())!;
    for (const id of ['split-filter', 'order-select', 'score-band']) {
      const box = (await page.getByTestId(id).boundingBox())!;
      expect(box.x + box.width, id).toBeLessThanOrEqual(list.x + list.width);
    }
  });
});
