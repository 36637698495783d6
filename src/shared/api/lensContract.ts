/**
 * The SSD lens's part of the UI ↔ backend contract (spread into `contract` in contract.ts).
 * Prior sources are named (a preset or model) or given as a config object (the what-if knobs, a
 * suggested config), never as a path: the backend validates the config with the prior schema.
 */
import { z } from 'zod';
import type { BoxCoderSpec } from '../ssd/boxCoder';
import type { CoverageStats } from '../ssd/coverage';
import type { PriorConfig } from '../ssd/priorConfig';
import type { ResizeSpec } from '../models/manifest';

const id = z.number().int().positive();
const threshold = z.number().gt(0).max(1).default(0.5);

export const PriorSourceSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('preset'), name: z.enum(['ssd300', 'ssd512']) }),
  z.strictObject({ kind: z.literal('model'), name: z.string().min(1).max(200) }),
  /** A prior config (docs/priors.md), checked by the backend with parsePriorConfig. */
  z.strictObject({
    kind: z.literal('config'),
    label: z.string().max(200).optional(),
    config: z.record(z.string(), z.unknown()),
  }),
]);
export type PriorSourceRequest = z.infer<typeof PriorSourceSchema>;

/** A prior source resolved: the renderer generates and draws its priors with src/shared/ssd. */
export interface LensSource {
  label: string;
  config: PriorConfig;
  resize: Pick<ResizeSpec, 'mode' | 'padAnchor'>;
  coder: BoxCoderSpec;
  priorCount: number;
}

/** One matched prior of a ground-truth box, with its training target. */
export interface LensMatchedPrior {
  index: number;
  layer: number;
  layerName: string;
  row: number;
  col: number;
  box: number;
  widthPx: number;
  heightPx: number;
  aspectRatio: number;
  iou: number;
  /** The bipartite (forced) match of this box. */
  forced: boolean;
  /** Encoded location target in the coder's layout (the regression target). */
  offsets: [number, number, number, number];
}

export interface LensGtMatch {
  annotationId: number;
  classId: number;
  /** At least one matched prior has IoU ≥ threshold. */
  trains: boolean;
  bestIou: number;
  bestPrior: number | null;
  priors: LensMatchedPrior[];
}

export interface LensImageMatch {
  source: string;
  threshold: number;
  priorCount: number;
  gts: LensGtMatch[];
}

export interface LensCoverage extends Omit<CoverageStats, 'worst' | 'perBox'> {
  source: string;
  priorCount: number;
  worst: Array<{
    file_name: string;
    imageId?: number;
    gt: number;
    box: [number, number, number, number];
    class: string;
    bestIou: number;
    positives: number;
  }>;
  /** Box width and height in canvas pixels, for the w×h scatter (at most 5000 boxes). */
  sizes: Array<[number, number]>;
}

export const lensContract = {
  /** Resolves a prior source (validating a config). */
  getLensSource: {
    request: z.strictObject({ source: PriorSourceSchema }),
    response: {} as LensSource,
  },
  /** Matches an image's labelled boxes (accepted/edited) to the source's priors. */
  lensMatchImage: {
    request: z.strictObject({ imageId: id, source: PriorSourceSchema, threshold }),
    response: {} as LensImageMatch,
  },
  /** Coverage of the project's labelled boxes by the source's priors. */
  lensCoverage: {
    request: z.strictObject({ source: PriorSourceSchema, threshold }),
    response: {} as LensCoverage,
  },
  /** Prior optimiser: a config on the source's feature maps, with before/after coverage. */
  lensSuggestPriors: {
    request: z.strictObject({
      source: PriorSourceSchema,
      threshold,
      budget: z.number().int().positive().max(1_000_000).optional(),
    }),
    response: {} as { before: LensCoverage; after: LensCoverage; config: PriorConfig },
  },
} as const;
