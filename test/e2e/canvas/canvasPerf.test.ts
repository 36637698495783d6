/**
 * The annotation canvas in headless Chromium, through the real mouse: the product's acceptance
 * criteria (a box drag over 500 boxes above 50 fps; switching to an already visited 4000×3000
 * image in under 150 ms) and the one-callback-per-gesture contract (one undo step each).
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../helpers/paths';
import {
  imageToClient as toClient,
  measureBoxDrag,
  openHarness,
  probeBox,
  showImage,
  type HarnessSession,
  type HarnessWindow,
  type Point,
  type SwitchTiming,
} from './harnessSession';

let s: HarnessSession;

beforeAll(async () => {
  s = await openHarness('boxes=500&images=3');
}, 60_000);

afterAll(async () => {
  await s?.close();
});

const imageToClient = (x: number, y: number): Promise<Point> => toClient(s.page, x, y);
const probe = () => probeBox(s.page);
const scale = (): Promise<number> =>
  s.page.evaluate(() => (globalThis as unknown as HarnessWindow).__shotboxCanvas!.scale);
/** Run `fn` in the page on the harness hook (passed as source: page functions cannot close over). */
const harness = <T>(fn: (h: NonNullable<HarnessWindow['__canvasHarness']>) => T): Promise<T> =>
  s.page.evaluate(`(${fn.toString()})(globalThis.__canvasHarness)`);

async function log() {
  return s.page.evaluate(() => {
    const l = (globalThis as unknown as HarnessWindow).__canvasHarness!.log;
    return JSON.parse(JSON.stringify(l)) as typeof l;
  });
}

async function drag(from: Point, to: Point, steps = 10): Promise<void> {
  await s.page.mouse.move(from.x, from.y);
  await s.page.mouse.down();
  await s.page.mouse.move(to.x, to.y, { steps });
  await s.page.mouse.up();
}

describe('annotation canvas (headless Chromium, 500 boxes on a 4000×3000 image)', () => {
  // Frame rates and switch times are measured by `npm run bench:ui` (a benchmark, not a test:
  // timing thresholds flake on a loaded 2-core machine). The test asserts what makes them fast.
  it('drags a box redrawing only the interactive layer, and commits one change', async () => {
    const box = await probe();
    const k = await scale();
    const before = await log();
    const m = await measureBoxDrag(s.page, 1000, { x: 30, y: 20 });
    console.log(
      `drag over 500 boxes: ${m.fps.toFixed(1)} fps over ${m.ms.toFixed(0)} ms, ` +
        `${m.mouseMoves} mouse moves, ${m.redraws.interactive} interactive redraws, ` +
        `${m.taskMsPerFrame.toFixed(2)} ms main-thread work per frame`,
    );
    expect(m.frames).toBeGreaterThan(0);
    // Only the interactive layer is redrawn while dragging. How often it redraws per frame
    // depends on how busy the machine is (a loaded CI box coalesces mouse moves), so that rate
    // belongs to `npm run bench:ui`, not here.
    expect(m.redraws.boxes).toBe(0);
    expect(m.redraws.image).toBe(0);
    expect(m.redraws.interactive).toBeGreaterThan(0);

    const changes = (await log()).changes.slice(before.changes.length);
    expect(changes).toHaveLength(1);
    const [change] = changes;
    expect(change!.id).toBe(box.id);
    expect(Math.abs(change!.box.x1 - (box.x1 + Math.round(30 / k)))).toBeLessThanOrEqual(1);
    expect(Math.abs(change!.box.y1 - (box.y1 + Math.round(20 / k)))).toBeLessThanOrEqual(1);
    expect(change!.box.x2 - change!.box.x1).toBe(box.x2 - box.x1);
    expect(change!.box.y2 - change!.box.y1).toBe(box.y2 - box.y1);
  });

  it('resizes the selected box from a corner handle with one change', async () => {
    const box = await probe();
    expect(await harness((h) => h.selectedIds())).toEqual([box.id]);
    const k = await scale();
    const before = await log();
    const corner = await imageToClient(box.x2, box.y2);
    await drag(corner, { x: corner.x + 40, y: corner.y + 25 });
    const changes = (await log()).changes.slice(before.changes.length);
    expect(changes).toHaveLength(1);
    const { box: resized } = changes[0]!;
    expect(resized.x1).toBe(box.x1);
    expect(resized.y1).toBe(box.y1);
    expect(Math.abs(resized.x2 - (box.x2 + 40 / k))).toBeLessThanOrEqual(1);
    expect(Math.abs(resized.y2 - (box.y2 + 25 / k))).toBeLessThanOrEqual(1);
  });

  it('rolls a drag back on Esc: no change, one onCancel', async () => {
    const box = await probe();
    const before = await log();
    const c = await imageToClient((box.x1 + box.x2) / 2, (box.y1 + box.y2) / 2);
    await s.page.mouse.move(c.x, c.y);
    await s.page.mouse.down();
    await s.page.mouse.move(c.x + 50, c.y + 50, { steps: 5 });
    await s.page.keyboard.press('Escape');
    await s.page.mouse.up();
    const after = await log();
    expect(after.changes.length).toBe(before.changes.length);
    expect(after.cancels).toBe(before.cancels + 1);
    expect(await probe()).toEqual(box);
  });

  it('draws a box with one onCreate, clipped to the image; ignores a tiny drag', async () => {
    await harness((h) => h.setTool('draw'));
    const before = await log();
    const k = await scale();
    // From inside the image to beyond its top-left corner: clipped at 0,0.
    const from = await imageToClient(250, 200);
    await drag(from, { x: from.x - 250 * k - 30, y: from.y - 200 * k - 30 });
    // A 2-pixel slip of the hand.
    const p = await imageToClient(800, 800);
    await drag(p, { x: p.x + 2, y: p.y + 2 }, 2);
    const creates = (await log()).creates.slice(before.creates.length);
    expect(creates).toHaveLength(1);
    expect(creates[0]).toMatchObject({ x1: 0, y1: 0 });
    expect(Math.abs(creates[0]!.x2 - 250)).toBeLessThanOrEqual(2);
    expect(Math.abs(creates[0]!.y2 - 200)).toBeLessThanOrEqual(2);
    await harness((h) => h.setTool('select'));
  });

  it('shows an already visited image with its boxes from the cache', async () => {
    const first = [await showImage(s.page, 1), await showImage(s.page, 2)];
    const revisits: SwitchTiming[] = [];
    for (const i of [0, 1, 2, 0]) revisits.push(await showImage(s.page, i));
    const fmt = (t: SwitchTiming[]) =>
      t.map((x) => `${x.shownMs.toFixed(0)}/${x.paintedMs.toFixed(0)}`).join(' ');
    console.log(
      `image switch, ms drawn/next frame: first visit ${fmt(first)}; revisit ${fmt(revisits)}`,
    );
    for (const t of revisits) expect(Number.isFinite(t.shownMs)).toBe(true);
  });

  it('renders crisply: screenshots in test-results/', async () => {
    const { page } = s;
    const box = await probe();
    const c = await imageToClient((box.x1 + box.x2) / 2, (box.y1 + box.y2) / 2);
    await page.mouse.click(c.x, c.y);
    await page.mouse.move(c.x + 300, c.y + 200);
    await page.waitForTimeout(100);
    const dir = path.join(repoRoot, 'test-results');
    await mkdir(dir, { recursive: true });
    await page.screenshot({ path: path.join(dir, 'canvas-500.png') });
    // Zoomed in 8×: strokes and labels keep their screen size.
    await page.mouse.move(c.x + 200, c.y + 150);
    for (let i = 0; i < 6; i++) await page.mouse.wheel(0, -200);
    await page.waitForTimeout(100);
    await page.screenshot({ path: path.join(dir, 'canvas-500-zoomed.png') });
    expect(s.pageErrors).toEqual([]);
  });
});
