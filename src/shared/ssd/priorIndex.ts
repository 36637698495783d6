/**
 * A spatial index over a prior set, so that matching one image touches only the priors that
 * can overlap its ground truth. Matching on those candidates alone gives exactly what
 * `matchPriors` gives on all priors: a prior that overlaps no ground truth is neither forced
 * (the bipartite step only takes positive IoUs) nor positive, and the candidates keep their
 * ascending order, so the matcher's lowest-index tie-breaks are unchanged.
 */
import { boxCount, cxcywhToXyxy64, validateXyxy, type BoxArray } from './boxes';
import {
  DEFAULT_MATCH_THRESHOLD,
  matchPriors,
  snapIou,
  type MatchOptions,
  type MatchResult,
} from './matching';
import type { PriorSet } from './priors';

export interface PriorIndex {
  set: PriorSet;
  /** The priors as `(x1, y1, x2, y2)`, exactly as the matcher sees them. */
  xyxy: Float64Array;
  /**
   * One entry per (layer, box within cell): the largest half width/height over its cells, its
   * smallest and largest area, and whether every such prior sits at its grid's cell centre
   * (true unless clipping moved one). A gt can only overlap priors of cells whose centre is
   * nearer than (gt half size + prior half size) in both axes, and IoU ≤ min(area)/max(area).
   */
  shapes: PriorShape[];
}

interface PriorShape {
  layer: number;
  box: number;
  halfW: number;
  halfH: number;
  minArea: number;
  maxArea: number;
  onGrid: boolean;
}

/** One ground truth's share of a match. */
export interface GtMatch {
  /** Matched prior indices (forced one included), ascending. */
  priors: number[];
  /** IoU of each matched prior with this gt, same order. */
  ious: number[];
  /** The prior the bipartite step gave this gt, or null when none overlaps it. */
  forced: number | null;
  /** Best IoU of any prior with this gt (0 when none overlaps). */
  bestIou: number;
  /** The prior with that IoU (lowest index on ties), or null. */
  bestPrior: number | null;
}

export interface SparseMatch {
  /** The priors that decide the match (see relevantPriors), ascending. */
  candidates: Int32Array;
  /** `matchPriors` over the candidates (indices into `candidates`). */
  result: MatchResult;
  /** Per gt, in input order. */
  gts: GtMatch[];
}

export function buildPriorIndex(set: PriorSet): PriorIndex {
  const xyxy = cxcywhToXyxy64(set.boxes64);
  const shapes: PriorShape[] = [];
  set.layers.forEach((l, layer) => {
    const { strideX, strideY, offsetX, offsetY } = l.grid;
    const cols = l.featureMap[1];
    for (let box = 0; box < l.boxesPerCell; box++) {
      const s: PriorShape = {
        layer,
        box,
        halfW: 0,
        halfH: 0,
        minArea: Infinity,
        maxArea: 0,
        onGrid: true,
      };
      for (let cell = 0; cell < l.featureMap[0] * cols; cell++) {
        const i = l.start + cell * l.boxesPerCell + box;
        const w = set.boxes64[4 * i + 2]!;
        const h = set.boxes64[4 * i + 3]!;
        s.halfW = Math.max(s.halfW, w / 2);
        s.halfH = Math.max(s.halfH, h / 2);
        s.minArea = Math.min(s.minArea, w * h);
        s.maxArea = Math.max(s.maxArea, w * h);
        const cx = offsetX + (cell % cols) * strideX;
        const cy = offsetY + Math.floor(cell / cols) * strideY;
        if (
          Math.abs(set.boxes64[4 * i]! - cx) > 1e-6 ||
          Math.abs(set.boxes64[4 * i + 1]! - cy) > 1e-6
        ) {
          s.onGrid = false;
        }
      }
      shapes.push(s);
    }
  });
  return { set, xyxy, shapes };
}

/**
 * The priors that decide one image's match, ascending, and each gt's best IoU and prior.
 *
 * Matching on a subset S of priors gives the same result as on all of them when S holds every
 * prior with IoU ≥ threshold with some gt (the threshold step) and, for each gt, its G best
 * priors, ties included (the bipartite step: after r < G rounds, a gt's best free prior is
 * among its r + 1 best). Per gt, prior shapes are scored in order of their IoU bound
 * min(area)/max(area), only over the cells that can overlap, until the bound falls below both
 * the threshold and the G-th best IoU found.
 */
function relevantPriors(
  index: PriorIndex,
  gtXyxy: BoxArray,
  threshold: number,
  scratch: Uint8Array,
): { priors: Int32Array; best: Array<{ iou: number; prior: number | null }> } {
  const g = boxCount(gtXyxy);
  const { xyxy, set } = index;
  const found: number[] = [];
  const best: Array<{ iou: number; prior: number | null }> = [];
  const order = index.shapes.map((_, k) => k);
  const bound = new Float64Array(index.shapes.length);
  const top = new Float64Array(g + 1); // the G best IoUs so far, descending
  const scored: number[] = []; // prior, iou pairs
  for (let gi = 0; gi < g; gi++) {
    const x1 = gtXyxy[4 * gi]!;
    const y1 = gtXyxy[4 * gi + 1]!;
    const x2 = gtXyxy[4 * gi + 2]!;
    const y2 = gtXyxy[4 * gi + 3]!;
    const area = (x2 - x1) * (y2 - y1);
    if (!(x2 > x1 && y2 > y1)) {
      best.push({ iou: 0, prior: null }); // an empty box overlaps nothing
      continue;
    }
    index.shapes.forEach((s, k) => {
      const hi = Math.min(s.maxArea, area) / Math.max(s.maxArea, area);
      const lo = Math.min(s.minArea, area) / Math.max(s.minArea, area);
      // The bound over the shape's area range: its maximum is 1 where the range holds area.
      bound[k] = s.minArea <= area && area <= s.maxArea ? 1 : Math.max(hi, lo);
    });
    order.sort((a, b) => bound[b]! - bound[a]!);
    top.fill(0);
    scored.length = 0;
    let bestIou = 0;
    let bestPrior = -1;
    for (const k of order) {
      const kth = top[g - 1]!;
      // Float slack: the bound is exact in reals, the IoUs are rounded to float32.
      if (bound[k]! + 1e-6 < threshold && bound[k]! + 1e-6 < kth) break;
      const s = index.shapes[k]!;
      const l = set.layers[s.layer]!;
      const visitCell = (first: number): void => {
        const p = first + s.box;
        const iw = Math.min(x2, xyxy[4 * p + 2]!) - Math.max(x1, xyxy[4 * p]!);
        if (iw <= 0) return;
        const ih = Math.min(y2, xyxy[4 * p + 3]!) - Math.max(y1, xyxy[4 * p + 1]!);
        if (ih <= 0) return;
        const pa = (xyxy[4 * p + 2]! - xyxy[4 * p]!) * (xyxy[4 * p + 3]! - xyxy[4 * p + 1]!);
        const inter = iw * ih;
        const union = area + pa - inter;
        // Computed and snapped exactly as the matcher does, so ties compare the same.
        const v = union > 0 ? snapIou(inter / union) : 0;
        if (v <= 0) return;
        scored.push(p, v);
        if (v > bestIou || (v === bestIou && p < bestPrior)) {
          bestIou = v;
          bestPrior = p;
        }
        if (v > top[g - 1]!) {
          let j = g - 1;
          while (j > 0 && top[j - 1]! < v) {
            top[j] = top[j - 1]!;
            j--;
          }
          top[j] = v;
        }
      };
      if (!s.onGrid) {
        for (let first = l.start; first < l.start + l.count; first += l.boxesPerCell)
          visitCell(first);
        continue;
      }
      const { strideX, strideY, offsetX, offsetY } = l.grid;
      const [rows, cols] = l.featureMap;
      // Cells whose centre is near enough for IoU ≥ tau, tau = min(threshold, G-th best so far)
      // (0 until G priors are scored: then every overlap counts). IoU ≥ tau needs
      // inter ≥ tau·max(areas), so an overlap of at least m = tau·max(areas)/min(heights) in x,
      // i.e. a centre distance ≤ (w_gt + w_prior)/2 − m (and likewise in y). Conservative: the
      // largest prior size, the smallest prior area, one more cell against rounding; the exact
      // test is in visitCell.
      const kthNow = top[g - 1]!;
      const tau = kthNow === 0 ? 0 : Math.min(threshold, kthNow);
      const gw = x2 - x1;
      const gh = y2 - y1;
      const pw = 2 * s.halfW;
      const ph = 2 * s.halfH;
      const need = tau * Math.max(area, s.minArea);
      const dx = (gw + pw) / 2 - need / Math.min(gh, ph);
      const dy = (gh + ph) / 2 - need / Math.min(gw, pw);
      if (dx < 0 || dy < 0) continue;
      const gcx = (x1 + x2) / 2;
      const gcy = (y1 + y2) / 2;
      const c0 = Math.max(0, Math.floor((gcx - dx - offsetX) / strideX) - 1);
      const c1 = Math.min(cols - 1, Math.ceil((gcx + dx - offsetX) / strideX) + 1);
      const r0 = Math.max(0, Math.floor((gcy - dy - offsetY) / strideY) - 1);
      const r1 = Math.min(rows - 1, Math.ceil((gcy + dy - offsetY) / strideY) + 1);
      for (let r = r0; r <= r1; r++) {
        for (let c = c0; c <= c1; c++) visitCell(l.start + (r * cols + c) * l.boxesPerCell);
      }
    }
    const kth = top[g - 1]!;
    for (let j = 0; j < scored.length; j += 2) {
      const v = scored[j + 1]!;
      if (v >= threshold || (kth > 0 && v >= kth) || (kth === 0 && v > 0)) {
        const p = scored[j]!;
        if (scratch[p] === 0) {
          scratch[p] = 1;
          found.push(p);
        }
      }
    }
    best.push({ iou: bestIou, prior: bestPrior < 0 ? null : bestPrior });
  }
  const priors = Int32Array.from(found).sort();
  for (const p of found) scratch[p] = 0;
  return { priors, best };
}

/**
 * Matches one image's ground truth (normalised `(x1, y1, x2, y2)`) against the indexed priors
 * with `matchPriors`, on the priors that decide the result (see {@link relevantPriors}).
 */
export function matchSparse(
  index: PriorIndex,
  gtXyxy: BoxArray,
  options: MatchOptions = {},
  scratch: Uint8Array = new Uint8Array(index.set.count),
): SparseMatch {
  const threshold = options.threshold ?? DEFAULT_MATCH_THRESHOLD;
  validateXyxy(gtXyxy, 'ground-truth boxes');
  const { priors: candidates, best } = relevantPriors(index, gtXyxy, threshold, scratch);
  const c = candidates.length;
  const sub = new Float64Array(4 * c);
  for (let k = 0; k < c; k++) {
    sub.set(index.xyxy.subarray(4 * candidates[k]!, 4 * candidates[k]! + 4), 4 * k);
  }
  const result = matchPriors(gtXyxy, sub, { ...options, threshold });
  const gts: GtMatch[] = best.map((b) => ({
    priors: [],
    ious: [],
    forced: null,
    bestIou: b.iou,
    bestPrior: b.prior,
  }));
  for (let k = 0; k < c; k++) {
    const gi = result.matches[k]!;
    if (gi < 0) continue;
    const m = gts[gi]!;
    m.priors.push(candidates[k]!);
    m.ious.push(result.ious[k]!);
    if (result.forced[k] === 1) m.forced = candidates[k]!;
  }
  return { candidates, result, gts };
}

/** Expands a sparse match to per-prior arrays over the whole set, as `matchPriors` returns. */
export function expandMatch(sparse: SparseMatch, priorCount: number): MatchResult {
  const matches = new Int32Array(priorCount).fill(-1);
  const ious = new Float32Array(priorCount);
  const forced = new Uint8Array(priorCount);
  sparse.candidates.forEach((p, k) => {
    matches[p] = sparse.result.matches[k]!;
    ious[p] = sparse.result.ious[k]!;
    forced[p] = sparse.result.forced[k]!;
  });
  return { matches, ious, forced, unmatchedGt: sparse.result.unmatchedGt };
}
