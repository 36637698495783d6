/**
 * Pointer gestures as data (tldraw's model): a gesture starts on pointer-down with the original
 * geometry, is updated live on every move without touching React or the parent, and on release
 * becomes at most one outcome, i.e. one undo step. Esc simply drops the gesture: the original was
 * never changed, so rolling back is free.
 */
import type { Box } from '../../../shared/project/types';
import {
  drawnBox,
  handlePoint,
  imagePoint,
  resizeBox,
  sameBox,
  screenToImage,
  translateBox,
  type Handle,
  type ImagePoint,
  type ScreenPoint,
  type Size,
  type View,
} from './geometry';

/** Below this pointer travel (screen px) a press is a click, not a drag. */
export const DRAG_THRESHOLD = 3;

interface GestureBase {
  pointerId: number;
  startScreen: ScreenPoint;
  /** The pointer has travelled past DRAG_THRESHOLD at least once. */
  dragging: boolean;
}

export type Gesture =
  | (GestureBase & { kind: 'pan'; startView: View })
  | (GestureBase & {
      kind: 'move';
      id: number;
      original: Box;
      startImage: ImagePoint;
      current: Box;
      /** A plain click on an already selected box makes it the only selection. */
      selectOnClick: boolean;
    })
  | (GestureBase & {
      kind: 'resize';
      id: number;
      handle: Handle;
      original: Box;
      startImage: ImagePoint;
      current: Box;
    })
  | (GestureBase & { kind: 'draw'; startImage: ImagePoint; current: Box | null })
  /** Press on empty canvas in select mode: a click clears the selection, a drag does nothing. */
  | (GestureBase & { kind: 'background' });

export type GestureOutcome =
  | { kind: 'change'; id: number; box: Box }
  | { kind: 'create'; box: Box }
  | { kind: 'select'; ids: number[] }
  | { kind: 'none' };

/** The gesture after the pointer moved to `p`; returns a new object (the old one is not touched). */
export function updateGesture(g: Gesture, p: ScreenPoint, view: View, image: Size): Gesture {
  const dragging =
    g.dragging || Math.hypot(p.x - g.startScreen.x, p.y - g.startScreen.y) >= DRAG_THRESHOLD;
  switch (g.kind) {
    case 'pan':
    case 'background':
      return { ...g, dragging };
    case 'move': {
      if (!dragging) return g;
      const at = screenToImage(view, p);
      const current = translateBox(g.original, at.x - g.startImage.x, at.y - g.startImage.y, image);
      return { ...g, dragging, current };
    }
    case 'resize': {
      if (!dragging) return g;
      // The handle follows the pointer's travel, so grabbing it off-centre does not make it jump.
      const at = screenToImage(view, p);
      const h = handlePoint(g.original, g.handle);
      const target = imagePoint(h.x + at.x - g.startImage.x, h.y + at.y - g.startImage.y);
      return { ...g, dragging, current: resizeBox(g.original, g.handle, target, image) };
    }
    case 'draw': {
      const w = Math.abs(p.x - g.startScreen.x);
      const h = Math.abs(p.y - g.startScreen.y);
      // Tiny drags are slips of the hand, not boxes.
      const big = w >= DRAG_THRESHOLD && h >= DRAG_THRESHOLD;
      const current = big ? drawnBox(g.startImage, screenToImage(view, p), image) : null;
      return { ...g, dragging, current };
    }
  }
}

/** Pan: the view that keeps the grabbed point under the pointer. */
export function pannedView(g: Gesture & { kind: 'pan' }, p: ScreenPoint): View {
  return {
    scale: g.startView.scale,
    x: g.startView.x + p.x - g.startScreen.x,
    y: g.startView.y + p.y - g.startScreen.y,
  };
}

/** What a released gesture amounts to: at most one change for the parent. */
export function finishGesture(g: Gesture): GestureOutcome {
  switch (g.kind) {
    case 'pan':
      return { kind: 'none' };
    case 'background':
      return g.dragging ? { kind: 'none' } : { kind: 'select', ids: [] };
    case 'move':
      if (!g.dragging) return g.selectOnClick ? { kind: 'select', ids: [g.id] } : { kind: 'none' };
      return sameBox(g.current, g.original)
        ? { kind: 'none' }
        : { kind: 'change', id: g.id, box: g.current };
    case 'resize':
      return sameBox(g.current, g.original)
        ? { kind: 'none' }
        : { kind: 'change', id: g.id, box: g.current };
    case 'draw':
      return g.current ? { kind: 'create', box: g.current } : { kind: 'none' };
  }
}

/** Geometry to draw for box `id` while `g` is in progress, if the gesture edits it. */
export function liveGeometry(g: Gesture | null, id: number): Box | null {
  if (!g || (g.kind !== 'move' && g.kind !== 'resize') || g.id !== id) return null;
  return g.current;
}
