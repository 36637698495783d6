/**
 * The lens over a labelled set: per-box matches (`shotbox match`), coverage statistics
 * (`shotbox coverage`, the coverage page) and the prior optimiser (`shotbox suggest-priors`),
 * all through the shared matcher on the source's canvas.
 */
import { computeCoverage, type CoverageStats } from '../../shared/ssd/coverage';
import { matchSparse } from '../../shared/ssd/priorIndex';
import { optimizePriors } from '../../shared/ssd/priorOptimizer';
import type { PriorConfig } from '../../shared/ssd/priorConfig';
import type { Box, LabelledImage, LabelledSet } from './labelledSet';
import { boxesOnCanvas, priorSourceFromConfig, type PriorSource } from './priorSource';

export interface MatchReport {
  priorCount: number;
  threshold: number;
  images: Array<{
    file_name: string;
    width: number;
    height: number;
    gts: Array<{
      box: Box;
      class: string;
      priors: number[];
      ious: number[];
      forced: number | null;
      bestIou: number;
    }>;
  }>;
}

function flatBoxes(image: LabelledImage): number[] {
  return image.gts.flatMap((g) => g.box);
}

/** Matches every image of the set; ground truths keep the label file's order. */
export function matchReport(set: LabelledSet, source: PriorSource, threshold: number): MatchReport {
  const scratch = new Uint8Array(source.set.count);
  return {
    priorCount: source.set.count,
    threshold,
    images: set.images.map((img) => {
      const gt = boxesOnCanvas(source, img.width, img.height, flatBoxes(img));
      const { gts } = matchSparse(source.index, gt, { threshold }, scratch);
      return {
        file_name: img.file,
        width: img.width,
        height: img.height,
        gts: img.gts.map((g, i) => ({
          box: g.box,
          class: g.class,
          priors: gts[i]!.priors,
          ious: gts[i]!.ious,
          forced: gts[i]!.forced,
          bestIou: gts[i]!.bestIou,
        })),
      };
    }),
  };
}

export interface CoverageReport extends Omit<CoverageStats, 'worst' | 'perBox'> {
  source: string;
  priorCount: number;
  worst: Array<{
    file_name: string;
    imageId?: number;
    gt: number;
    box: Box;
    class: string;
    bestIou: number;
    positives: number;
  }>;
}

/** Coverage of the set's boxes by the source's priors. */
export function coverageReport(
  set: LabelledSet,
  source: PriorSource,
  threshold: number,
  worst = 20,
): CoverageReport {
  const stats = computeCoverage(
    source.index,
    set.images.map((img) => ({
      gtXyxy: boxesOnCanvas(source, img.width, img.height, flatBoxes(img)),
    })),
    { threshold, worst },
  );
  const { perBox: _perBox, worst: worstBoxes, ...rest } = stats;
  return {
    source: source.label,
    priorCount: source.set.count,
    ...rest,
    worst: worstBoxes.map((w) => {
      const img = set.images[w.image]!;
      const g = img.gts[w.gt]!;
      return {
        file_name: img.file,
        ...(img.imageId !== undefined ? { imageId: img.imageId } : {}),
        gt: w.gt,
        box: g.box,
        class: g.class,
        bestIou: w.bestIou,
        positives: w.positives,
      };
    }),
  };
}

export interface SuggestReport {
  before: CoverageReport;
  after: CoverageReport;
  config: PriorConfig;
  steps: number;
}

/**
 * Searches a prior config on the source's feature maps (see optimizePriors) and measures it
 * with the real matcher, before and after.
 */
export function suggestPriors(
  set: LabelledSet,
  source: PriorSource,
  threshold: number,
  budget?: number,
): SuggestReport {
  const all = set.images.map((img) => boxesOnCanvas(source, img.width, img.height, flatBoxes(img)));
  const total = all.reduce((n, b) => n + b.length, 0);
  const flat = new Float32Array(total);
  let o = 0;
  for (const b of all) {
    flat.set(b, o);
    o += b.length;
  }
  const result = optimizePriors(source.set, flat, { threshold, budget });
  const suggested = priorSourceFromConfig(
    result.config,
    'suggested priors',
    source.resize,
    source.coder,
  );
  return {
    before: coverageReport(set, source, threshold),
    after: coverageReport(set, suggested, threshold),
    config: result.config,
    steps: result.steps,
  };
}
