/**
 * An independent, deliberately plain Caffe-style SSD matcher for tests: priors from the paper's
 * per-layer parameters, IoU in double precision, the bipartite step (global best pair first,
 * Caffe's scan order on ties: lowest prior, then lowest gt) and the per-prediction step
 * (IoU ≥ threshold with the prior's best gt). Shares no code with src/.
 *
 * IoUs closer than 1e-12 count as equal: priors placed symmetrically about a box tie in exact
 * arithmetic, and the tie goes to the lowest index (Caffe's scan order) rather than to whichever
 * the rounding of the prior centres happened to favour.
 */
const TIE = 1e-12;

export interface RefLayer {
  size: number;
  step: number;
  minSize: number;
  maxSize: number;
  ratios: number[];
}

/** The paper's SSD300 (ssd_pascal.py). */
export const REF_SSD300: { image: number; layers: RefLayer[] } = {
  image: 300,
  layers: [
    { size: 38, step: 8, minSize: 30, maxSize: 60, ratios: [2] },
    { size: 19, step: 16, minSize: 60, maxSize: 111, ratios: [2, 3] },
    { size: 10, step: 32, minSize: 111, maxSize: 162, ratios: [2, 3] },
    { size: 5, step: 64, minSize: 162, maxSize: 213, ratios: [2, 3] },
    { size: 3, step: 100, minSize: 213, maxSize: 264, ratios: [2] },
    { size: 1, step: 300, minSize: 264, maxSize: 315, ratios: [2] },
  ],
};

/** Corner priors [x1, y1, x2, y2], normalised, in Caffe's order. */
export function referencePriors(spec: { image: number; layers: RefLayer[] }): number[][] {
  const out: number[][] = [];
  for (const l of spec.layers) {
    for (let r = 0; r < l.size; r++) {
      for (let c = 0; c < l.size; c++) {
        const cx = ((c + 0.5) * l.step) / spec.image;
        const cy = ((r + 0.5) * l.step) / spec.image;
        const shapes: Array<[number, number]> = [[l.minSize, l.minSize]];
        const s = Math.sqrt(l.minSize * l.maxSize);
        shapes.push([s, s]);
        for (const ar of l.ratios) {
          shapes.push([l.minSize * Math.sqrt(ar), l.minSize / Math.sqrt(ar)]);
          shapes.push([l.minSize / Math.sqrt(ar), l.minSize * Math.sqrt(ar)]);
        }
        for (const [w, h] of shapes) {
          const hw = w / spec.image / 2;
          const hh = h / spec.image / 2;
          out.push([cx - hw, cy - hh, cx + hw, cy + hh]);
        }
      }
    }
  }
  return out;
}

function iou(a: number[], b: number[]): number {
  const iw = Math.min(a[2]!, b[2]!) - Math.max(a[0]!, b[0]!);
  const ih = Math.min(a[3]!, b[3]!) - Math.max(a[1]!, b[1]!);
  if (iw <= 0 || ih <= 0) return 0;
  const inter = iw * ih;
  const areaA = (a[2]! - a[0]!) * (a[3]! - a[1]!);
  const areaB = (b[2]! - b[0]!) * (b[3]! - b[1]!);
  return inter / (areaA + areaB - inter);
}

export interface RefGtMatch {
  priors: number[];
  ious: number[];
  forced: number | null;
  bestIou: number;
}

export function referenceMatch(
  gts: number[][],
  priors: number[][],
  threshold: number,
): RefGtMatch[] {
  const overlaps = gts.map((g) => priors.map((p) => iou(g, p)));
  const matchOf = new Array<number>(priors.length).fill(-1);
  const forcedOf = new Array<boolean>(priors.length).fill(false);
  const gtLeft = new Set(gts.map((_, j) => j));
  while (gtLeft.size > 0) {
    let best = 0;
    let bi = -1;
    let bj = -1;
    for (let i = 0; i < priors.length; i++) {
      if (matchOf[i] !== -1) continue;
      for (const j of [...gtLeft].sort((a, b) => a - b)) {
        if (overlaps[j]![i]! > best + TIE) {
          best = overlaps[j]![i]!;
          bi = i;
          bj = j;
        }
      }
    }
    if (bi === -1) break;
    matchOf[bi] = bj;
    forcedOf[bi] = true;
    gtLeft.delete(bj);
  }
  for (let i = 0; i < priors.length; i++) {
    if (matchOf[i] !== -1) continue;
    let best = 0;
    let bj = -1;
    for (let j = 0; j < gts.length; j++) {
      if (overlaps[j]![i]! > best + TIE) {
        best = overlaps[j]![i]!;
        bj = j;
      }
    }
    if (bj !== -1 && best >= threshold - TIE) matchOf[i] = bj;
  }
  return gts.map((_, j) => {
    const m: RefGtMatch = {
      priors: [],
      ious: [],
      forced: null,
      bestIou: Math.max(0, ...overlaps[j]!),
    };
    for (let i = 0; i < priors.length; i++) {
      if (matchOf[i] !== j) continue;
      m.priors.push(i);
      m.ious.push(overlaps[j]![i]!);
      if (forcedOf[i]) m.forced = i;
    }
    return m;
  });
}
