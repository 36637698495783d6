/**
 * Standalone canvas harness (`?harness=canvas&boxes=500&images=3[&prefetch=0][&priors=ssd512]`): the real AnnotationCanvas
 * over generated 4000×3000 JPEGs, with edits kept in local state. Used by the e2e perf test and
 * by hand. Keys: W draw, V select, F fit, ←/→ image, +/- zoom, Delete remove.
 *
 * `window.__canvasHarness` exposes what the test checks: every callback the canvas made, and
 * a timed image switch.
 */
import { StrictMode, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { createRoot } from 'react-dom/client';
import type { Box } from '../../../../shared/project/types';
import { AnnotationCanvas } from '../AnnotationCanvas';
import { prefetchImage } from '../imageCache';
import type { CanvasBox, CanvasTool } from '../types';
import { generateBoxes, generateImage } from './generateScene';
import { lensHarnessOverlay } from '../../lens/lensHarness';

export interface HarnessLog {
  creates: Box[];
  changes: { id: number; box: Box }[];
  selects: { ids: number[]; additive: boolean }[];
  cancels: number;
  shown: string[];
}

export interface CanvasHarnessHook {
  /** All images are generated. */
  ready: boolean;
  imageCount: number;
  log: HarnessLog;
  index(): number;
  boxes(): CanvasBox[];
  selectedIds(): number[];
  /** A box no other box overlaps (generateScene's PROBE_BOX). */
  probe(): CanvasBox | undefined;
  setTool(tool: CanvasTool): void;
  select(ids: number[]): void;
  /** Switch images; resolves with ms until onImageShown and until the frame after it. */
  showImage(index: number): Promise<{ shownMs: number; paintedMs: number }>;
}

declare global {
  interface Window {
    __canvasHarness?: CanvasHarnessHook;
  }
}

function queryNumber(name: string, fallback: number): number {
  const v = Number(new URLSearchParams(window.location.search).get(name));
  return Number.isFinite(v) && v > 0 ? Math.floor(v) : fallback;
}

interface PendingSwitch {
  url: string;
  t0: number;
  resolve(r: { shownMs: number; paintedMs: number }): void;
}

function CanvasHarness(): React.JSX.Element {
  const config = useMemo(
    () => ({
      boxes: queryNumber('boxes', 500),
      images: queryNumber('images', 3),
      width: queryNumber('width', 4000),
      height: queryNumber('height', 3000),
      prefetch: new URLSearchParams(window.location.search).get('prefetch') !== '0',
      priors: new URLSearchParams(window.location.search).get('priors'),
    }),
    [],
  );
  // `priors=ssd300|ssd512`: the SSD lens overlay with every prior drawn (bench:ui).
  const overlay = useMemo(
    () => lensHarnessOverlay(config.priors, config.width, config.height),
    [config],
  );
  const [urls, setUrls] = useState<string[]>([]);
  const [index, setIndex] = useState(0);
  const [boxesByImage, setBoxesByImage] = useState<CanvasBox[][]>(() =>
    Array.from({ length: config.images }, (_, i) =>
      generateBoxes(config.boxes, config.width, config.height, 7 + i, i * 100_000 + 1),
    ),
  );
  const [selected, setSelected] = useState<ReadonlySet<number>>(new Set());
  const [tool, setTool] = useState<CanvasTool>('select');
  const [fitRequest, setFitRequest] = useState(0);
  const [zoomRequest, setZoomRequest] = useState<{ seq: number; direction: 1 | -1 }>();
  const log = useRef<HarnessLog>({ creates: [], changes: [], selects: [], cancels: 0, shown: [] });
  const pending = useRef<PendingSwitch | null>(null);
  const nextId = useRef(10_000_000);

  // Images are generated one after another; the first shows as soon as it exists.
  useEffect(() => {
    let cancelled = false;
    void (async () => {
      for (let i = 0; i < config.images; i++) {
        const url = await generateImage(config.width, config.height, i);
        if (cancelled) return;
        setUrls((prev) => [...prev, url]);
      }
    })();
    return () => {
      cancelled = true;
    };
  }, [config]);

  const boxes = boxesByImage[index] ?? [];
  const url = urls[index] ?? null;

  // Warm the neighbours, as the workbench should (`&prefetch=0` measures cold switches).
  useEffect(() => {
    if (!config.prefetch) return;
    for (const j of [index + 1, index - 1]) {
      const u = urls[j];
      if (u) prefetchImage(u);
    }
  }, [index, urls, config.prefetch]);

  const updateBoxes = useCallback(
    (fn: (b: CanvasBox[]) => CanvasBox[]) =>
      setBoxesByImage((all) => all.map((b, i) => (i === index ? fn(b) : b))),
    [index],
  );

  const onSelect = useCallback((ids: number[], additive: boolean) => {
    log.current.selects.push({ ids, additive });
    setSelected((prev) => {
      if (!additive) return new Set(ids);
      const next = new Set(prev);
      for (const id of ids) {
        if (next.has(id)) next.delete(id);
        else next.add(id);
      }
      return next;
    });
  }, []);

  const onCreate = useCallback(
    (box: Box) => {
      log.current.creates.push(box);
      const id = nextId.current++;
      const created: CanvasBox = {
        ...box,
        id,
        label: 'face',
        color: '#1f77b4',
        kind: 'label',
        score: null,
        review: 'accepted',
      };
      updateBoxes((b) => [...b, created]);
      setSelected(new Set([id]));
    },
    [updateBoxes],
  );

  const onChange = useCallback(
    (id: number, box: Box) => {
      log.current.changes.push({ id, box });
      updateBoxes((b) => b.map((x) => (x.id === id ? { ...x, ...box, review: 'edited' } : x)));
    },
    [updateBoxes],
  );

  const onCancel = useCallback(() => {
    log.current.cancels++;
  }, []);

  const onImageShown = useCallback((shownUrl: string) => {
    log.current.shown.push(shownUrl);
    const p = pending.current;
    if (!p || p.url !== shownUrl) return;
    pending.current = null;
    const shownMs = performance.now() - p.t0;
    requestAnimationFrame(() => p.resolve({ shownMs, paintedMs: performance.now() - p.t0 }));
  }, []);

  const go = useCallback(
    (i: number) => {
      if (i < 0 || i >= urls.length) return;
      setIndex(i);
      setSelected(new Set());
    },
    [urls.length],
  );

  // The test hook reads the latest state through this ref.
  const latest = useRef({ boxes, selected, index, urls, go });
  useEffect(() => {
    latest.current = { boxes, selected, index, urls, go };
  });

  useEffect(() => {
    const hook: CanvasHarnessHook = {
      ready: false,
      imageCount: config.images,
      log: log.current,
      index: () => latest.current.index,
      boxes: () => latest.current.boxes,
      selectedIds: () => [...latest.current.selected],
      probe: () => latest.current.boxes[latest.current.boxes.length - 1],
      setTool,
      select: (ids) => setSelected(new Set(ids)),
      showImage: (i) =>
        new Promise((resolve, reject) => {
          const target = latest.current.urls[i];
          if (!target) {
            reject(new Error(`no image ${i}`));
            return;
          }
          pending.current = { url: target, t0: performance.now(), resolve };
          latest.current.go(i);
        }),
    };
    window.__canvasHarness = hook;
    return () => {
      if (window.__canvasHarness === hook) delete window.__canvasHarness;
    };
  }, [config.images]);

  useEffect(() => {
    if (window.__canvasHarness) window.__canvasHarness.ready = urls.length === config.images;
  }, [urls.length, config.images]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      const k = e.key.toLowerCase();
      if (k === 'w') setTool('draw');
      else if (k === 'v' || k === 'escape') setTool('select');
      else if (k === 'f') setFitRequest((n) => n + 1);
      else if (k === 'arrowright') go(index + 1);
      else if (k === 'arrowleft') go(index - 1);
      else if (k === '+' || k === '=' || k === '-') {
        const direction = k === '-' ? -1 : 1;
        setZoomRequest((z) => ({ seq: (z?.seq ?? 0) + 1, direction }));
      } else if (k === 'delete' || k === 'backspace') {
        updateBoxes((b) => b.filter((x) => !selected.has(x.id)));
        setSelected(new Set());
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [go, index, selected, updateBoxes]);

  return (
    <div
      style={{
        position: 'fixed',
        inset: 0,
        display: 'flex',
        flexDirection: 'column',
        font: '13px system-ui, sans-serif',
        color: '#ddd',
        background: '#111',
      }}
    >
      <div style={{ padding: '6px 10px', display: 'flex', gap: 16 }}>
        <span>
          image {index + 1}/{config.images} ({urls.length} ready)
        </span>
        <span>{boxes.length} boxes</span>
        <span>tool: {tool}</span>
        <span>selected: {selected.size}</span>
        <span style={{ opacity: 0.6 }}>
          W draw · V select · F fit · ←/→ image · wheel zoom · Space+drag pan
        </span>
      </div>
      <div style={{ flex: 1, minHeight: 0 }}>
        <AnnotationCanvas
          imageUrl={url}
          imageWidth={config.width}
          imageHeight={config.height}
          boxes={boxes}
          selectedIds={selected}
          tool={tool}
          fitRequest={fitRequest}
          zoomRequest={zoomRequest}
          onSelect={onSelect}
          onCreate={onCreate}
          onChange={onChange}
          onCancel={onCancel}
          onImageShown={onImageShown}
          overlay={overlay}
        />
      </div>
    </div>
  );
}

export function mountCanvasHarness(root: HTMLElement): void {
  createRoot(root).render(
    <StrictMode>
      <CanvasHarness />
    </StrictMode>,
  );
}
