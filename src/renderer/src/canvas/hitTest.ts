/**
 * Picking under the pointer, done in plain arithmetic instead of Konva's hit canvas: a loop over
 * 500 boxes costs microseconds, while a hit graph would have to be redrawn whenever boxes change.
 */
import type { CanvasBox } from './types';
import {
  HANDLES,
  boxArea,
  handlePoint,
  imageToScreen,
  type Handle,
  type ImagePoint,
  type ScreenPoint,
  type View,
} from './geometry';

/** Grab radius around a resize handle, screen px (larger than the drawn square, for Fitts). */
export const HANDLE_GRAB_RADIUS = 7;
/** A click this close outside a box's edge still picks it, screen px. */
export const EDGE_TOLERANCE = 3;

export function hitHandle(box: CanvasBox, view: View, p: ScreenPoint): Handle | null {
  let best: Handle | null = null;
  let bestDist = HANDLE_GRAB_RADIUS;
  for (const h of HANDLES) {
    const s = imageToScreen(view, handlePoint(box, h));
    const d = Math.max(Math.abs(s.x - p.x), Math.abs(s.y - p.y));
    if (d <= bestDist) {
      best = h;
      bestDist = d;
    }
  }
  return best;
}

/**
 * The box to pick at `p`: among boxes containing it, the smallest (so nested boxes stay
 * reachable, as in LabelImg), preferring live boxes over rejected ones.
 */
export function hitBox(boxes: readonly CanvasBox[], view: View, p: ImagePoint): CanvasBox | null {
  const tol = EDGE_TOLERANCE / view.scale;
  let best: CanvasBox | null = null;
  let bestRank = Infinity;
  for (const b of boxes) {
    if (p.x < b.x1 - tol || p.x > b.x2 + tol || p.y < b.y1 - tol || p.y > b.y2 + tol) continue;
    // Rejected boxes rank behind every live box; area orders within each group.
    const rank = boxArea(b) + (b.review === 'rejected' ? 1e15 : 0);
    if (rank < bestRank) {
      best = b;
      bestRank = rank;
    }
  }
  return best;
}

export const HANDLE_CURSOR: Record<Handle, string> = {
  nw: 'nwse-resize',
  se: 'nwse-resize',
  ne: 'nesw-resize',
  sw: 'nesw-resize',
  n: 'ns-resize',
  s: 'ns-resize',
  e: 'ew-resize',
  w: 'ew-resize',
};
