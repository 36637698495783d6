import { mkdir, rm } from 'node:fs/promises';
import { cp } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProjectDb } from '../../../src/core/db/projectDb';
import type { AnnotationRecord } from '../../../src/shared/project/types';
import { launchChromium } from '../../helpers/browser';
import { runShotbox } from '../../helpers/cli';
import { demoPhotos, generatedDir, repoRoot } from '../../helpers/paths';
import { buildRenderer, serveProject, type ServedApp } from '../../helpers/serve';

// The whole review loop in browser mode: real photos, the real backend and model, Debian's
// Chromium clicking through the real UI. After each step the SQLite file is read to check that
// exactly what was done is stored — so the test fails if any step did not persist.

const work = path.join(generatedDir, 'e2e-review');
const projectFile = path.join(work, 'faces.shotbox');
const shots = path.join(repoRoot, 'test-results');

interface CanvasHook {
  imageToClient(x: number, y: number): { x: number; y: number };
  shownUrl: string | null;
}

/** All boxes of one image straight from the database (a fresh connection each time). */
function dbBoxes(file: string): AnnotationRecord[] {
  const p = ProjectDb.open(projectFile);
  try {
    const img = p.images.byPath(file)!;
    return p.annotations.ofImage(img.id);
  } finally {
    p.close();
  }
}

function dbClassId(name: string): number | undefined {
  const p = ProjectDb.open(projectFile);
  try {
    return p.classes.byName(name)?.id;
  } finally {
    p.close();
  }
}

describe('review workbench end to end (browser mode, Chromium)', () => {
  let app: ServedApp;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];

  beforeAll(async () => {
    await rm(work, { recursive: true, force: true });
    await mkdir(path.join(work, 'photos'), { recursive: true });
    for (const p of demoPhotos.slice(0, 3))
      await cp(p, path.join(work, 'photos', path.basename(p)));
    const imported = await runShotbox([
      'import',
      path.join(work, 'photos'),
      '--project',
      projectFile,
      '--quiet',
    ]);
    expect(imported.code, imported.stderr).toBe(0);
    buildRenderer();
    app = await serveProject(projectFile);
    const chromium = await launchChromium();
    browser = chromium.browser;
    const context = await chromium.context();
    page = await context.newPage();
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${app.openUrl}&testhooks`);
    await page.getByTestId('workbench').waitFor({ timeout: 30_000 });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  const toClient = (x: number, y: number): Promise<{ x: number; y: number }> =>
    page.evaluate(
      ([ix, iy]) =>
        (globalThis as unknown as { __shotboxCanvas: CanvasHook }).__shotboxCanvas.imageToClient(
          ix!,
          iy!,
        ),
      [x, y],
    );
  const dragImage = async (from: [number, number], to: [number, number]): Promise<void> => {
    const a = await toClient(...from);
    const b = await toClient(...to);
    await page.mouse.move(a.x, a.y);
    await page.mouse.down();
    await page.mouse.move(b.x, b.y, { steps: 8 });
    await page.mouse.up();
  };
  const openImage = async (file: string): Promise<void> => {
    const p = ProjectDb.open(projectFile);
    const id = p.images.byPath(file)!.id;
    p.close();
    await page.getByTestId(`image-row-${id}`).click();
    await page.waitForFunction(
      (imageId) =>
        (
          globalThis as unknown as { __shotboxCanvas?: CanvasHook }
        ).__shotboxCanvas?.shownUrl?.endsWith(`/image/${imageId}`),
      id,
      { timeout: 20_000 },
    );
  };
  const shot = (name: string): Promise<Buffer> =>
    page.screenshot({ path: path.join(shots, `workbench-${name}.png`) });

  it('shows the project and its images', async () => {
    await expect(page.getByTestId('project-name').textContent()).resolves.toContain('faces');
    for (const f of ['sample1.jpg', 'sample2.jpg', 'sample3.jpg'])
      await expect(page.getByText(f).first().isVisible()).resolves.toBe(true);
    await openImage('sample1.jpg');
    await shot('01-opened');
  });

  it('detects faces on this image: three pending predictions stored', async () => {
    await page.getByTestId('detect-image').click();
    await page.locator('[data-testid^="box-row-"]').nth(2).waitFor({ timeout: 60_000 });
    expect(await page.locator('[data-testid^="box-row-"]').count()).toBe(3);
    const boxes = dbBoxes('sample1.jpg');
    expect(boxes.map((b) => [b.origin, b.review])).toEqual([
      ['model', 'pending'],
      ['model', 'pending'],
      ['model', 'pending'],
    ]);
    await expect(page.getByTestId('status-detection').textContent()).resolves.toMatch(/CPU/i);
    await shot('02-detected');
  });

  it('accepts one box and rejects another', async () => {
    const [a, b] = dbBoxes('sample1.jpg');
    await page.getByTestId(`accept-${a!.id}`).click();
    await page.getByTestId(`reject-${b!.id}`).click();
    await expect
      .poll(() => dbBoxes('sample1.jpg').map((x) => x.review))
      .toEqual(['accepted', 'rejected', 'pending']);
  });

  it('draws a new box with the mouse', async () => {
    await page.keyboard.press('w');
    await dragImage([100, 100], [300, 260]);
    await expect.poll(() => dbBoxes('sample1.jpg').length).toBe(4);
    const drawn = dbBoxes('sample1.jpg').find((x) => x.origin === 'manual')!;
    expect(drawn.review).toBe('accepted');
    expect(Math.abs(drawn.x1 - 100)).toBeLessThan(3);
    expect(Math.abs(drawn.y2 - 260)).toBeLessThan(3);
    await page.keyboard.press('Escape');
  });

  it('resizes the third (pending) box by its corner handle: it becomes edited', async () => {
    const third = dbBoxes('sample1.jpg')[2]!;
    await page.getByTestId(`box-row-${third.id}`).click();
    await dragImage([third.x2, third.y2], [third.x2 + 40, third.y2 + 30]);
    await expect
      .poll(() => dbBoxes('sample1.jpg').find((x) => x.id === third.id)!.review)
      .toBe('edited');
    const resized = dbBoxes('sample1.jpg').find((x) => x.id === third.id)!;
    expect(resized.x1).toBeCloseTo(third.x1, 0);
    expect(Math.abs(resized.x2 - (third.x2 + 40))).toBeLessThan(4);
  });

  it('relabels a box with a number key after adding a class', async () => {
    await page.getByTestId('tab-classes').click();
    await page.getByTestId('new-class-name').fill('person');
    await page.getByTestId('add-class').click();
    await expect.poll(() => dbClassId('person')).toBeDefined();
    await page.getByTestId('tab-boxes').click();
    const accepted = dbBoxes('sample1.jpg')[0]!;
    await page.getByTestId(`box-row-${accepted.id}`).click();
    await page.keyboard.press('2');
    await expect.poll(() => dbBoxes('sample1.jpg')[0]!.classId).toBe(dbClassId('person'));
  });

  it('undo and redo go through the database', async () => {
    const person = dbClassId('person');
    const face = dbClassId('face');
    await page.keyboard.press('Control+z');
    await expect.poll(() => dbBoxes('sample1.jpg')[0]!.classId).toBe(face);
    await page.keyboard.press('Control+Shift+z');
    await expect.poll(() => dbBoxes('sample1.jpg')[0]!.classId).toBe(person);
  });

  it('moves to the next image and back, then survives a reload', async () => {
    const before = dbBoxes('sample1.jpg');
    await page.keyboard.press('d');
    await page.waitForFunction(
      () => !!(globalThis as unknown as { __shotboxCanvas?: CanvasHook }).__shotboxCanvas?.shownUrl,
      null,
      { timeout: 20_000 },
    );
    await page.keyboard.press('a');
    await openImage('sample1.jpg');
    await page.reload();
    await page.getByTestId('workbench').waitFor();
    await openImage('sample1.jpg');
    const rows = await page.locator('[data-testid^="box-row-"]').count();
    expect(rows).toBeGreaterThanOrEqual(3);
    // Exactly what was done, nothing more: the database did not change by navigating or reloading.
    expect(dbBoxes('sample1.jpg')).toEqual(before);
    const final = dbBoxes('sample1.jpg').map((b) => [b.origin, b.review]);
    expect(final).toEqual([
      ['model', 'edited'], // accepted, then relabelled: a changed model box is 'edited'
      ['model', 'rejected'],
      ['model', 'edited'],
      ['manual', 'accepted'],
    ]);
    expect(dbBoxes('sample2.jpg')).toEqual([]);
    await shot('03-reviewed-light');
  });

  it('shows each image state (list and status bar); Ctrl+Enter asks before rejecting pending boxes', async () => {
    const state = (): Promise<string | null> =>
      page.getByTestId('status-image-state').getAttribute('data-status');
    const waitState = (s: string): Promise<void> =>
      page
        .locator(`[data-testid="status-image-state"][data-status="${s}"]`)
        .waitFor({ timeout: 20_000 });
    await openImage('sample1.jpg');
    await expect(state()).resolves.toBe('reviewed');
    await openImage('sample2.jpg');
    await expect(state()).resolves.toBe('unreviewed');
    await expect(page.getByTestId('status-image-state').textContent()).resolves.toBe('not run');
    await page.keyboard.press('Control+d');
    await waitState('predicted');
    const p = ProjectDb.open(projectFile);
    const sample2 = p.images.byPath('sample2.jpg')!.id;
    p.close();
    await expect(
      page.getByTestId(`image-row-${sample2}`).locator('[data-status]').getAttribute('data-status'),
    ).resolves.toBe('predicted');
    const asked: string[] = [];
    page.once('dialog', (d) => {
      asked.push(d.message());
      void d.accept();
    });
    await page.keyboard.press('Control+Enter');
    await waitState('reviewed');
    expect(asked[0]).toMatch(/still pending on this image/);
    expect(dbBoxes('sample2.jpg').every((b) => b.review === 'rejected')).toBe(true);
    await expect(
      page.getByTestId(`image-row-${sample2}`).locator('[data-status]').getAttribute('data-status'),
    ).resolves.toBe('reviewed');
    await shot('03b-image-states');
  });

  it('shows rejected boxes on request and restores one as pending', async () => {
    const rejected = dbBoxes('sample2.jpg')[0]!;
    await page.getByTestId('toggle-rejected').click();
    await page.getByTestId(`restore-${rejected.id}`).click();
    await page
      .locator('[data-testid="status-image-state"][data-status="predicted"]')
      .waitFor({ timeout: 20_000 });
    expect(dbBoxes('sample2.jpg').find((b) => b.id === rejected.id)?.review).toBe('pending');
  });

  it('class list: box counts, delete a class with its boxes, and Ctrl+Z brings both back', async () => {
    await page.getByRole('tab', { name: /Classes/ }).click();
    const face = dbClassId('face')!;
    const count = page.getByTestId(`class-count-${face}`);
    await count.waitFor();
    const before = Number(await count.textContent());
    expect(before).toBeGreaterThan(0);
    await page.getByTestId(`class-delete-${face}`).click();
    await page.getByTestId('confirm-delete-class').click();
    await page.getByTestId(`class-row-${face}`).waitFor({ state: 'detached', timeout: 20_000 });
    expect(dbClassId('face')).toBeUndefined();
    await page.locator('body').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('Control+z');
    await page.getByTestId(`class-row-${face}`).waitFor({ timeout: 20_000 });
    expect(dbClassId('face')).toBe(face);
    await expect(page.getByTestId(`class-count-${face}`).textContent()).resolves.toBe(
      String(before),
    );
    await page.getByRole('tab', { name: /Boxes/ }).click();
  });

  it('looks right in the dark theme too, and no page errors happened', async () => {
    await page.getByTestId('theme-toggle').click();
    await page.waitForTimeout(300);
    await shot('04-reviewed-dark');
    await page.keyboard.press('?');
    await page.getByTestId('shortcut-sheet').waitFor();
    await shot('05-shortcuts');
    await page.keyboard.press('Escape');
    expect(errors).toEqual([]);
    const p = ProjectDb.open(projectFile);
    expect(p.integrityCheck()).toBe('ok');
    p.close();
  });
});
