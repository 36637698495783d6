import { evaluateDetections, summaryJson, type EvaluationResult } from '../../shared/eval/evaluate';
import { evaluationRecords, storedClasses } from '../../shared/eval/storedEvaluation';
import type { Split } from '../../shared/project/splits';
import type { ProjectDb } from '../db/projectDb';
import type { Detector } from '../detector/detector';
import { assignMissingSplits } from '../project/splits';
import { evaluationInputFromProject, type ProjectEvalInput } from './evaluateProjectModel';

/** DESIGN.md §3: AP wants the low-scoring tail too. */
export const EVALUATION_SCORE_THRESHOLD = 0.01;

/** The project holds nothing to evaluate against (no settled labels, in the split or at all). */
export class NothingToEvaluateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NothingToEvaluateError';
  }
}

export interface ProjectEvaluationOptions {
  /** Only the settled images of this split; missing splits are assigned first. */
  split?: Split;
  scoreThreshold?: number;
  signal?: AbortSignal;
  /** Before the model runs: how many settled images it will see, and splits newly assigned. */
  onStart?: (info: { settled: number; assignedSplits: number }) => void;
  onProgress?: (done: number, total: number, failed: number) => void;
}

export interface ProjectEvaluation {
  input: ProjectEvalInput;
  /** null when interrupted (nothing was evaluated). */
  result: EvaluationResult | null;
}

/**
 * A model over the settled images of a project (one split, or all), scored by the evaluator: the
 * one path of `shotbox eval --project` and of the evaluate job. Writes nothing but the default
 * splits that `split` needs (src/core/project/splits.ts); `storeProjectEvaluation` keeps a result.
 */
export async function runProjectEvaluation(
  project: ProjectDb,
  detector: Detector,
  options: ProjectEvaluationOptions = {},
): Promise<ProjectEvaluation> {
  const { split } = options;
  let assignedSplits = 0;
  if (split && project.images.splitCounts().none > 0 && !project.readOnlyReason)
    assignedSplits = assignMissingSplits(project).assigned;
  const settled = project.images.settled(split).length;
  if (settled === 0)
    throw new NothingToEvaluateError(
      split
        ? `no settled images in the ${split} split of ${project.file}`
        : `${project.file} has no settled labels to evaluate against (review images or import labels first)`,
    );
  options.onStart?.({ settled, assignedSplits });
  const input = await evaluationInputFromProject(project, detector, {
    scoreThreshold: options.scoreThreshold ?? EVALUATION_SCORE_THRESHOLD,
    ...(split ? { split } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  if (input.interrupted) return { input, result: null };
  if (input.images === 0)
    throw new NothingToEvaluateError('no settled image could be read; nothing to evaluate');
  return { input, result: evaluateDetections(input.dataset) };
}

/**
 * Keeps an evaluation in the project (evaluations + evaluation_records, one transaction). Stored
 * results are derived data, not labels: not an edit-history step. Returns the evaluation's id.
 */
export async function storeProjectEvaluation(
  project: ProjectDb,
  detector: Detector,
  evaluation: { input: ProjectEvalInput; result: EvaluationResult },
  about: { jobId: number | null; split: Split | null; scoreThreshold?: number },
): Promise<number> {
  const { input, result } = evaluation;
  const modelSha256 = await detector.contentHash();
  return project.transaction(() =>
    project.evaluations.insert({
      jobId: about.jobId,
      model: detector.manifest.name,
      modelSha256,
      split: about.split,
      params: {
        scoreThreshold: about.scoreThreshold ?? EVALUATION_SCORE_THRESHOLD,
        failures: input.failures.length,
        unlabelledClasses: input.unlabelledClasses,
      },
      images: result.images,
      groundTruth: result.groundTruth,
      detections: result.detections,
      summary: summaryJson(result),
      errorCounts: result.errors.counts,
      classes: storedClasses(result),
      records: evaluationRecords(input.dataset, result),
    }),
  );
}
