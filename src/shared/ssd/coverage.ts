/**
 * Dataset coverage: how well a prior set covers many images' ground truth, with the real
 * matcher (`matchSparse` = `matchPriors` on the priors that can overlap). Per box: best IoU,
 * number of positives; over the dataset: the share of boxes whose best IoU reaches the
 * threshold, histograms, positives per layer and per aspect ratio, and the worst boxes.
 */
import type { BoxArray } from './boxes';
import { matchSparse, type GtMatch, type PriorIndex } from './priorIndex';
import { DEFAULT_MATCH_THRESHOLD } from './matching';

/** One image's ground truth, normalised to the model canvas `(x1, y1, x2, y2)`. */
export interface CoverageImage {
  gtXyxy: BoxArray;
}

export interface BoxCoverage {
  image: number;
  /** Index of the box within its image. */
  gt: number;
  bestIou: number;
  bestPrior: number | null;
  /** Matched priors (the forced one included). */
  positives: number;
  /** Positives other than the forced match: what "trains" at this threshold. */
  thresholdPositives: number;
}

export interface CoverageStats {
  threshold: number;
  boxes: number;
  /** Share of boxes whose best IoU is ≥ threshold. */
  matchedFraction: number;
  meanPositives: number;
  /** Best-IoU histogram: `counts[i]` boxes in `[edges[i], edges[i+1])`, last bin closed. */
  bestIouHistogram: { edges: number[]; counts: number[] };
  /** Boxes with k positives, k = 0..counts.length−1 (the last bin is "that many or more"). */
  positivesHistogram: number[];
  perLayer: Array<{ layer: number; name: string; positives: number }>;
  /** Positives by prior aspect ratio (width/height in input pixels, 3 significant digits). */
  perRatio: Array<{ ratio: number; positives: number }>;
  /** Lowest best IoU first (ties by image, then box). */
  worst: BoxCoverage[];
  /** Every box, image by image. */
  perBox: BoxCoverage[];
}

export interface CoverageOptions {
  threshold?: number;
  /** Length of `worst`. Default 20. */
  worst?: number;
  /** Bins of the best-IoU histogram over [0, 1]. Default 20. */
  bins?: number;
}

const POSITIVE_BINS = 16;

/** Matches every image and gathers the statistics. */
export function computeCoverage(
  index: PriorIndex,
  images: readonly CoverageImage[],
  options: CoverageOptions = {},
): CoverageStats {
  const threshold = options.threshold ?? DEFAULT_MATCH_THRESHOLD;
  const bins = options.bins ?? 20;
  const set = index.set;
  // Layer and aspect ratio (width/height in input pixels, 3 significant digits) of every prior.
  const layerOf = new Int32Array(set.count);
  const ratioOf = new Float64Array(set.count);
  set.layers.forEach((l, k) => {
    layerOf.fill(k, l.start, l.start + l.count);
    for (let b = 0; b < l.boxesPerCell; b++) {
      const i = l.start + b;
      const r = Number(
        (
          (set.boxes64[4 * i + 2]! * set.image.width) /
          (set.boxes64[4 * i + 3]! * set.image.height)
        ).toPrecision(3),
      );
      for (let j = i; j < l.start + l.count; j += l.boxesPerCell) ratioOf[j] = r;
    }
  });
  const perLayer = new Float64Array(set.layers.length);
  const perRatio = new Map<number, number>();
  const hist = new Array<number>(bins).fill(0);
  const posHist = new Array<number>(POSITIVE_BINS).fill(0);
  const perBox: BoxCoverage[] = [];
  const scratch = new Uint8Array(set.count);
  let covered = 0;
  let positivesTotal = 0;

  images.forEach((img, imageIndex) => {
    if (img.gtXyxy.length === 0) return;
    const { gts } = matchSparse(index, img.gtXyxy, { threshold }, scratch);
    gts.forEach((m: GtMatch, gi) => {
      if (m.bestIou >= threshold) covered++;
      hist[Math.min(bins - 1, Math.floor(m.bestIou * bins))]!++;
      posHist[Math.min(POSITIVE_BINS - 1, m.priors.length)]!++;
      positivesTotal += m.priors.length;
      for (const p of m.priors) {
        perLayer[layerOf[p]!]!++;
        perRatio.set(ratioOf[p]!, (perRatio.get(ratioOf[p]!) ?? 0) + 1);
      }
      perBox.push({
        image: imageIndex,
        gt: gi,
        bestIou: m.bestIou,
        bestPrior: m.bestPrior,
        positives: m.priors.length,
        thresholdPositives: m.priors.length - (m.forced === null ? 0 : 1),
      });
    });
  });

  const n = perBox.length;
  const worst = [...perBox]
    .sort((a, b) => a.bestIou - b.bestIou || a.image - b.image || a.gt - b.gt)
    .slice(0, options.worst ?? 20);
  return {
    threshold,
    boxes: n,
    matchedFraction: n === 0 ? 0 : covered / n,
    meanPositives: n === 0 ? 0 : positivesTotal / n,
    bestIouHistogram: { edges: Array.from({ length: bins + 1 }, (_, i) => i / bins), counts: hist },
    positivesHistogram: posHist,
    perLayer: set.layers.map((l, k) => ({ layer: k, name: l.name, positives: perLayer[k]! })),
    perRatio: [...perRatio.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([ratio, positives]) => ({ ratio, positives })),
    worst,
    perBox,
  };
}
