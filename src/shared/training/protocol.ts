/**
 * The one message protocol between a training worker and whoever started it (the CLI, the app's
 * main process, a job). Every message is validated on arrival on both sides: a worker of another
 * version, or anything else on the channel, is an error and not a guess.
 */
import { z } from 'zod';

export const AugmentOptionsSchema = z.object({
  photometric: z.boolean(),
  expandProbability: z.number().min(0).max(1),
  maxExpand: z.number().min(1).max(8),
  crop: z.boolean(),
  flip: z.boolean(),
});

export const TrainSettingsSchema = z.object({
  epochs: z.number().int().positive().max(1000),
  mode: z.enum(['heads', 'extras', 'full']),
  batchSize: z.number().int().positive().max(256),
  learningRate: z.number().positive().max(1),
  patience: z.number().int().positive(),
  valFraction: z.number().min(0).max(0.9),
  seed: z.number().int().nonnegative(),
  augmentation: AugmentOptionsSchema,
  /** Seeded augmented views per image, computed once (besides the image and its mirror). */
  augmentedViews: z.number().int().nonnegative().max(32).optional(),
  /** Per-step decay of the weight average that is validated and exported (0: raw weights). */
  averageDecay: z.number().min(0).lt(1).optional(),
  maxImages: z.number().int().positive().optional(),
});

export const TrainJobSchema = z.object({
  projectFile: z.string().min(1),
  /** Base model: a registered name or a manifest path. */
  base: z.string().min(1),
  /** `<dir>/<name>.json`. */
  out: z.string().min(1),
  settings: TrainSettingsSchema,
  /** tfjs backends to try in order (default: the full chain). */
  backends: z.array(z.enum(['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'])).optional(),
});
export type TrainJob = z.infer<typeof TrainJobSchema>;

export const ToWorkerSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('start'), job: TrainJobSchema }),
  /** Stop after the current step; the last checkpoint and best model stay. */
  z.object({ type: z.literal('cancel') }),
]);
export type ToWorker = z.infer<typeof ToWorkerSchema>;

const EpochSchema = z.object({
  epoch: z.number(),
  epochs: z.number(),
  trainLoss: z.number(),
  valMap: z.number(),
  bestEpoch: z.number(),
  bestMap: z.number(),
  seconds: z.number(),
});

export const FromWorkerSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('backend'),
    backend: z.string(),
    /** One line: the backend in use and why the earlier ones were skipped. */
    description: z.string(),
  }),
  z.object({ type: z.literal('log'), message: z.string() }),
  z.object({
    type: z.literal('step'),
    epoch: z.number(),
    step: z.number(),
    steps: z.number(),
    loss: z.number(),
    loc: z.number(),
    conf: z.number(),
  }),
  z.object({ type: z.literal('epoch'), report: EpochSchema }),
  z.object({
    type: z.literal('done'),
    status: z.enum(['done', 'early-stopped', 'cancelled']),
    epochsDone: z.number(),
    bestEpoch: z.number(),
    bestMap: z.number(),
    history: z.array(EpochSchema),
    manifestPath: z.string().nullable(),
  }),
  z.object({ type: z.literal('error'), message: z.string() }),
]);
export type FromWorker = z.infer<typeof FromWorkerSchema>;
