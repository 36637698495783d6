/** Persistent jobs as the UI, CLI and server see them (stored by src/core/db/jobRepo.ts). */

import type { Split } from '../project/splits';

export const JOB_KINDS = ['detect', 'import', 'evaluate', 'train'] as const;
export type JobKind = (typeof JOB_KINDS)[number];

/** Stored states. A 'running' job that no process runs is reported as 'interrupted'. */
export const JOB_STATES = ['running', 'paused', 'cancelled', 'done', 'failed'] as const;
export type StoredJobState = (typeof JOB_STATES)[number];
export type JobState = StoredJobState | 'interrupted';

/** What a detect job was asked to do: enough to run it again after a restart. */
export interface DetectJobParams {
  /**
   * Folders or files under the image root ('/'-separated, '' is the root) to import first and then
   * detect ("Detect folder…", `shotbox detect <folder> --project`).
   */
  inputs?: string[];
  /** Only these images; default every image (under `inputs` when given). */
  imageIds?: number[];
  model?: string;
  scoreThreshold?: number;
  iouThreshold?: number;
  includeReviewed?: boolean;
}

/**
 * What an import job was asked (`shotbox import`): folders under the image root ('/'-separated,
 * '' is the root) recorded as images. Resuming re-reads nothing already recorded.
 */
export interface ImportJobParams {
  inputs: string[];
}

/** What an evaluate job was asked: a model over the settled images of a split (or all). */
export interface EvaluateJobParams {
  model?: string;
  split?: Split;
  scoreThreshold?: number;
}

/**
 * What a training job was asked (the app's training page): enough to run it again, and to resume
 * from its checkpoint after a restart. The classes are the project's; the data is its settled
 * labels on the train split, validated on the val split.
 */
export interface TrainJobParams {
  /** The model fine-tuned from (a registered name). */
  base: string;
  /** The name the trained model is registered under. */
  name: string;
  mode: 'heads' | 'extras' | 'full';
  epochs: number;
  augmentation: boolean;
  /** The split trained on (val validates, test is left for evaluation). */
  split: 'train';
  /** Train on at most this many images (quick trials). */
  maxImages?: number;
  batchSize?: number;
}

export type JobParams = DetectJobParams | ImportJobParams | EvaluateJobParams | TrainJobParams;

/** A training job's curves: per-step losses and per-epoch val mAP (stored with the job). */
export interface TrainStepPoint {
  epoch: number;
  step: number;
  steps: number;
  loss: number;
  loc: number;
  conf: number;
}

export interface TrainEpochPoint {
  epoch: number;
  epochs: number;
  trainLoss: number;
  valMap: number;
  bestEpoch: number;
  bestMap: number;
  seconds: number;
}

export interface TrainMetrics {
  steps: TrainStepPoint[];
  epochs: TrainEpochPoint[];
  /** The tfjs backend in use, as the worker described it. */
  backend: string | null;
  /** What the run said (splits assigned, images used, resumed, skipped files). */
  log: string[];
  /** The registered model, once one exists. */
  model: string | null;
}

export interface JobFailure {
  file: string;
  reason: string;
}

export interface JobRecord {
  id: number;
  kind: JobKind;
  /**
   * DetectJobParams for 'detect', ImportJobParams for 'import', EvaluateJobParams for 'evaluate',
   * TrainJobParams for 'train'.
   */
  params: JobParams;
  state: JobState;
  /** The detection run the job stores its boxes under, once it has one. */
  runId: number | null;
  done: number;
  total: number;
  failed: number;
  /** A short account of the outcome (or why it failed). */
  message: string | null;
  createdAt: string;
  updatedAt: string;
  finishedAt: string | null;
  /**
   * Set while another process (the CLI, another window) runs this 'running' job: it is not
   * resumable here; pause and cancel are passed to that process.
   */
  runningElsewhere?: { pid: number; host: string };
}

/** States in which a job can be continued. */
export function isResumable(state: JobState): boolean {
  return state === 'paused' || state === 'interrupted';
}
