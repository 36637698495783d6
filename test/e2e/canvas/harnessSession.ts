/**
 * A Vite dev server over src/renderer plus headless Chromium, opened on the canvas harness
 * (src/renderer/src/canvas/dev/harness.html), and the measurements made there. Shared by the
 * canvas e2e test and `scripts/bench-ui.mjs`; builds nothing.
 */
import path from 'node:path';
import react from '@vitejs/plugin-react';
import { launchChromium } from '../../helpers/browser';
import type { Browser, Page } from 'playwright-core';
import { createServer, type ViteDevServer } from 'vite';
import { repoRoot } from '../../helpers/paths';

/**
 * The page-side hooks, typed for this Node-side code (the renderer's own types need the DOM lib).
 * Page functions are serialised into the page, so each casts `globalThis` itself.
 */
export interface PageBox {
  id: number;
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  review: string;
}
export interface HarnessWindow {
  __canvasHarness?: {
    ready: boolean;
    log: {
      creates: Omit<PageBox, 'id' | 'review'>[];
      changes: { id: number; box: Omit<PageBox, 'id' | 'review'> }[];
      selects: { ids: number[]; additive: boolean }[];
      cancels: number;
      shown: string[];
    };
    boxes(): PageBox[];
    selectedIds(): number[];
    probe(): PageBox | undefined;
    setTool(tool: 'select' | 'draw'): void;
    select(ids: number[]): void;
    showImage(index: number): Promise<{ shownMs: number; paintedMs: number }>;
  };
  __shotboxCanvas?: {
    scale: number;
    offset: { x: number; y: number };
    shownUrl: string | null;
    draws: { image: number; boxes: number; interactive: number };
    gestureActive: boolean;
    imageToClient(x: number, y: number): { x: number; y: number };
  };
}

export interface HarnessSession {
  server: ViteDevServer;
  browser: Browser;
  page: Page;
  baseUrl: string;
  /** Console errors and uncaught page errors (CSP violations included). */
  pageErrors: string[];
  close(): Promise<void>;
}

export async function openHarness(
  query: string,
  viewport = { width: 1280, height: 800 },
): Promise<HarnessSession> {
  const server = await createServer({
    root: path.join(repoRoot, 'src', 'renderer'),
    configFile: false,
    plugins: [react()],
    logLevel: 'warn',
    clearScreen: false,
    // No HMR: it would inject the React Refresh preamble inline, which the page's CSP refuses.
    server: { host: '127.0.0.1', port: 0, hmr: false, watch: null },
    optimizeDeps: {
      include: ['react', 'react-dom/client', 'react/jsx-dev-runtime', 'konva', 'react-konva'],
    },
  });
  await server.listen();
  const baseUrl = server.resolvedUrls?.local[0];
  if (!baseUrl) throw new Error('Vite did not report a URL');

  const { browser } = await launchChromium();
  const page = await browser.newPage({ viewport });
  // The harness has no favicon; the browser's request for one is not an error of the page.
  await page.route('**/favicon.ico', (route) => route.fulfill({ status: 204 }));
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') pageErrors.push(m.text());
  });
  await page.goto(new URL(`src/canvas/dev/harness.html?harness=canvas&${query}`, baseUrl).href);
  await page.waitForFunction(
    () => {
      const w = globalThis as unknown as HarnessWindow;
      return w.__canvasHarness?.ready === true && w.__shotboxCanvas?.shownUrl != null;
    },
    undefined,
    { timeout: 30_000 },
  );
  return {
    server,
    browser,
    page,
    baseUrl,
    pageErrors,
    async close() {
      await browser.close();
      await server.close();
    },
  };
}

export interface Point {
  x: number;
  y: number;
}

export async function imageToClient(page: Page, x: number, y: number): Promise<Point> {
  return page.evaluate(
    ([ix, iy]) => (globalThis as unknown as HarnessWindow).__shotboxCanvas!.imageToClient(ix!, iy!),
    [x, y],
  );
}

export async function probeBox(page: Page): Promise<PageBox> {
  const box = await page.evaluate(() =>
    (globalThis as unknown as HarnessWindow).__canvasHarness!.probe(),
  );
  if (!box) throw new Error('harness has no probe box');
  return box;
}

/**
 * Count animation frames in the page (`__frames`). Plain source, not a function: a TS loader
 * (tsx) would wrap named inner functions in a `__name` helper the page does not have.
 */
export const START_FRAME_COUNTER = `(() => {
  const f = { count: 0, t0: performance.now(), t1: 0, running: true };
  globalThis.__frames = f;
  const tick = () => {
    if (!f.running) return;
    f.count++;
    f.t1 = performance.now();
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
})()`;

/** Stop the counter; evaluates to { count, ms }. */
export const STOP_FRAME_COUNTER = `(() => {
  const f = globalThis.__frames;
  f.running = false;
  return { count: f.count, ms: f.t1 - f.t0 };
})()`;

export interface DragMeasurement {
  fps: number;
  frames: number;
  ms: number;
  mouseMoves: number;
  /** Layer redraws during the measured drag. */
  redraws: { image: number; boxes: number; interactive: number };
  /** Main-thread task time per frame (Chrome's TaskDuration), ms. */
  taskMsPerFrame: number;
  /** Where the box was grabbed and where it was released (client px). */
  start: Point;
  end: Point;
}

/**
 * Grab the probe box, move it around with the real mouse for `durationMs` while the page counts
 * animation frames, release it `release` px from where it was grabbed.
 */
export async function measureBoxDrag(
  page: Page,
  durationMs = 1000,
  release: Point = { x: 30, y: 20 },
): Promise<DragMeasurement> {
  const box = await probeBox(page);
  const start = await imageToClient(page, (box.x1 + box.x2) / 2, (box.y1 + box.y2) / 2);
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  const taskSeconds = async (): Promise<number> => {
    const { metrics } = await cdp.send('Performance.getMetrics');
    return metrics.find((m) => m.name === 'TaskDuration')?.value ?? 0;
  };
  const draws = () =>
    page.evaluate(() => (globalThis as unknown as HarnessWindow).__shotboxCanvas!.draws);

  await page.mouse.move(start.x, start.y);
  await page.mouse.down();
  await page.mouse.move(start.x + 5, start.y + 5);
  const drawsBefore = await draws();
  const taskBefore = await taskSeconds();
  await page.evaluate(START_FRAME_COUNTER);
  const t0 = Date.now();
  let mouseMoves = 0;
  while (Date.now() - t0 < durationMs) {
    // A loop of about 40 moves: the box keeps travelling over the other boxes.
    const a = (mouseMoves / 40) * 2 * Math.PI;
    await page.mouse.move(start.x + 5 + 60 * Math.sin(a), start.y + 5 + 40 * (1 - Math.cos(a)));
    mouseMoves++;
  }
  const frames = await page.evaluate<{ count: number; ms: number }>(STOP_FRAME_COUNTER);
  const taskAfter = await taskSeconds();
  const drawsAfter = await draws();
  const end = { x: start.x + release.x, y: start.y + release.y };
  await page.mouse.move(end.x, end.y);
  await page.mouse.up();
  await cdp.detach();
  return {
    fps: ((frames.count - 1) * 1000) / frames.ms,
    frames: frames.count,
    ms: frames.ms,
    mouseMoves,
    redraws: {
      image: drawsAfter.image - drawsBefore.image,
      boxes: drawsAfter.boxes - drawsBefore.boxes,
      interactive: drawsAfter.interactive - drawsBefore.interactive,
    },
    taskMsPerFrame: ((taskAfter - taskBefore) * 1000) / Math.max(1, frames.count),
    start,
    end,
  };
}

export interface SwitchTiming {
  /** From the switch until onImageShown (image and boxes drawn into the canvas). */
  shownMs: number;
  /** Until the animation frame after that (an upper bound for "on screen"). */
  paintedMs: number;
}

export function showImage(page: Page, index: number): Promise<SwitchTiming> {
  return page.evaluate(
    (i) => (globalThis as unknown as HarnessWindow).__canvasHarness!.showImage(i),
    index,
  );
}
