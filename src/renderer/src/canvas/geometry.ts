/**
 * Pure geometry of the canvas: the view transform between image pixels and screen pixels, and the
 * box edits a gesture makes. No DOM, no Konva, so it can be unit-tested under Node.
 *
 * Two coordinate spaces, branded so they cannot be mixed by accident (DESIGN.md §11):
 *  - image pixels: the canonical box space (x1,y1,x2,y2, as stored and sent over the API);
 *  - screen pixels: CSS pixels relative to the canvas container's top-left corner.
 */
import type { Box } from '../../../shared/project/types';

export interface ImagePoint {
  readonly x: number;
  readonly y: number;
  readonly __space: 'image';
}
export interface ScreenPoint {
  readonly x: number;
  readonly y: number;
  readonly __space: 'screen';
}

export const imagePoint = (x: number, y: number): ImagePoint => ({ x, y }) as ImagePoint;
export const screenPoint = (x: number, y: number): ScreenPoint => ({ x, y }) as ScreenPoint;

/** screen = image * scale + (x, y). */
export interface View {
  readonly scale: number;
  readonly x: number;
  readonly y: number;
}

export interface Size {
  readonly width: number;
  readonly height: number;
}

export function imageToScreen(view: View, p: ImagePoint): ScreenPoint {
  return screenPoint(p.x * view.scale + view.x, p.y * view.scale + view.y);
}

export function screenToImage(view: View, p: ScreenPoint): ImagePoint {
  return imagePoint((p.x - view.x) / view.scale, (p.y - view.y) / view.scale);
}

/** Screen-space margin kept around a fitted image so its border and labels stay visible. */
const FIT_MARGIN = 16;

/** The view that shows the whole image centred in the viewport. */
export function fitView(image: Size, viewport: Size): View {
  if (image.width <= 0 || image.height <= 0 || viewport.width <= 0 || viewport.height <= 0) {
    return { scale: 1, x: 0, y: 0 };
  }
  const availW = Math.max(1, viewport.width - 2 * FIT_MARGIN);
  const availH = Math.max(1, viewport.height - 2 * FIT_MARGIN);
  const scale = Math.min(availW / image.width, availH / image.height);
  return {
    scale,
    x: Math.round((viewport.width - image.width * scale) / 2),
    y: Math.round((viewport.height - image.height * scale) / 2),
  };
}

export interface ZoomLimits {
  readonly min: number;
  readonly max: number;
}

/** From a quarter of "fit" (context around the image) to 32 screen px per image pixel. */
export function zoomLimits(image: Size, viewport: Size): ZoomLimits {
  const fit = fitView(image, viewport).scale;
  return { min: fit / 4, max: Math.max(32, fit * 4) };
}

/** Zoom by `factor`, keeping the image point under `anchor` fixed on screen. */
export function zoomAt(view: View, factor: number, anchor: ScreenPoint, limits: ZoomLimits): View {
  const scale = Math.min(limits.max, Math.max(limits.min, view.scale * factor));
  const fixed = screenToImage(view, anchor);
  return { scale, x: anchor.x - fixed.x * scale, y: anchor.y - fixed.y * scale };
}

/** One wheel notch (deltaY ≈ 100) zooms by ~1.2×; trackpads send small deltas and zoom smoothly. */
export function wheelZoomFactor(deltaY: number): number {
  const clamped = Math.max(-300, Math.min(300, deltaY));
  return Math.exp(-clamped * 0.0018);
}

// ---------------------------------------------------------------------------------------------
// Boxes (image pixels)

export const boxWidth = (b: Box): number => b.x2 - b.x1;
export const boxHeight = (b: Box): number => b.y2 - b.y1;
export const boxArea = (b: Box): number => Math.max(0, boxWidth(b)) * Math.max(0, boxHeight(b));

export function sameBox(a: Box, b: Box): boolean {
  return a.x1 === b.x1 && a.y1 === b.y1 && a.x2 === b.x2 && a.y2 === b.y2;
}

const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));

export function clampPointToImage(p: ImagePoint, image: Size): ImagePoint {
  return imagePoint(clamp(p.x, 0, image.width), clamp(p.y, 0, image.height));
}

/** Corners in either order → x1 ≤ x2, y1 ≤ y2, clipped to the image. */
export function boxFromCorners(a: ImagePoint, b: ImagePoint, image: Size): Box {
  return {
    x1: clamp(Math.min(a.x, b.x), 0, image.width),
    y1: clamp(Math.min(a.y, b.y), 0, image.height),
    x2: clamp(Math.max(a.x, b.x), 0, image.width),
    y2: clamp(Math.max(a.y, b.y), 0, image.height),
  };
}

/**
 * Translate by (dx, dy) image pixels, rounded to whole pixels, without leaving the image: the box
 * keeps its size and stops at the border (clipping a moved box would silently shrink it).
 */
export function translateBox(box: Box, dx: number, dy: number, image: Size): Box {
  const rx = clamp(Math.round(dx), Math.min(0, -box.x1), Math.max(0, image.width - box.x2));
  const ry = clamp(Math.round(dy), Math.min(0, -box.y1), Math.max(0, image.height - box.y2));
  return { x1: box.x1 + rx, y1: box.y1 + ry, x2: box.x2 + rx, y2: box.y2 + ry };
}

/** The eight resize handles: corners and edge midpoints, named by compass direction. */
export const HANDLES = ['nw', 'n', 'ne', 'e', 'se', 's', 'sw', 'w'] as const;
export type Handle = (typeof HANDLES)[number];

/** Where each handle sits on a box: fractions of width and height from (x1, y1). */
const HANDLE_POSITION: Record<Handle, readonly [number, number]> = {
  nw: [0, 0],
  n: [0.5, 0],
  ne: [1, 0],
  e: [1, 0.5],
  se: [1, 1],
  s: [0.5, 1],
  sw: [0, 1],
  w: [0, 0.5],
};

export function handlePoint(box: Box, handle: Handle): ImagePoint {
  const [fx, fy] = HANDLE_POSITION[handle];
  return imagePoint(box.x1 + fx * boxWidth(box), box.y1 + fy * boxHeight(box));
}

/** Smallest box a resize may produce, in image pixels (a zero-area box cannot be trained on). */
export const MIN_BOX_SIZE = 1;

/**
 * Move the edges a handle controls to `p` (rounded, clipped to the image). Dragging past the
 * opposite edge flips the box rather than inverting it, as in LabelImg and CVAT.
 */
export function resizeBox(box: Box, handle: Handle, p: ImagePoint, image: Size): Box {
  const x = clamp(Math.round(p.x), 0, image.width);
  const y = clamp(Math.round(p.y), 0, image.height);
  let { x1, y1, x2, y2 } = box;
  if (handle.includes('w')) x1 = x;
  if (handle.includes('e')) x2 = x;
  if (handle.includes('n')) y1 = y;
  if (handle.includes('s')) y2 = y;
  const out = {
    x1: Math.min(x1, x2),
    y1: Math.min(y1, y2),
    x2: Math.max(x1, x2),
    y2: Math.max(y1, y2),
  };
  return ensureMinSize(out, image);
}

function ensureMinSize(b: Box, image: Size): Box {
  let { x1, y1, x2, y2 } = b;
  if (x2 - x1 < MIN_BOX_SIZE) {
    if (x1 + MIN_BOX_SIZE <= image.width) x2 = x1 + MIN_BOX_SIZE;
    else x1 = x2 - MIN_BOX_SIZE;
  }
  if (y2 - y1 < MIN_BOX_SIZE) {
    if (y1 + MIN_BOX_SIZE <= image.height) y2 = y1 + MIN_BOX_SIZE;
    else y1 = y2 - MIN_BOX_SIZE;
  }
  return { x1, y1, x2, y2 };
}

/** A drawn box: corners rounded to whole pixels and clipped; null if it collapses. */
export function drawnBox(a: ImagePoint, b: ImagePoint, image: Size): Box | null {
  const box = boxFromCorners(
    imagePoint(Math.round(a.x), Math.round(a.y)),
    imagePoint(Math.round(b.x), Math.round(b.y)),
    image,
  );
  return boxWidth(box) >= MIN_BOX_SIZE && boxHeight(box) >= MIN_BOX_SIZE ? box : null;
}
