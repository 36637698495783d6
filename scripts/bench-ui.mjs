// Canvas benchmark: the annotation canvas harness in headless Chromium (no GPU), each figure
// printed beside a baseline measured in the same run:
//   - dragging a box over N boxes vs over 5 boxes (fps, main-thread ms per frame);
//   - wheel zoom (every layer redrawn each frame) over N boxes vs 5 boxes;
//   - switching to an already visited 4000×3000 image vs its first, cold visit (decode).
// Usage: node scripts/bench-ui.mjs [--boxes 500] [--seconds 2]
import { parseArgs } from 'node:util';
import { tsImport } from 'tsx/esm/api';

const { values } = parseArgs({
  options: { boxes: { type: 'string', default: '500' }, seconds: { type: 'string', default: '2' } },
});
const boxes = Number(values.boxes);
const durationMs = Number(values.seconds) * 1000;

/** @type {typeof import('../test/e2e/canvas/harnessSession.ts')} */
const h = await tsImport('../test/e2e/canvas/harnessSession.ts', import.meta.url);

/** Wheel-zoom in and out around the centre for durationMs; fps and main-thread ms per frame. */
async function measureZoom(page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  const task = async () =>
    (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'TaskDuration')
      ?.value ?? 0;
  const vp = page.viewportSize();
  await page.mouse.move(vp.width / 2, vp.height / 2);
  const task0 = await task();
  await page.evaluate(h.START_FRAME_COUNTER);
  const t0 = Date.now();
  for (let i = 0; Date.now() - t0 < durationMs; i++) {
    await page.mouse.wheel(0, i % 40 < 20 ? -40 : 40);
  }
  const frames = await page.evaluate(h.STOP_FRAME_COUNTER);
  const taskMs = ((await task()) - task0) * 1000;
  await cdp.detach();
  return { fps: ((frames.count - 1) * 1000) / frames.ms, taskMsPerFrame: taskMs / frames.count };
}

async function measure(boxCount, images) {
  const s = await h.openHarness(`boxes=${boxCount}&images=${images}&prefetch=0`);
  try {
    const drag = await h.measureBoxDrag(s.page, durationMs);
    const zoom = await measureZoom(s.page);
    const switches = { cold: [], warm: [] };
    if (images > 1) {
      for (let i = 1; i < images; i++) switches.cold.push(await h.showImage(s.page, i));
      for (let i = 0; i < images; i++) switches.warm.push(await h.showImage(s.page, i));
    }
    return { drag, zoom, switches };
  } finally {
    await s.close();
  }
}

const fmt = (n, d = 1) => n.toFixed(d);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

console.log(`canvas bench: ${boxes} boxes on 4000×3000 JPEGs, headless Chromium --disable-gpu`);
const base = await measure(5, 1);
const full = await measure(boxes, 4);

const rows = [
  ['drag fps', fmt(full.drag.fps), fmt(base.drag.fps), fmt(full.drag.fps / base.drag.fps, 2)],
  [
    'drag main-thread ms/frame',
    fmt(full.drag.taskMsPerFrame, 2),
    fmt(base.drag.taskMsPerFrame, 2),
    fmt(full.drag.taskMsPerFrame / base.drag.taskMsPerFrame, 2),
  ],
  ['zoom fps', fmt(full.zoom.fps), fmt(base.zoom.fps), fmt(full.zoom.fps / base.zoom.fps, 2)],
  [
    'zoom main-thread ms/frame',
    fmt(full.zoom.taskMsPerFrame, 2),
    fmt(base.zoom.taskMsPerFrame, 2),
    fmt(full.zoom.taskMsPerFrame / base.zoom.taskMsPerFrame, 2),
  ],
];
console.log(
  `\n${'measure'.padEnd(28)}${`${boxes} boxes`.padStart(12)}${'5 boxes'.padStart(12)}${'ratio'.padStart(8)}`,
);
for (const [name, a, b, r] of rows) {
  console.log(`${name.padEnd(28)}${a.padStart(12)}${b.padStart(12)}${r.padStart(8)}`);
}

const warm = median(full.switches.warm.map((t) => t.shownMs));
const cold = median(full.switches.cold.map((t) => t.shownMs));
const warmFrame = median(full.switches.warm.map((t) => t.paintedMs));
console.log(
  `\nimage switch (${boxes} boxes), median ms until drawn: revisit ${fmt(warm)} ` +
    `(next frame ${fmt(warmFrame)}), first visit without prefetch ${fmt(cold)}; ` +
    `revisit is ${fmt(cold / warm)}× faster`,
);

// The targets of the workbench issue, checked here (a benchmark) rather than in the test suite.
const targets = [
  [`drag over ${boxes} boxes ≥ 50 fps`, full.drag.fps >= 50, `${fmt(full.drag.fps)} fps`],
  ['revisited 4000×3000 image shown < 150 ms', warm < 150, `${fmt(warm)} ms`],
];
console.log('\ntargets:');
for (const [name, ok, value] of targets)
  console.log(`  ${ok ? 'pass' : 'FAIL'}  ${name}: ${value}`);
process.exitCode = targets.every(([, ok]) => ok) ? 0 : 3;
