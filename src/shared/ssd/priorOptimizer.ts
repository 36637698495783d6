/**
 * Prior optimiser: searches sizes and aspect ratios on a base set's feature maps (same grids,
 * same steps and offsets), under a box budget, to maximise the share of boxes whose best prior
 * IoU reaches the threshold. The IoU is the real positioned one: for a box shape on a grid, the
 * best prior is the one at the cell centre nearest the box centre in x and in y (the overlap of
 * two intervals only shrinks as their centres move apart), so each candidate config is scored
 * exactly for unclipped priors in O(boxes × shapes) without generating it.
 *
 * The search is greedy local search over Caffe-convention layers (minSize, optional maxSize,
 * explicit aspect ratios, no flip): scale a layer's sizes, add/drop the extra box, add, drop or
 * replace a ratio, take the best improving move within the budget, repeat. The result is a
 * plain prior config (docs/priors.md) that `generatePriors` and every shell accept.
 */
import { parsePriorConfig, type CaffePriorConfig } from './priorConfig';
import type { BoxArray } from './boxes';
import type { PriorSet } from './priors';
import { DEFAULT_MATCH_THRESHOLD } from './matching';

export interface OptimizeOptions {
  threshold?: number;
  /** Most priors allowed. Default: the base set's count. */
  budget?: number;
  /** Fewest priors the result keeps (so it stays comparable). Default 0.9 · budget. */
  minBoxes?: number;
  /** Boxes scored during the search (an even subsample when there are more). Default 3000. */
  sampleSize?: number;
  /** Moves taken at most. Default 200. */
  maxSteps?: number;
  /** Aspect ratios (width/height) the search may use. */
  ratios?: readonly number[];
}

export const CANDIDATE_RATIOS: readonly number[] = [
  1 / 6,
  1 / 5,
  1 / 4,
  1 / 3,
  1 / 2,
  2 / 3,
  3 / 2,
  2,
  3,
  4,
  5,
  6,
];

interface LayerState {
  minSize: number;
  maxSize: number | undefined;
  ratios: number[];
}

interface Grid {
  name: string;
  rows: number;
  cols: number;
  cells: number;
  strideX: number;
  strideY: number;
  offsetX: number;
  offsetY: number;
}

export interface OptimizeResult {
  config: CaffePriorConfig;
  /** Boxes of the result. */
  count: number;
  /** Share of the scored sample at IoU ≥ threshold before (base) and after, by the fast scorer. */
  sampleBefore: number;
  sampleAfter: number;
  steps: number;
}

/**
 * @param base the set whose grids are kept; its layers' current shapes seed the search.
 * @param gtXyxy all boxes (4N, normalised to the canvas).
 * @throws Error when the base grids cannot be written as one Caffe config (offsets differ).
 */
export function optimizePriors(
  base: PriorSet,
  gtXyxy: BoxArray,
  options: OptimizeOptions = {},
): OptimizeResult {
  const threshold = options.threshold ?? DEFAULT_MATCH_THRESHOLD;
  const budget = options.budget ?? base.count;
  const minBoxes = options.minBoxes ?? Math.floor(0.9 * budget);
  const ratios = options.ratios ?? CANDIDATE_RATIOS;
  const { width: imW, height: imH } = base.image;
  const grids: Grid[] = base.layers.map((l) => ({
    name: l.name,
    rows: l.featureMap[0],
    cols: l.featureMap[1],
    cells: l.featureMap[0] * l.featureMap[1],
    ...l.grid,
  }));
  const offset = commonOffset(grids);
  const sample = subsample(gtXyxy, options.sampleSize ?? 3000);
  const n = sample.length / 4;

  let state = seedState(base);
  const countOf = (s: LayerState[]): number =>
    s.reduce((t, l, k) => t + grids[k]!.cells * (1 + (l.maxSize ? 1 : 0) + l.ratios.length), 0);

  // Per-layer best IoU of every sampled box.
  const layerBest = (k: number, l: LayerState): Float64Array => {
    const out = new Float64Array(n);
    const shapes = shapesOf(l, imW, imH);
    const g = grids[k]!;
    for (let i = 0; i < n; i++) {
      const x1 = sample[4 * i]!;
      const y1 = sample[4 * i + 1]!;
      const x2 = sample[4 * i + 2]!;
      const y2 = sample[4 * i + 3]!;
      const col = nearest((x1 + x2) / 2, g.offsetX, g.strideX, g.cols);
      const row = nearest((y1 + y2) / 2, g.offsetY, g.strideY, g.rows);
      const cx = g.offsetX + col * g.strideX;
      const cy = g.offsetY + row * g.strideY;
      const area = (x2 - x1) * (y2 - y1);
      let best = 0;
      for (let s = 0; s < shapes.length; s += 2) {
        const hw = shapes[s]! / 2;
        const hh = shapes[s + 1]! / 2;
        const iw = Math.min(x2, cx + hw) - Math.max(x1, cx - hw);
        const ih = Math.min(y2, cy + hh) - Math.max(y1, cy - hh);
        if (iw <= 0 || ih <= 0) continue;
        const inter = iw * ih;
        const v = inter / (area + 4 * hw * hh - inter);
        if (v > best) best = v;
      }
      out[i] = best;
    }
    return out;
  };

  let bests = state.map((l, k) => layerBest(k, l));
  const score = (arrays: Float64Array[]): [number, number] => {
    let covered = 0;
    let sum = 0;
    for (let i = 0; i < n; i++) {
      let b = 0;
      for (const a of arrays) if (a[i]! > b) b = a[i]!;
      if (b >= threshold) covered++;
      sum += b;
    }
    return [covered, sum];
  };
  const before = score(bests);
  let current = before;
  let steps = 0;
  const maxSteps = options.maxSteps ?? 200;

  for (; steps < maxSteps; steps++) {
    let bestMove:
      { k: number; layer: LayerState; best: Float64Array; score: [number, number] } | undefined;
    const total = countOf(state);
    for (let k = 0; k < grids.length; k++) {
      // Best of every other layer, so a move on layer k is scored with one pass.
      const rest = new Float64Array(n);
      bests.forEach((a, j) => {
        if (j !== k) for (let i = 0; i < n; i++) if (a[i]! > rest[i]!) rest[i] = a[i]!;
      });
      for (const cand of movesOf(state[k]!, ratios)) {
        const delta = grids[k]!.cells * (boxesOf(cand) - boxesOf(state[k]!));
        const newTotal = total + delta;
        if (newTotal > budget || (delta < 0 && newTotal < minBoxes)) continue;
        const arr = layerBest(k, cand);
        const s = score([rest, arr]);
        const ref = bestMove?.score ?? current;
        if (s[0] > ref[0] || (s[0] === ref[0] && s[1] > ref[1] + 1e-9)) {
          bestMove = { k, layer: cand, best: arr, score: s };
        }
      }
    }
    if (!bestMove) break;
    state = state.map((l, j) => (j === bestMove.k ? bestMove.layer : l));
    bests = bests.map((a, j) => (j === bestMove.k ? bestMove.best : a));
    current = bestMove.score;
  }

  const config = parsePriorConfig({
    convention: 'caffe',
    image: { width: imW, height: imH },
    offset,
    clip: false,
    flip: false,
    layers: state.map((l, k) => {
      const g = grids[k]!;
      return {
        name: g.name,
        size: [g.rows, g.cols],
        step: [round(g.strideY * imH), round(g.strideX * imW)],
        minSize: round(l.minSize),
        ...(l.maxSize ? { maxSize: round(l.maxSize) } : {}),
        aspectRatios: l.ratios.map((r) => round(r)),
      };
    }),
  }) as CaffePriorConfig;
  return {
    config,
    count: countOf(state),
    sampleBefore: n === 0 ? 0 : before[0] / n,
    sampleAfter: n === 0 ? 0 : current[0] / n,
    steps,
  };
}

function boxesOf(l: LayerState): number {
  return 1 + (l.maxSize ? 1 : 0) + l.ratios.length;
}

/** Box (w, h) pairs of a layer, normalised, flattened. */
function shapesOf(l: LayerState, imW: number, imH: number): number[] {
  const out = [l.minSize / imW, l.minSize / imH];
  if (l.maxSize) {
    const s = Math.sqrt(l.minSize * l.maxSize);
    out.push(s / imW, s / imH);
  }
  for (const r of l.ratios) {
    const sr = Math.sqrt(r);
    out.push((l.minSize * sr) / imW, l.minSize / sr / imH);
  }
  return out;
}

function* movesOf(l: LayerState, ratios: readonly number[]): Generator<LayerState> {
  for (const f of [0.6, 0.8, 0.9, 1 / 0.9, 1 / 0.8, 1 / 0.6]) {
    yield { ...l, minSize: l.minSize * f, maxSize: l.maxSize ? l.maxSize * f : undefined };
    if (!l.maxSize || l.maxSize * f > l.minSize * 1.01) {
      if (l.maxSize) yield { ...l, maxSize: l.maxSize * f };
    }
  }
  if (l.maxSize) yield { ...l, maxSize: undefined };
  else yield { ...l, maxSize: l.minSize * 2 };
  const has = (r: number): boolean => l.ratios.some((x) => Math.abs(x - r) < 1e-6);
  for (const r of ratios) if (!has(r)) yield { ...l, ratios: [...l.ratios, r] };
  for (let i = 0; i < l.ratios.length; i++) {
    yield { ...l, ratios: l.ratios.filter((_, j) => j !== i) };
    for (const r of ratios) {
      if (!has(r)) yield { ...l, ratios: l.ratios.map((x, j) => (j === i ? r : x)) };
    }
  }
}

/** Reads each base layer's sizes back from its priors: the first box is the minSize box. */
function seedState(base: PriorSet): LayerState[] {
  const { width: imW, height: imH } = base.image;
  return base.layers.map((l) => {
    const shapes: Array<[number, number]> = [];
    for (let b = 0; b < l.boxesPerCell; b++) {
      const i = l.start + b;
      shapes.push([base.boxes[4 * i + 2]! * imW, base.boxes[4 * i + 3]! * imH]);
    }
    const [w0, h0] = shapes[0]!;
    const minSize = Math.sqrt(w0 * h0);
    let maxSize: number | undefined;
    const ratios: number[] = [];
    for (const [w, h] of shapes.slice(1)) {
      const r = w / h;
      if (Math.abs(r - 1) < 1e-3) {
        if (maxSize === undefined) maxSize = (w * h) / minSize; // s² = min·max
      } else if (!ratios.some((x) => Math.abs(x - r) < 1e-3)) {
        ratios.push(r);
      }
    }
    return { minSize, maxSize: maxSize && maxSize > minSize ? maxSize : undefined, ratios };
  });
}

function commonOffset(grids: Grid[]): number {
  const offsets = grids.map((g) => g.offsetX / g.strideX);
  const o = offsets[0] ?? 0.5;
  if (
    offsets.some(
      (v, k) =>
        Math.abs(v - o) > 1e-4 || Math.abs(grids[k]!.offsetY / grids[k]!.strideY - o) > 1e-4,
    )
  ) {
    throw new Error(
      'the base priors use different cell offsets per layer; a Caffe config needs one',
    );
  }
  return round(o);
}

function nearest(v: number, offset: number, stride: number, n: number): number {
  const i = Math.round((v - offset) / stride);
  return i < 0 ? 0 : i > n - 1 ? n - 1 : i;
}

function subsample(b: BoxArray, max: number): BoxArray {
  const n = b.length / 4;
  if (n <= max) return b;
  const out = new Float64Array(4 * max);
  for (let k = 0; k < max; k++) {
    const i = Math.floor((k * n) / max);
    out.set(b.subarray(4 * i, 4 * i + 4), 4 * k);
  }
  return out;
}

function round(v: number): number {
  return Math.round(v * 1e4) / 1e4;
}
