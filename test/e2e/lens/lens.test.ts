import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProjectDb } from '../../../src/core/db/projectDb';
import { launchChromium } from '../../helpers/browser';
import { runShotbox } from '../../helpers/cli';
import { demoPhotos, generatedDir, raccoonDir, repoRoot } from '../../helpers/paths';
import { buildRenderer, serveProject, type ServedApp } from '../../helpers/serve';

// The SSD lens in browser mode: raccoon photos with their VOC labels, one of them given an
// extra 3-pixel-wide box that no SSD300 prior can reach IoU 0.5 with. What the panel lists for a
// selected box must be exactly what `shotbox match` computes for that image.

const work = path.join(generatedDir, 'e2e-lens');
const projectFile = path.join(work, 'raccoons.shotbox');
const shots = path.join(repoRoot, 'test-results');
const PHOTOS = ['raccoon-1', 'raccoon-12', 'raccoon-130'];
const THIN = 'raccoon-12';

interface CanvasHook {
  imageToClient(x: number, y: number): { x: number; y: number };
  shownUrl: string | null;
}

interface MatchJson {
  images: Array<{
    file_name: string;
    gts: Array<{ box: number[]; priors: number[]; ious: number[]; bestIou: number }>;
  }>;
}

describe('SSD lens end to end (browser mode, Chromium)', () => {
  let app: ServedApp;
  let browser: Browser;
  let page: Page;
  let match: MatchJson;
  const errors: string[] = [];

  beforeAll(async () => {
    await rm(work, { recursive: true, force: true });
    await mkdir(path.join(work, 'photos'), { recursive: true });
    await mkdir(path.join(work, 'labels'), { recursive: true });
    for (const name of PHOTOS) {
      await cp(
        path.join(raccoonDir, 'images', `${name}.jpg`),
        path.join(work, 'photos', `${name}.jpg`),
      );
      let xml = await readFile(path.join(raccoonDir, 'annotations', `${name}.xml`), 'utf8');
      if (name === THIN) {
        xml = xml.replace(
          '</annotation>',
          '<object><name>raccoon</name><bndbox><xmin>20</xmin><ymin>10</ymin><xmax>23</xmax><ymax>200</ymax></bndbox></object></annotation>',
        );
      }
      await writeFile(path.join(work, 'labels', `${name}.xml`), xml);
    }
    // A face photo for the model's view (the embedded model detects faces).
    await cp(demoPhotos[0]!, path.join(work, 'photos', 'face.jpg'));
    const imported = await runShotbox([
      'import',
      path.join(work, 'photos'),
      '--project',
      projectFile,
      '--annotations',
      path.join(work, 'labels'),
      '--format',
      'voc',
      '--quiet',
    ]);
    expect(imported.code, imported.stderr).toBe(0);
    const run = await runShotbox([
      'match',
      '--project',
      projectFile,
      '--preset',
      'ssd300',
      '--json',
    ]);
    expect(run.code, run.stderr).toBe(0);
    match = JSON.parse(run.stdout) as MatchJson;
    buildRenderer();
    app = await serveProject(projectFile);
    const chromium = await launchChromium();
    browser = chromium.browser;
    const context = await chromium.context();
    page = await context.newPage();
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${app.openUrl}&testhooks`);
    await page.getByTestId('workbench').waitFor({ timeout: 30_000 });
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  const imageId = (file: string): number => {
    const p = ProjectDb.open(projectFile);
    try {
      return p.images.byPath(file)!.id;
    } finally {
      p.close();
    }
  };
  const labelIds = (file: string): number[] => {
    const p = ProjectDb.open(projectFile);
    try {
      return p.annotations
        .ofImage(p.images.byPath(file)!.id)
        .map((a) => a.id)
        .sort((a, b) => a - b);
    } finally {
      p.close();
    }
  };
  const openImage = async (file: string): Promise<void> => {
    const id = imageId(file);
    await page.getByTestId(`image-row-${id}`).click();
    await page.waitForFunction(
      (i) =>
        (
          globalThis as unknown as { __shotboxCanvas?: CanvasHook }
        ).__shotboxCanvas?.shownUrl?.endsWith(`/image/${i}`),
      id,
      { timeout: 20_000 },
    );
  };
  const clickImagePoint = async (x: number, y: number): Promise<void> => {
    const p = await page.evaluate(
      ([ix, iy]) =>
        (globalThis as unknown as { __shotboxCanvas: CanvasHook }).__shotboxCanvas.imageToClient(
          ix!,
          iy!,
        ),
      [x, y],
    );
    await page.mouse.click(p.x, p.y);
  };
  const shot = (name: string): Promise<Buffer> =>
    page.screenshot({ path: path.join(shots, `lens-${name}.png`) });

  it('L shows the lens; selecting a box lists the same priors and IoUs as `shotbox match`', async () => {
    const file = 'raccoon-1.jpg';
    await openImage(file);
    await page.keyboard.press('l');
    await page.getByTestId('lens-panel').waitFor();
    await page.getByTestId('lens-gt').first().waitFor({ timeout: 20_000 });
    const expected = match.images.find((i) => i.file_name === file)!.gts[0]!;
    // Click inside the box, away from its edges, as a user would.
    const [x1, y1, x2, y2] = expected.box as [number, number, number, number];
    await clickImagePoint(x1 + (x2 - x1) * 0.5, y1 + (y2 - y1) * 0.4);
    await page.getByTestId('lens-prior-row').first().waitFor({ timeout: 10_000 });
    const rows = await page
      .getByTestId('lens-prior-row')
      .evaluateAll((els) =>
        els.map((e) => [Number(e.getAttribute('data-index')), Number(e.getAttribute('data-iou'))]),
      );
    expect(rows.map((r) => r[0])).toEqual(expected.priors);
    rows.forEach((r, k) => expect(r[1]).toBeCloseTo(expected.ious[k]!, 6));
    await expect(page.getByTestId('lens-badge').first().textContent()).resolves.toBe('trains');
    await shot('matching-panel');
    await page.getByTestId('lens-view-all').click();
    await shot('overlay-all');
    await page.getByTestId('lens-view-density').click();
    await shot('overlay-density');
    await page.getByTestId('lens-view-cell').click();
  });

  it('a 3-pixel-wide box gets the "no prior ≥ 0.5" badge with its best IoU', async () => {
    const file = `${THIN}.jpg`;
    await openImage(file);
    const ids = labelIds(file);
    const thinId = ids[ids.length - 1]!;
    const row = page.locator(`[data-testid="lens-gt"][data-annotation-id="${thinId}"]`);
    await row.waitFor({ timeout: 20_000 });
    await expect(row.getAttribute('data-trains')).resolves.toBe('no');
    await expect(row.getByTestId('lens-badge').textContent()).resolves.toBe('no prior ≥ 0.5');
    const expected = match.images.find((i) => i.file_name === file)!.gts.at(-1)!;
    expect(expected.bestIou).toBeLessThan(0.5);
    await expect(row.textContent()).resolves.toContain(`best IoU ${expected.bestIou.toFixed(3)}`);
    // The other box of the image trains.
    await expect(
      page
        .locator(`[data-testid="lens-gt"][data-annotation-id="${ids[0]}"]`)
        .getAttribute('data-trains'),
    ).resolves.toBe('yes');
    await row.click();
    await shot('no-prior-badge');
  });

  it("the model's view: a prediction's prior, raw offsets, decoded box and NMS-suppressed candidates", async () => {
    await openImage('face.jpg');
    await page.getByTestId('detect-image').click();
    const id = imageId('face.jpg');
    let predictions: Array<{ id: number; x1: number; y1: number; x2: number; y2: number }> = [];
    for (let t = 0; t < 120 && predictions.length === 0; t++) {
      await page.waitForTimeout(500);
      const p = ProjectDb.open(projectFile);
      predictions = p.annotations.ofImage(id).filter((a) => a.origin === 'model');
      p.close();
    }
    expect(predictions.length).toBeGreaterThan(0);
    await page.getByTestId('lens-explain-run').click();
    await page.getByText(/detections · \d+ positive priors/).waitFor({ timeout: 60_000 });
    const d = predictions[0]!;
    await clickImagePoint((d.x1 + d.x2) / 2, d.y1 + (d.y2 - d.y1) * 0.3);
    await page.getByTestId('lens-provenance').waitFor({ timeout: 10_000 });
    const prior = Number(await page.getByTestId('lens-provenance-prior').textContent());
    expect(prior).toBeGreaterThanOrEqual(0);
    expect(prior).toBeLessThan(5118);
    await expect(page.getByTestId('lens-provenance').textContent()).resolves.toMatch(
      /Suppressed by NMS in its favour \(\d+\)/,
    );
    await page.getByText('Show hard negatives').click();
    await shot('provenance');
  });

  it('the coverage page shows the share of covered boxes and the worst box', async () => {
    await page.getByTestId('lens-open-coverage').click();
    await page.getByTestId('coverage-share').waitFor({ timeout: 30_000 });
    // The same share `shotbox match` gives: boxes whose best prior IoU reaches 0.5.
    const all = match.images.flatMap((i) => i.gts);
    const share = (100 * all.filter((g) => g.bestIou >= 0.5).length) / all.length;
    expect(share).toBeLessThan(100);
    await expect(page.getByTestId('coverage-share').textContent()).resolves.toMatch(
      new RegExp(`^${share.toFixed(1)} % of ${all.length} boxes`),
    );
    await expect(
      page.getByTestId('coverage-worst').locator('tbody tr').first().textContent(),
    ).resolves.toContain(`${THIN}.jpg`);
    await shot('coverage-page');
    // What-if: a smaller first-layer box recomputes live; then the optimiser's before/after.
    await page.getByTestId('knob-minSizes-0').locator('input').fill('12');
    await page
      .getByText(/what-if priors/)
      .first()
      .waitFor({ timeout: 30_000 });
    await page.getByTestId('coverage-suggest').click();
    await page.getByTestId('coverage-suggestion').waitFor({ timeout: 60_000 });
    await expect(page.getByTestId('coverage-suggestion').textContent()).resolves.toMatch(
      /Suggested priors: [\d.]+ % → [\d.]+ % covered/,
    );
    await shot('coverage-suggestion');
    await page.getByTestId('coverage-close').click();
    expect(errors).toEqual([]);
  });
});
