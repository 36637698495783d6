/**
 * A read-only hook for end-to-end tests on `window.__shotboxCanvas`, so a test can drag a box
 * precisely with the real mouse. Installed only in Vite dev builds or when the page URL carries
 * `?testhooks` (or the canvas harness, `?harness=canvas`); production pages expose nothing.
 */

export interface ShotboxCanvasTestHook {
  /** Screen pixels per image pixel. */
  readonly scale: number;
  /** Where image pixel (0, 0) is, in CSS pixels from the canvas container's top-left corner. */
  readonly offset: { x: number; y: number };
  /** The imageUrl prop, and the URL whose pixels are on screen (null until the first draw). */
  readonly imageUrl: string | null;
  readonly shownUrl: string | null;
  /** Layer redraw counts since mount: a drag should add to `interactive` only. */
  readonly draws: { image: number; boxes: number; interactive: number };
  /** A pointer gesture (drag, draw, pan) is in progress. */
  readonly gestureActive: boolean;
  /** Image pixels → page client coordinates (what `page.mouse` takes), and back. */
  imageToClient(x: number, y: number): { x: number; y: number };
  clientToImage(x: number, y: number): { x: number; y: number };
}

declare global {
  interface Window {
    __shotboxCanvas?: ShotboxCanvasTestHook;
  }
}

export function testHooksEnabled(): boolean {
  // Typed locally: the renderer's tsconfig has no vite/client types ("types": []).
  const env = (import.meta as ImportMeta & { env?: { DEV?: boolean } }).env;
  if (env?.DEV === true) return true;
  const query = new URLSearchParams(window.location.search);
  return query.has('testhooks') || query.get('harness') === 'canvas';
}

/** Publish `hook` while mounted; returns the removal (only removes its own hook). */
export function installTestHook(hook: ShotboxCanvasTestHook): () => void {
  if (!testHooksEnabled()) return () => undefined;
  window.__shotboxCanvas = hook;
  return () => {
    if (window.__shotboxCanvas === hook) delete window.__shotboxCanvas;
  };
}
