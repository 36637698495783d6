/**
 * `?harness=canvas` turns the page into the canvas harness (CanvasHarness.tsx) instead of the
 * workbench. main.tsx calls this first and renders the app only when it returns false. The
 * harness module is imported lazily, so the app bundle carries only this check.
 */
export function maybeMountCanvasHarness(root?: HTMLElement | null): boolean {
  if (new URLSearchParams(window.location.search).get('harness') !== 'canvas') return false;
  const el = root ?? document.getElementById('root');
  if (!el) return false;
  void import('./CanvasHarness').then((m) => m.mountCanvasHarness(el));
  return true;
}
