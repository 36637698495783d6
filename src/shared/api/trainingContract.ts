/**
 * Training's part of the UI ↔ backend contract (spread into `contract` in contract.ts): start a
 * training job (a job of kind 'train', src/core/jobs/trainJob.ts), stop it between steps, and
 * read where it stands with its curves, so the training page can redraw them after a reload.
 * Resuming is the jobs' `resumeJob`. Models are named, never given as paths.
 */
import { z } from 'zod';
import type { JobRecord, TrainMetrics } from '../jobs/types';
import { MODEL_NAME } from '../models/modelName';
import type { Split } from '../project/splits';

const modelName = z
  .string()
  .max(100)
  .regex(MODEL_NAME, 'a model name: letters, digits, . _ - (not a path)')
  .refine((n) => !/\.(json|onnx)$/i.test(n), 'a model name, not a file');

export const StartTrainingSchema = z.strictObject({
  /** The registered model to fine-tune. */
  base: modelName,
  /** The name to register the trained model under; default `<project>-<base>-<n>`. */
  name: modelName.optional(),
  /** `full` needs a native tfjs backend (`TrainingView.fullMode` says whether one is here). */
  mode: z.enum(['heads', 'extras', 'full']).default('heads'),
  epochs: z.number().int().min(1).max(200),
  augmentation: z.boolean().default(true),
  split: z.literal('train').default('train'),
  /** At most this many training images (quick trials). */
  maxImages: z.number().int().positive().max(1_000_000).optional(),
  batchSize: z.number().int().positive().max(64).optional(),
});

/** AP@0.5 of the base and the trained model on the project's test split, side by side. */
export interface TrainingComparison {
  split: Split;
  images: number;
  base: { model: string; ap50: number | null };
  trained: { model: string; ap50: number | null };
  /** Why a number is missing (no test images, no settled labels, a model failed). */
  note: string | null;
}

export interface TrainingView {
  /** The newest training job (or the one asked for), null when the project has none. */
  job: JobRecord | null;
  metrics: TrainMetrics | null;
  /** The project's classes (the new model's classes) and its settled images per split. */
  classes: string[];
  settled: Record<Split | 'none', number>;
  /** The name the next run gets when none is given, for the base asked (or the default base). */
  suggestedName: string;
  /** Whether `mode: 'full'` can train here (a native tfjs backend), and if not why. */
  fullMode: { available: boolean; reason: string | null };
}

export const trainingContract = {
  /** Starts fine-tuning as a job (or continues the unfinished one asked the same). */
  startTraining: {
    request: StartTrainingSchema,
    response: {} as { jobId: string; resumed?: boolean; name: string },
  },
  /** Stops a training job after the step in flight; its best model so far is registered. */
  stopTraining: {
    request: z.strictObject({ jobId: z.string().max(100) }),
    response: {} as { stopped: boolean },
  },
  /** A training job with its curves: the newest one, or `jobId`. */
  getTraining: {
    request: z.strictObject({ jobId: z.string().max(100).optional(), base: modelName.optional() }),
    response: {} as TrainingView,
  },
  /** Base vs trained model on the test split (AP@0.5 through the evaluator). */
  compareTrained: {
    request: z.strictObject({ jobId: z.string().max(100) }),
    response: {} as TrainingComparison,
  },
} as const;
