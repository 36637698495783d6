import type { CanvasTool } from '../canvas/types';
import { getState, setState, storePreference } from '../state/store';
import { done } from './run';

/** What only the UI owns: the tool, the view, box selection, theme, threshold, dialogs. */

export function setTool(tool: CanvasTool): void {
  if (tool === 'draw' && getState().classes.length === 0) {
    // A box needs a class: ask for its name first (ClassNamePrompt), then draw.
    setState({ classPrompt: true });
    return;
  }
  setState({ tool });
  done(tool === 'draw' ? 'Draw: drag on the image · Esc to stop' : 'Select');
}

/** W: toggle drawing. */
export function toggleDraw(): void {
  setTool(getState().tool === 'draw' ? 'select' : 'draw');
}

export function closeClassPrompt(): void {
  setState({ classPrompt: false });
}

export function fit(): void {
  setState((s) => ({ fitRequest: s.fitRequest + 1 }));
}

export function zoom(direction: 1 | -1): void {
  setState((s) => ({ zoomRequest: { seq: (s.zoomRequest?.seq ?? 0) + 1, direction } }));
}

export function reportZoom(zoom: number): void {
  if (getState().zoom !== zoom) setState({ zoom });
}

/** Click on a box (canvas or list); additive with Shift/Ctrl. Empty: clear. */
export function selectBoxes(ids: readonly number[], additive = false): void {
  setState((s) => {
    if (!additive) return { selectedBoxIds: new Set(ids) };
    const next = new Set(s.selectedBoxIds);
    for (const id of ids) {
      if (next.has(id)) next.delete(id);
      else next.add(id);
    }
    return { selectedBoxIds: next };
  });
}

/** Esc during a drag or draw: the canvas rolled the gesture back (nothing reached the backend). */
export function gestureCancelled(): void {
  done('Cancelled');
}

/** Esc: leave drawing, else clear the box selection. */
export function escape(): void {
  const s = getState();
  if (s.tool === 'draw') setState({ tool: 'select' });
  else if (s.selectedBoxIds.size > 0) setState({ selectedBoxIds: new Set() });
  else if (s.error) setState({ error: null });
}

export function setThreshold(threshold: number): void {
  const t = Math.min(1, Math.max(0, threshold));
  setState({ threshold: t });
  storePreference('threshold', String(t));
}

export function toggleTheme(): void {
  const themeMode = getState().themeMode === 'dark' ? 'light' : 'dark';
  setState({ themeMode });
  storePreference('theme', themeMode);
}

export function setHelpOpen(helpOpen: boolean): void {
  setState({ helpOpen });
}

export function setDrawClass(classId: number): void {
  setState({ drawClassId: classId });
}
