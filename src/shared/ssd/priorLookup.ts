/**
 * Index ↔ place of a prior: which layer, cell and box-in-cell a prior index is, which indices
 * a cell holds, and which cell of each layer lies under a point. Built on the layout of
 * `generatePriors` (layers in order, cells row-major, a cell's boxes contiguous).
 */
import { priorLayerOf, type PriorLocation, type PriorSet } from './priors';

/** A prior described for people: place, size in input pixels and aspect ratio. */
export interface PriorInfo extends PriorLocation {
  index: number;
  layerName: string;
  /** `(cx, cy, w, h)`, normalised to the input canvas. */
  cxcywh: [number, number, number, number];
  /** Width and height in network-input pixels. */
  widthPx: number;
  heightPx: number;
  /** Width / height in input pixels (Caffe's r: 2 is wide, 0.5 is tall). */
  aspectRatio: number;
}

/**
 * The prior indices of one cell, ascending (`start`, `start + 1`, … `start + boxesPerCell − 1`).
 *
 * @throws RangeError for a layer, row or column outside the set.
 */
export function priorsOfCell(set: PriorSet, layer: number, row: number, col: number): number[] {
  const l = set.layers[layer];
  if (l === undefined) throw new RangeError(`layer ${layer} is outside [0, ${set.layers.length})`);
  const [rows, cols] = l.featureMap;
  if (
    !Number.isInteger(row) ||
    row < 0 ||
    row >= rows ||
    !Number.isInteger(col) ||
    col < 0 ||
    col >= cols
  ) {
    throw new RangeError(`cell (${row}, ${col}) is outside layer ${l.name} (${rows}×${cols})`);
  }
  const first = l.start + (row * cols + col) * l.boxesPerCell;
  return Array.from({ length: l.boxesPerCell }, (_, b) => first + b);
}

/** The cell of a layer whose centre is nearest to a normalised point (clamped to the grid). */
export function cellAt(
  set: PriorSet,
  layer: number,
  x: number,
  y: number,
): { row: number; col: number } {
  const l = set.layers[layer];
  if (l === undefined) throw new RangeError(`layer ${layer} is outside [0, ${set.layers.length})`);
  const { strideX, strideY, offsetX, offsetY } = l.grid;
  const [rows, cols] = l.featureMap;
  return {
    row: clampInt(Math.round((y - offsetY) / strideY), rows),
    col: clampInt(Math.round((x - offsetX) / strideX), cols),
  };
}

/** For each layer, the priors of the cell under a normalised point. */
export function priorsAtPoint(set: PriorSet, x: number, y: number): number[][] {
  return set.layers.map((_, k) => {
    const { row, col } = cellAt(set, k, x, y);
    return priorsOfCell(set, k, row, col);
  });
}

/** Describes prior `index` (layer, cell, box, size in pixels, aspect ratio). */
export function describePrior(set: PriorSet, index: number): PriorInfo {
  const loc = priorLayerOf(set, index);
  const b = set.boxes;
  const cx = b[4 * index]!;
  const cy = b[4 * index + 1]!;
  const w = b[4 * index + 2]!;
  const h = b[4 * index + 3]!;
  const widthPx = w * set.image.width;
  const heightPx = h * set.image.height;
  return {
    ...loc,
    index,
    layerName: set.layers[loc.layer]!.name,
    cxcywh: [cx, cy, w, h],
    widthPx,
    heightPx,
    aspectRatio: heightPx > 0 ? widthPx / heightPx : 0,
  };
}

function clampInt(v: number, n: number): number {
  return v < 0 ? 0 : v > n - 1 ? n - 1 : v;
}
