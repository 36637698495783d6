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
  /** A registered model by name (DESIGN §10: the API takes model names, never paths). */
  z.strictObject({
    kind: z.literal('model'),
    name: z
      .string()
      .regex(/^[a-z0-9][a-z0-9._-]*$/, 'a model name, not a path')
      .refine((n) => !/\.(json|onnx)$/i.test(n), 'a model name, not a file')
      .max(200),
  }),
  /** A prior config (docs/priors.md), checked by the backend with parsePriorConfig. */
  z.strictObject({
    kind: z.literal('config'),
    label: z.string().max(200).optional(),
    config: z.record(z.string(), z.unknown()),
    /** How images sit on its canvas (a what-if of a model keeps the model's); default stretch. */
    resize: z
      .strictObject({
        mode: z.enum(['stretch', 'pad-square', 'letterbox']),
        padAnchor: z.enum(['top-left', 'center']),
      })
      .optional(),
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

/** Where a prior sits: layer, cell, box within the cell, its size and aspect ratio. */
export interface LensPriorInfo {
  index: number;
  layer: number;
  layerName: string;
  row: number;
  col: number;
  box: number;
  widthPx: number;
  heightPx: number;
  aspectRatio: number;
}

type Px = [number, number, number, number];

/** A model's view of one image: detection provenance and hard negatives (lensExplain). */
export interface LensExplain {
  model: string;
  priorCount: number;
  detections: Array<{
    prior: LensPriorInfo;
    classIndex: number;
    label: string;
    score: number;
    /** The head's raw location output for this prior (coder layout). */
    rawOffsets: Px;
    /** Decoded box, normalised to the model canvas (x1, y1, x2, y2). */
    decodedCanvas: Px;
    /** Decoded box in image pixels. */
    box: Px;
    /** Candidates NMS suppressed in this detection's favour. */
    suppressed: Array<{ prior: number; layerName: string; score: number; iou: number; box: Px }>;
  }>;
  /** Positive priors of the labelled boxes, with their background loss. */
  positives: Array<{ prior: LensPriorInfo; loss: number }>;
  /** The 3:1 rule's negatives, highest loss first (at most 300 listed). */
  hardNegatives: Array<{ prior: LensPriorInfo; loss: number; box: Px }>;
  hardNegativeCount: number;
}

/** One matched prior of a ground-truth box, with its training target. */
export interface LensMatchedPrior extends LensPriorInfo {
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
  /**
   * Runs the model on an image and explains it: each detection's prior, raw offsets, decoded
   * box and the candidates NMS suppressed; the hard negatives the 3:1 rule picks against the
   * image's labelled boxes. Read-only (nothing is stored).
   */
  lensExplain: {
    request: z.strictObject({
      imageId: id,
      model: z
        .string()
        .regex(/^[a-z0-9][a-z0-9._-]*$/, 'a model name, not a path')
        .refine((n) => !/\.(json|onnx)$/i.test(n), 'a model name, not a file')
        .max(200)
        .optional(),
      scoreThreshold: z.number().min(0).max(1).optional(),
    }),
    response: {} as LensExplain,
  },
} as const;
