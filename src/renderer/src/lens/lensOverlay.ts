/**
 * The lens drawn on the canvas (a CanvasOverlay): priors of the chosen layers and ratios as
 * one path per layer (a single stroke for thousands of boxes, never a node per box), or the
 * priors of the cell under the pointer, or a density map; the selected box's matched priors;
 * and a badge on every labelled box ("trains" / "no prior ≥ t").
 *
 * "All priors" is stroked once into an offscreen bitmap in image space and then only blitted
 * with the view transform: stroking SSD512's 24,564 boxes takes ~200 ms in software Chromium,
 * a blit a few ms, so pan and zoom stay smooth (lines thicken when zoomed far in).
 */
import type { LensExplain, LensImageMatch } from '../../../shared/api/lensContract';
import { imageToCanvas } from '../../../shared/ssd/canvasMapping';
import { priorsAtPoint } from '../../../shared/ssd/priorLookup';
import type { Box } from '../../../shared/project/types';
import type { ImagePoint, Size, View } from '../canvas/geometry';
import type { CanvasOverlay } from '../canvas/types';
import type { PriorView } from './lensStore';
import { densityImage, layerColor, type PlacedPriors } from './priorGeometry';

export interface LensOverlayInput {
  placed: PlacedPriors;
  imageWidth: number;
  imageHeight: number;
  view: PriorView;
  layerOn: readonly boolean[];
  ratioOff: ReadonlySet<number>;
  match: LensImageMatch | null;
  threshold: number;
  /** Labelled boxes by annotation id (for badges). */
  boxes: ReadonlyMap<number, Box>;
  selectedId: number | null;
  /** The model's view of this image, when computed. */
  explain: LensExplain | null;
  showNegatives: boolean;
  /** The explained detection of the selected prediction. */
  detection: LensExplain['detections'][number] | null;
}

/** Longest side of the offscreen bitmap of all priors, in bitmap pixels. */
const BITMAP_MAX = 3072;

export function createLensOverlay(input: LensOverlayInput): CanvasOverlay {
  const { placed, view: mode, layerOn, ratioOff } = input;
  const visible = (i: number): boolean =>
    layerOn[placed.layer[i]!] !== false && !ratioOff.has(placed.ratio[i]!);
  let density: HTMLCanvasElement | null = null;
  let all: { canvas: HTMLCanvasElement; x0: number; y0: number; scale: number } | null = null;

  /** Every visible prior stroked into a bitmap covering their extent, lines 1 screen px now. */
  const buildAll = (screenScale: number): NonNullable<typeof all> => {
    const { xyxy } = placed;
    let x0 = 0;
    let y0 = 0;
    let x1 = input.imageWidth;
    let y1 = input.imageHeight;
    for (let i = 0; i < placed.set.count; i++) {
      x0 = Math.min(x0, xyxy[4 * i]!);
      y0 = Math.min(y0, xyxy[4 * i + 1]!);
      x1 = Math.max(x1, xyxy[4 * i + 2]!);
      y1 = Math.max(y1, xyxy[4 * i + 3]!);
    }
    const scale = Math.min(4, BITMAP_MAX / Math.max(x1 - x0, y1 - y0));
    const canvas = document.createElement('canvas');
    canvas.width = Math.ceil((x1 - x0) * scale);
    canvas.height = Math.ceil((y1 - y0) * scale);
    const ctx = canvas.getContext('2d');
    if (ctx) {
      ctx.globalAlpha = 0.45;
      strokePriors(
        ctx,
        { scale, x: -x0 * scale, y: -y0 * scale },
        null,
        Math.max(1, scale / screenScale),
      );
    }
    return { canvas, x0, y0, scale };
  };

  const strokePriors = (
    ctx: CanvasRenderingContext2D,
    v: View,
    indices: readonly number[] | null,
    width: number,
  ): void => {
    const { xyxy } = placed;
    ctx.lineWidth = width;
    for (let k = 0; k < placed.set.layers.length; k++) {
      if (layerOn[k] === false) continue;
      const l = placed.set.layers[k]!;
      ctx.beginPath();
      const add = (i: number): void => {
        if (!visible(i)) return;
        const x = xyxy[4 * i]! * v.scale + v.x;
        const y = xyxy[4 * i + 1]! * v.scale + v.y;
        const w = (xyxy[4 * i + 2]! - xyxy[4 * i]!) * v.scale;
        const h = (xyxy[4 * i + 3]! - xyxy[4 * i + 1]!) * v.scale;
        ctx.rect(x, y, w, h);
      };
      if (indices === null) for (let i = l.start; i < l.start + l.count; i++) add(i);
      else for (const i of indices) if (placed.layer[i] === k) add(i);
      ctx.strokeStyle = layerColor(k);
      ctx.stroke();
    }
  };

  return {
    followsPointer: mode === 'cell',
    draw(ctx: CanvasRenderingContext2D, v: View, _viewport: Size, pointer: ImagePoint | null) {
      ctx.save();
      if (mode === 'all') {
        all ??= buildAll(v.scale);
        const k = v.scale / all.scale;
        ctx.imageSmoothingEnabled = true;
        ctx.drawImage(
          all.canvas,
          v.x + all.x0 * v.scale,
          v.y + all.y0 * v.scale,
          all.canvas.width * k,
          all.canvas.height * k,
        );
      } else if (mode === 'density') {
        if (!density) {
          const img = densityImage(placed, visible, input.imageWidth, input.imageHeight);
          density = document.createElement('canvas');
          density.width = img.width;
          density.height = img.height;
          density.getContext('2d')?.putImageData(img, 0, 0);
        }
        ctx.imageSmoothingEnabled = true;
        ctx.drawImage(density, v.x, v.y, input.imageWidth * v.scale, input.imageHeight * v.scale);
      } else if (mode === 'cell' && pointer) {
        const p = imageToCanvas([pointer.x, pointer.y, pointer.x, pointer.y], placed.canvas);
        const cells = priorsAtPoint(placed.set, p[0]!, p[1]!).flat();
        ctx.globalAlpha = 0.9;
        strokePriors(ctx, v, cells, 1.5);
      }
      ctx.restore();
      drawExplain(ctx, v, input);
      drawMatch(ctx, v, input);
    },
  };
}

function drawExplain(ctx: CanvasRenderingContext2D, v: View, input: LensOverlayInput): void {
  const { explain, placed, detection } = input;
  if (!explain) return;
  const rect = (b: readonly number[]): void =>
    ctx.rect(
      b[0]! * v.scale + v.x,
      b[1]! * v.scale + v.y,
      (b[2]! - b[0]!) * v.scale,
      (b[3]! - b[1]!) * v.scale,
    );
  // Prior indices are the model's: drawable from `placed` when the lens shows the model's priors.
  const sameSet = placed.set.count === explain.priorCount;
  const priorRect = (i: number): void => rect(Array.from(placed.xyxy.subarray(4 * i, 4 * i + 4)));
  ctx.save();
  if (input.showNegatives) {
    ctx.lineWidth = 1;
    ctx.strokeStyle = 'rgba(255, 0, 200, 0.8)';
    ctx.beginPath();
    for (const n of explain.hardNegatives) rect(n.box);
    ctx.stroke();
    ctx.strokeStyle = 'rgba(0, 230, 118, 0.9)';
    ctx.beginPath();
    if (sameSet) for (const p of explain.positives) priorRect(p.prior.index);
    ctx.stroke();
  }
  if (detection) {
    ctx.strokeStyle = 'rgba(200, 200, 200, 0.8)';
    ctx.lineWidth = 1;
    ctx.beginPath();
    for (const s of detection.suppressed) rect(s.box);
    ctx.stroke();
    ctx.strokeStyle = '#00e5ff';
    ctx.lineWidth = 2;
    ctx.setLineDash([6, 3]);
    ctx.beginPath();
    if (sameSet) priorRect(detection.prior.index);
    ctx.stroke();
    ctx.setLineDash([]);
  }
  ctx.restore();
}

function drawMatch(ctx: CanvasRenderingContext2D, v: View, input: LensOverlayInput): void {
  const { match, placed, boxes, selectedId, threshold } = input;
  if (!match) return;
  ctx.save();
  const selected = match.gts.find((g) => g.annotationId === selectedId);
  if (selected) {
    for (const p of selected.priors) {
      const i = p.index;
      const x = placed.xyxy[4 * i]! * v.scale + v.x;
      const y = placed.xyxy[4 * i + 1]! * v.scale + v.y;
      ctx.strokeStyle = p.forced ? '#ff9800' : '#00e676';
      ctx.lineWidth = p.forced ? 2.5 : 1.5;
      ctx.setLineDash(p.iou >= threshold ? [] : [5, 3]);
      ctx.strokeRect(
        x,
        y,
        (placed.xyxy[4 * i + 2]! - placed.xyxy[4 * i]!) * v.scale,
        (placed.xyxy[4 * i + 3]! - placed.xyxy[4 * i + 1]!) * v.scale,
      );
    }
    ctx.setLineDash([]);
  }
  ctx.font = '600 12px system-ui, sans-serif';
  ctx.textBaseline = 'top';
  for (const g of match.gts) {
    const b = boxes.get(g.annotationId);
    if (!b) continue;
    const text = g.trains
      ? `trains · ${g.priors.length} · IoU ${g.bestIou.toFixed(2)}`
      : `no prior ≥ ${threshold} · best ${g.bestIou.toFixed(2)}`;
    const x = b.x1 * v.scale + v.x;
    const y = b.y2 * v.scale + v.y + 2;
    const w = ctx.measureText(text).width + 8;
    ctx.fillStyle = g.trains ? 'rgba(27, 94, 32, 0.85)' : 'rgba(183, 28, 28, 0.9)';
    ctx.fillRect(x, y, w, 17);
    ctx.fillStyle = '#fff';
    ctx.fillText(text, x + 4, y + 2.5);
  }
  ctx.restore();
}
