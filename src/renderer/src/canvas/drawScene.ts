/**
 * Canvas 2D drawing of the scene, in screen pixels.
 *
 * Everything is projected to screen coordinates and rounded before it is drawn, instead of
 * scaling the context: strokes stay exactly 2 px and labels are rasterised at their real 12 px
 * size at any zoom, so nothing is ever scaled into blur. One draw call per box (no Konva node per
 * box) keeps a 500-box redraw to about a millisecond.
 */
import type { Box } from '../../../shared/project/types';
import type { DecodedImage } from './imageCache';
import type { CanvasBox } from './types';
import { HANDLES, handlePoint, imageToScreen, type Size, type View } from './geometry';

export const CANVAS_BACKGROUND = '#202124';
const FONT = '600 12px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
const LABEL_HEIGHT = 18;
const LABEL_PAD_X = 5;
const LINE = 2;
const HANDLE_SIZE = 8;

interface ScreenRect {
  x: number;
  y: number;
  w: number;
  h: number;
}

function toScreenRect(view: View, b: Box): ScreenRect {
  const x = Math.round(b.x1 * view.scale + view.x);
  const y = Math.round(b.y1 * view.scale + view.y);
  const x2 = Math.round(b.x2 * view.scale + view.x);
  const y2 = Math.round(b.y2 * view.scale + view.y);
  return { x, y, w: Math.max(1, x2 - x), h: Math.max(1, y2 - y) };
}

function offscreen(r: ScreenRect, viewport: Size): boolean {
  const m = LABEL_HEIGHT + LINE;
  return r.x > viewport.width + m || r.y > viewport.height + m || r.x + r.w < -m || r.y + r.h < -m;
}

// ---------------------------------------------------------------------------------------------
// Image layer

export interface ImageLayerState {
  image: DecodedImage | null;
  imageSize: Size;
  /** Shown over the placeholder when the image failed to load. */
  error: string | null;
  hasImage: boolean;
}

export function drawImageLayer(
  ctx: CanvasRenderingContext2D,
  state: ImageLayerState,
  view: View,
  viewport: Size,
  devicePixelRatio: number,
): void {
  ctx.fillStyle = CANVAS_BACKGROUND;
  ctx.fillRect(0, 0, viewport.width, viewport.height);
  if (!state.hasImage) return;
  const dest = toScreenRect(view, {
    x1: 0,
    y1: 0,
    x2: state.imageSize.width,
    y2: state.imageSize.height,
  });
  const { image } = state;
  if (image) {
    // The preview is enough while it has at least as many pixels as the screen shows.
    const useFull = !image.preview || dest.w * devicePixelRatio > image.previewWidth;
    const source = useFull ? image.full : (image.preview ?? image.full);
    // Past 2× the pixels themselves are what the user inspects: show them sharp, not smeared.
    ctx.imageSmoothingEnabled = view.scale < 2;
    ctx.imageSmoothingQuality = 'medium';
    ctx.drawImage(source, dest.x, dest.y, dest.w, dest.h);
    return;
  }
  // Loading or failed: a placeholder of the right size, so the boxes have a frame.
  ctx.fillStyle = '#2d2f33';
  ctx.fillRect(dest.x, dest.y, dest.w, dest.h);
  if (state.error) {
    ctx.font = FONT;
    ctx.fillStyle = '#f28b82';
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    ctx.fillText(state.error, viewport.width / 2, viewport.height / 2, viewport.width - 32);
    ctx.textAlign = 'start';
  }
}

// ---------------------------------------------------------------------------------------------
// Boxes

const textColorCache = new Map<string, string>();

/** Black or white, whichever reads better on the class colour. */
function labelTextColor(color: string): string {
  let out = textColorCache.get(color);
  if (out === undefined) {
    const rgb = parseColor(color);
    const lum = rgb ? (0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2]) / 255 : 0;
    out = lum > 0.6 ? '#111' : '#fff';
    textColorCache.set(color, out);
  }
  return out;
}

function parseColor(color: string): [number, number, number] | null {
  const hex = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(color.trim());
  if (hex?.[1]) {
    const h = hex[1].length === 3 ? [...hex[1]].map((c) => c + c).join('') : hex[1];
    return [parseInt(h.slice(0, 2), 16), parseInt(h.slice(2, 4), 16), parseInt(h.slice(4, 6), 16)];
  }
  const rgb = /^rgba?\(\s*(\d+)[\s,]+(\d+)[\s,]+(\d+)/i.exec(color.trim());
  if (rgb) return [Number(rgb[1]), Number(rgb[2]), Number(rgb[3])];
  return null;
}

const textWidthCache = new Map<string, number>();

function labelWidth(ctx: CanvasRenderingContext2D, text: string): number {
  let w = textWidthCache.get(text);
  if (w === undefined) {
    if (textWidthCache.size > 5000) textWidthCache.clear();
    w = Math.ceil(ctx.measureText(text).width) + 2 * LABEL_PAD_X;
    textWidthCache.set(text, w);
  }
  return w;
}

export function labelText(box: CanvasBox): string {
  return box.kind === 'prediction' && box.score !== null
    ? `${box.label} ${box.score.toFixed(2)}`
    : box.label;
}

export type BoxEmphasis = 'normal' | 'hovered' | 'selected';

/** One box with its label; `geometry` overrides the box's own (a drag in progress). */
export function drawBox(
  ctx: CanvasRenderingContext2D,
  box: CanvasBox,
  view: View,
  viewport: Size,
  emphasis: BoxEmphasis = 'normal',
  geometry: Box = box,
): void {
  const r = toScreenRect(view, geometry);
  if (offscreen(r, viewport)) return;
  const rejected = box.review === 'rejected';
  const prediction = box.kind === 'prediction';
  ctx.globalAlpha = rejected ? 0.35 : 1;

  if (emphasis === 'selected') {
    ctx.fillStyle = box.color;
    ctx.globalAlpha = rejected ? 0.08 : 0.16;
    ctx.fillRect(r.x, r.y, r.w, r.h);
    ctx.globalAlpha = rejected ? 0.5 : 1;
  }

  ctx.strokeStyle = box.color;
  ctx.lineWidth = emphasis === 'normal' ? LINE : LINE + 1;
  ctx.setLineDash(rejected ? [2, 4] : prediction ? [7, 4] : []);
  ctx.strokeRect(r.x, r.y, r.w, r.h);
  ctx.setLineDash([]);

  // Label: a tab above the top-left corner; inside the box when that is off the top; and kept
  // on screen while the box is (zoomed in on a large box, its corner may be far off-screen).
  const text = labelText(box);
  if (text) {
    ctx.font = FONT;
    const w = labelWidth(ctx, text);
    const outside = r.y - LABEL_HEIGHT >= 0;
    const left = r.x - LINE / 2;
    const lx = Math.min(Math.max(left, 0), Math.max(left, r.x + r.w - w));
    const ly = outside ? r.y - LABEL_HEIGHT : Math.min(Math.max(r.y, 0), r.y + r.h - LABEL_HEIGHT);
    if (prediction && !rejected && emphasis === 'normal') ctx.globalAlpha = 0.8;
    ctx.fillStyle = box.color;
    ctx.fillRect(lx, ly, w, LABEL_HEIGHT);
    ctx.fillStyle = labelTextColor(box.color);
    ctx.textBaseline = 'middle';
    ctx.fillText(text, lx + LABEL_PAD_X, ly + LABEL_HEIGHT / 2 + 1);
  }
  ctx.globalAlpha = 1;
}

/** All boxes not in `skip` (the selection and the box under a gesture go on the top layer). */
export function drawBoxes(
  ctx: CanvasRenderingContext2D,
  boxes: readonly CanvasBox[],
  skip: ReadonlySet<number>,
  view: View,
  viewport: Size,
): void {
  // Rejected boxes first, so live boxes and their labels draw over them.
  for (const b of boxes) {
    if (b.review === 'rejected' && !skip.has(b.id)) drawBox(ctx, b, view, viewport);
  }
  for (const b of boxes) {
    if (b.review !== 'rejected' && !skip.has(b.id)) drawBox(ctx, b, view, viewport);
  }
}

export function drawHandles(
  ctx: CanvasRenderingContext2D,
  geometry: Box,
  color: string,
  view: View,
): void {
  ctx.lineWidth = 1.5;
  ctx.strokeStyle = color;
  ctx.fillStyle = '#fff';
  const half = HANDLE_SIZE / 2;
  for (const h of HANDLES) {
    const p = imageToScreen(view, handlePoint(geometry, h));
    const x = Math.round(p.x - half);
    const y = Math.round(p.y - half);
    ctx.fillRect(x, y, HANDLE_SIZE, HANDLE_SIZE);
    ctx.strokeRect(x + 0.25, y + 0.25, HANDLE_SIZE - 0.5, HANDLE_SIZE - 0.5);
  }
}

/** The box being drawn: white over a dark halo (visible on any photo), with its size. */
export function drawDraft(ctx: CanvasRenderingContext2D, geometry: Box, view: View): void {
  const r = toScreenRect(view, geometry);
  ctx.lineWidth = LINE + 2;
  ctx.strokeStyle = 'rgba(0,0,0,0.55)';
  ctx.strokeRect(r.x, r.y, r.w, r.h);
  ctx.lineWidth = LINE;
  ctx.strokeStyle = '#fff';
  ctx.strokeRect(r.x, r.y, r.w, r.h);
  const text = `${Math.round(geometry.x2 - geometry.x1)} × ${Math.round(geometry.y2 - geometry.y1)}`;
  ctx.font = FONT;
  const w = labelWidth(ctx, text);
  const ly = r.y + r.h + 4;
  ctx.fillStyle = 'rgba(0,0,0,0.7)';
  ctx.fillRect(r.x, ly, w, LABEL_HEIGHT);
  ctx.fillStyle = '#fff';
  ctx.textBaseline = 'middle';
  ctx.fillText(text, r.x + LABEL_PAD_X, ly + LABEL_HEIGHT / 2 + 1);
}

/** Full-width guide lines through the pointer while the draw tool is active. */
export function drawCrosshair(
  ctx: CanvasRenderingContext2D,
  x: number,
  y: number,
  viewport: Size,
): void {
  const px = Math.round(x) + 0.5;
  const py = Math.round(y) + 0.5;
  ctx.lineWidth = 1;
  ctx.setLineDash([4, 4]);
  ctx.strokeStyle = 'rgba(255,255,255,0.7)';
  ctx.beginPath();
  ctx.moveTo(px, 0);
  ctx.lineTo(px, viewport.height);
  ctx.moveTo(0, py);
  ctx.lineTo(viewport.width, py);
  ctx.stroke();
  ctx.setLineDash([]);
}
