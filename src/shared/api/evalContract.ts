/**
 * Evaluation's part of the UI ↔ backend contract (spread into `contract` in contract.ts): start an
 * evaluate job (a model over the settled images of a split), and the stored results.
 */
import { z } from 'zod';
import { MODEL_NAME } from '../models/modelName';
import { SPLITS } from '../project/splits';
import type { EvaluationSummary, StoredEvaluation } from '../eval/storedEvaluation';

const id = z.number().int().positive();

/** Most false positives and misses one getEvaluation answer lists (the totals count all). */
export const EVALUATION_RECORDS_PER_RESPONSE = 500;

export const evalContract = {
  /**
   * Starts an evaluate job: `model` (default: the embedded one) over the settled images of `split`
   * (default: all of them). Progress arrives as job events; job-done carries `evaluationId`.
   */
  startEvaluation: {
    request: z.strictObject({
      model: z
        .string()
        .regex(MODEL_NAME, 'model must be the name of a registered model (see getAppInfo)')
        .optional(),
      split: z.enum(SPLITS).optional(),
    }),
    response: {} as { jobId: string },
  },
  /** The project's stored evaluations, newest first. */
  listEvaluations: { request: z.strictObject({}), response: {} as EvaluationSummary[] },
  getEvaluation: {
    request: z.strictObject({
      evaluationId: id,
      recordLimit: z.number().int().min(1).max(EVALUATION_RECORDS_PER_RESPONSE).optional(),
    }),
    response: {} as StoredEvaluation,
  },
  /** Deletes a stored result (derived data: no undo step). */
  deleteEvaluation: {
    request: z.strictObject({ evaluationId: id }),
    response: {} as { deleted: boolean },
  },
} as const;
