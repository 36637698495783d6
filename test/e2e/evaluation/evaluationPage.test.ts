import { cp, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProjectDb } from '../../../src/core/db/projectDb';
import { markReviewed } from '../../../src/core/project/imageReview';
import { importFolder } from '../../../src/core/project/importFolder';
import type { AnnotationRecord } from '../../../src/shared/project/types';
import { launchChromium } from '../../helpers/browser';
import { runShotbox } from '../../helpers/cli';
import { demoPhotos, generatedDir, repoRoot } from '../../helpers/paths';
import { buildRenderer, serveProject, type ServedApp } from '../../helpers/serve';

// Evaluation in the app: four face photos whose labels a person settled from the model's
// predictions — accepted, except the most confident face of sample1 (rejected, so the model's box
// there is a false positive) — plus a box drawn where the model finds nothing (a miss). The page
// runs an evaluate job, shows the same numbers as `shotbox eval --json`, draws the PR curves, and
// a click on the false positive opens sample1 with that box highlighted.

const work = path.join(generatedDir, 'e2e-evaluation');
const projectFile = path.join(work, 'faces.shotbox');
const shots = path.join(repoRoot, 'test-results');

interface CanvasHook {
  shownUrl: string | null;
}
interface EvalJson {
  coco: Record<string, number>;
  voc: { mAP11: number; mAPAll: number };
}

const fmt = (v: number): string => (v < 0 ? '—' : v.toFixed(3));

describe('Evaluation page (browser mode, Chromium)', () => {
  let app: ServedApp;
  let browser: Browser;
  let page: Page;
  let rejected: AnnotationRecord;
  let sample1: number;
  const errors: string[] = [];

  beforeAll(async () => {
    await rm(work, { recursive: true, force: true });
    await mkdir(path.join(work, 'photos'), { recursive: true });
    for (const p of demoPhotos.slice(0, 4))
      await cp(p, path.join(work, 'photos', path.basename(p)));
    const created = ProjectDb.create(projectFile, path.join(work, 'photos'));
    await importFolder(created, path.join(work, 'photos'));
    created.close();
    const detected = await runShotbox(['detect', '--project', projectFile, '--quiet']);
    expect(detected.code, detected.stderr).toBe(0);
    const project = ProjectDb.open(projectFile);
    try {
      for (const img of project.images.all()) {
        project.images.setSplit(img.id, 'test');
        const confident = project.annotations
          .ofImage(img.id)
          .filter((a) => (a.score ?? 0) >= 0.5)
          .sort((a, b) => b.score! - a.score!);
        expect(confident.length, img.path).toBeGreaterThan(0);
        const accept = img.path === 'sample1.jpg' ? confident.slice(1) : confident;
        if (img.path === 'sample1.jpg') {
          sample1 = img.id;
          rejected = confident[0]!;
          project.history.create({
            imageId: img.id,
            classId: rejected.classId,
            x1: 2,
            y1: 2,
            x2: 42,
            y2: 42,
            origin: 'manual',
            review: 'accepted',
          });
        }
        if (accept.length)
          project.history.updateMany(
            accept.map((a) => a.id),
            () => ({ review: 'accepted' }),
            'accept',
          );
        markReviewed(project, img.id); // rejects the rest, the top face of sample1 among them
      }
    } finally {
      project.close();
    }
    buildRenderer();
    app = await serveProject(projectFile);
    const chromium = await launchChromium();
    browser = chromium.browser;
    const context = await chromium.context();
    page = await context.newPage();
    await page.setViewportSize({ width: 1024, height: 700 });
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${app.openUrl}&testhooks`);
    await page.getByTestId('workbench').waitFor({ timeout: 30_000 });
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  it('E opens the page; Evaluate runs a job; the AP table and PR chart show what `shotbox eval` computes', async () => {
    await page.keyboard.press('e');
    await page.getByTestId('evaluation-page').waitFor({ timeout: 20_000 });
    await page.getByTestId('eval-close').click();
    await page.getByTestId('evaluation-page').waitFor({ state: 'detached' });
    // Also reached from the app bar.
    await page.getByTestId('evaluation-button').click();
    await page.getByTestId('evaluation-page').waitFor();
    await expect(page.getByTestId('eval-split').textContent()).resolves.toContain('test');
    await page.getByTestId('eval-run').click();
    await page.getByTestId('eval-ap-table').waitFor({ timeout: 120_000 });

    const cli = await runShotbox(['eval', '--project', projectFile, '--split', 'test', '--json']);
    expect(cli.code, cli.stderr).toBe(0);
    const expected = JSON.parse(cli.stdout) as EvalJson;
    const cell = (name: string): Promise<string | null> =>
      page.getByTestId(`metric-${name}`).first().textContent();
    await expect(cell('COCO AP .50:.95')).resolves.toBe(fmt(expected.coco.AP!));
    await expect(cell('AP50')).resolves.toBe(fmt(expected.coco.AP50!));
    await expect(cell('AR100')).resolves.toBe(fmt(expected.coco.AR100!));
    await expect(cell('VOC mAP (all points)')).resolves.toBe(fmt(expected.voc.mAPAll));
    // Not a perfect score: the rejected face and the drawn box count against the model.
    expect(expected.coco.AP50).toBeGreaterThan(0.3);
    expect(expected.coco.AP50).toBeLessThan(1);
    await expect(page.getByTestId('eval-class-face').textContent()).resolves.toMatch(/face/);

    // The chart drew a curve for the face class.
    const chart = page.getByTestId('eval-pr-chart');
    await chart.locator('svg').first().waitFor();
    const curves = await chart
      .locator('svg path')
      .evaluateAll((els) => els.filter((e) => (e.getAttribute('d') ?? '').length > 20).length);
    expect(curves).toBeGreaterThan(0);
    await expect(chart.textContent()).resolves.toContain('face');

    // The layout holds at 1024×700: nothing runs off to the side.
    const overflow = await page
      .getByTestId('evaluation-page')
      .evaluate(
        (el: { scrollWidth: number; clientWidth: number }) => el.scrollWidth - el.clientWidth,
      );
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: path.join(shots, 'evaluation-page.png') });
    expect(errors).toEqual([]);
  }, 180_000);

  it('a click on the top false positive opens its image with the box highlighted', async () => {
    const first = page.getByTestId('eval-fp-row').first();
    await expect(first.textContent()).resolves.toContain('sample1.jpg');
    await expect(first.textContent()).resolves.toContain('background');
    await first.click();
    await page.getByTestId('evaluation-page').waitFor({ state: 'detached' });
    await page.waitForFunction(
      (i) =>
        (
          globalThis as unknown as { __shotboxCanvas?: CanvasHook }
        ).__shotboxCanvas?.shownUrl?.endsWith(`/image/${i}`),
      sample1,
      { timeout: 20_000 },
    );
    const chip = page.getByTestId('eval-highlight');
    await chip.waitFor();
    await expect(chip.textContent()).resolves.toMatch(/background · face [01]\.\d\d/);
    const box = (await chip.getAttribute('data-box'))!.split(',').map(Number);
    const want = [rejected.x1, rejected.y1, rejected.x2, rejected.y2];
    box.forEach((v, k) => expect(Math.abs(v - want[k]!)).toBeLessThan(1));
    await page.screenshot({ path: path.join(shots, 'evaluation-highlight.png') });
  }, 60_000);

  it('two stored results compare side by side', async () => {
    await page.getByTestId('evaluation-button').click();
    await page.getByTestId('evaluation-page').waitFor();
    await page.getByTestId('eval-split').click();
    await page.getByRole('option', { name: 'all settled images' }).click();
    await page.getByTestId('eval-run').click();
    await page.getByTestId('eval-item-2').waitFor({ timeout: 120_000 });
    await page.getByTestId('eval-compare').click();
    await page.getByRole('option', { name: /#1 / }).click();
    await page.getByTestId('eval-class-table').nth(1).waitFor();
    expect(await page.getByTestId('eval-class-table').count()).toBe(2);
    const header = await page.getByTestId('eval-ap-table').locator('thead').textContent();
    expect(header).toContain('#2');
    expect(header).toContain('#1');
    await page.screenshot({ path: path.join(shots, 'evaluation-compare.png') });
    expect(errors).toEqual([]);
  }, 180_000);
});
