import { z } from 'zod';
import { IMAGE_STATUSES, REVIEW_STATES } from '../project/types';
import { MODEL_NAME } from '../models/modelName';
import { classNameField } from './classNameField';
import { evalContract } from './evalContract';
import { lensContract } from './lensContract';
import { modelsContract } from './modelsContract';
import { trainingContract } from './trainingContract';
import { METHOD_NAMES } from './methods';
import { SPLITS } from '../project/splits';
import type {
  JobFailure,
  JobKind,
  JobRecord,
  JobState,
  TrainEpochPoint,
  TrainStepPoint,
} from '../jobs/types';
import type {
  AnnotationRecord,
  ClassListItem,
  ClassRecord,
  ImageListItem,
  ImageRecord,
  ProjectStats,
} from '../project/types';

/**
 * The API between the UI and the backend: one definition for both shells (Electron IPC through
 * the preload bridge, and browser mode over HTTP). Every request has a zod schema that the backend
 * applies as if the page were untrusted (`dispatch` in src/core/api/backend.ts); responses are
 * typed here. Images are addressed by id, never by path: the backend resolves ids to files under
 * the project's image root, so a page cannot name a file outside it.
 */

const id = z.number().int().positive();
/** Pixel coordinates: finite, within what any image can be. */
const coord = z.number().finite().min(-1e6).max(1e6);
export const BoxSchema = z
  .strictObject({ x1: coord, y1: coord, x2: coord, y2: coord })
  .refine((b) => b.x2 > b.x1 && b.y2 > b.y1, 'box must have x2 > x1 and y2 > y1');
const className = classNameField;
const color = z.string().regex(/^#[0-9a-fA-F]{6}$/, 'colour must be #rrggbb');
const empty = z.strictObject({});
/** A path the page names (the open dialog); the backend resolves it against its roots. */
const absolutePath = z
  .string()
  .min(1)
  .max(4096)
  .refine((p) => !p.includes('\0'), 'path contains a NUL character');
/** A registered model's name (the model picker's list); paths are refused here already. */
const modelName = z
  .string()
  .regex(MODEL_NAME, 'model must be the name of a registered model (see getAppInfo)');

export interface ModelSummary {
  name: string;
  title?: string;
  classes: string[];
  inputWidth: number;
  inputHeight: number;
  ready: boolean;
  /** Shipped with Shotbox, or added by the user (removable). */
  source: 'bundled' | 'user';
}

export interface ProviderSummary {
  name: string;
  available: boolean;
  reason?: string;
}

export interface AppInfo {
  version: string;
  shell: 'electron' | 'browser';
  models: ModelSummary[];
  /** Execution providers in the order they would be tried, with availability. */
  providers: ProviderSummary[];
}

export interface ProjectInfo {
  file: string;
  name: string;
  imageRoot: string;
  imageCount: number;
  /**
   * The image last opened in the workbench (reopened with the project), if any, with its
   * position in the unfiltered list.
   */
  lastImage: { id: number; index: number } | null;
  /** Set when the project cannot be changed (damaged, or opened read-only): shown as a banner. */
  readOnlyReason?: string;
}

export interface ImagePage {
  total: number;
  items: ImageListItem[];
}

export interface ImageDetail {
  image: ImageRecord;
  /** One page of the image's boxes (`annotationOffset`, `annotationLimit` of the request). */
  annotations: AnnotationRecord[];
  /** How many boxes the image has in all (more than `annotations` when paged). */
  annotationTotal: number;
}

/** Most boxes one getImage response carries (import caps an image at 10 000 too). */
export const MAX_BOXES_PER_RESPONSE = 10_000;

export interface HistoryResult {
  /** What was undone or redone ("accept box"), or null when there was nothing to do. */
  label: string | null;
  /** The image the step touched, so the UI can go there. */
  imageId: number | null;
  annotationIds: number[];
  /** The new state of every image the step touched. */
  images: ImageListItem[];
  /** The step touched classes: the class list changed. */
  classesChanged: boolean;
  /** A step that could no longer apply: it was dropped from the history and nothing changed. */
  skipped?: { label: string; reason: string };
}

/** An edit's records plus the new state of the images it touched (the state rule is core's). */
export interface EditResult {
  annotations: AnnotationRecord[];
  images: ImageListItem[];
}

export interface MarkReviewedResult {
  image: ImageListItem;
  annotations: AnnotationRecord[];
  /** Pending boxes that marking rejected. */
  rejected: number;
}

/** What one detection on one image cost, for the status bar. */
export interface DetectTimings {
  decode: number;
  preprocess: number;
  inference: number;
  postprocess: number;
}

export interface DetectImageResult {
  annotations: AnnotationRecord[];
  /** The image's new state. */
  image: ImageListItem;
  /** Predictions stored as pending boxes. */
  stored: number;
  /** Predictions not stored: they overlap a box a person decided on (same class, IoU ≥ 0.7). */
  merged: number;
  provider: string;
  model: string;
  timings: DetectTimings;
}

/** A folder, project or model file the open dialog can show (browser mode, under `--root` only). */
export interface FolderEntry {
  name: string;
  path: string;
  /** `model` (an `.onnx` file) only when listFolder was asked for models. */
  kind: 'folder' | 'project' | 'model';
}

export interface FolderListing {
  /** The folders given with `shotbox serve --root` (empty: nothing can be opened this way). */
  roots: string[];
  /** The folder listed; null when the roots themselves are listed. */
  folder: string | null;
  parent: string | null;
  entries: FolderEntry[];
}

export interface OpenedFolder {
  project: ProjectInfo;
  /** Images newly imported, and files that were not usable images. */
  added: number;
  problems: number;
}

export interface JobStarted {
  jobId: string;
  /** True when an unfinished job asked the same was continued instead of starting anew. */
  resumed?: boolean;
}

/** A job with the files that failed in it, by name and reason. */
export type JobDetail = JobRecord & { failures: JobFailure[] };

/** How many failed images a finished job names (the rest are counted). */
export const FAILURES_NAMED = 20;

/** Events the backend pushes to the UI (job progress). Every job ends with job-done or job-error. */
export type BackendEvent =
  | {
      type: 'job-progress';
      jobId: string;
      done: number;
      total: number;
      failed: number;
      /** What the job is doing now ('import' first for "Detect folder…"). */
      phase?: 'import' | 'detect' | 'evaluate' | 'train';
      kind?: JobKind;
      /** A training job's newest step (losses) or finished epoch (val mAP). */
      train?: { step?: TrainStepPoint; epoch?: TrainEpochPoint };
      /** Items per second and seconds left (src/shared/jobs/rateMeter.ts); null while unknown. */
      rate?: number | null;
      etaSeconds?: number | null;
    }
  | {
      type: 'job-done';
      jobId: string;
      /** How the job ended: done, or stopped as paused (resumable) or cancelled. */
      state?: JobState;
      processed: number;
      detections: number;
      failed: number;
      /** The images that failed, by path, with the reason (the first FAILURES_NAMED of them). */
      failures: { path: string; reason: string }[];
      cancelled: boolean;
      /** Predictions not stored: they overlap a box a person decided on. */
      merged: number;
      /** Reviewed images the job left alone. */
      skippedReviewed: number;
      /** What kind of job ended (absent from older backends: detect). */
      kind?: JobKind;
      /** Evaluate jobs: the stored evaluation (getEvaluation). */
      evaluationId?: number;
      /** A training job: the model it registered (null: no epoch finished). */
      model?: string | null;
    }
  | { type: 'job-error'; jobId: string; message: string; kind?: JobKind }
  | { type: 'project-changed'; reason: string };

export const ImageQuerySchema = z.strictObject({
  status: z.enum(IMAGE_STATUSES).optional(),
  annotationReview: z.enum(REVIEW_STATES).optional(),
  classId: id.optional(),
  search: z.string().max(200).optional(),
  split: z.enum(SPLITS).optional(),
  /** 'uncertain': the review queue, the model's most doubtful images first (around `threshold`). */
  order: z.enum(['path', 'uncertain']).optional(),
  threshold: z.number().min(0).max(1).optional(),
  scoreBand: z
    .strictObject({ min: z.number().min(0).max(1), max: z.number().min(0).max(1) })
    .refine((b) => b.min <= b.max, 'scoreBand needs min ≤ max')
    .optional(),
  offset: z.number().int().min(0).max(10_000_000).default(0),
  limit: z.number().int().min(1).max(500).default(100),
});

export const AnnotationPatchSchema = z
  .strictObject({
    classId: id.optional(),
    box: BoxSchema.optional(),
    review: z.enum(REVIEW_STATES).optional(),
  })
  .refine(
    (p) => p.classId !== undefined || p.box !== undefined || p.review !== undefined,
    'empty patch',
  );

/** Each method: its request schema and (as a type) its response. */
export const contract = {
  getAppInfo: { request: empty, response: {} as AppInfo },
  getProject: { request: empty, response: {} as ProjectInfo | null },
  getStats: { request: empty, response: {} as ProjectStats },
  listImages: { request: ImageQuerySchema, response: {} as ImagePage },
  getImage: {
    request: z.strictObject({
      imageId: id,
      annotationOffset: z.number().int().min(0).max(10_000_000).default(0),
      annotationLimit: z
        .number()
        .int()
        .min(1)
        .max(MAX_BOXES_PER_RESPONSE)
        .default(MAX_BOXES_PER_RESPONSE),
    }),
    response: {} as ImageDetail,
  },
  /** The workbench opened this image: reopening the project returns to it. */
  rememberImage: { request: z.strictObject({ imageId: id }), response: {} as { imageId: number } },
  /**
   * 'reviewed' marks the image reviewed (as markReviewed); any other status takes the mark away.
   * The state itself is derived by the backend and returned.
   */
  setImageStatus: {
    request: z.strictObject({ imageId: id, status: z.enum(IMAGE_STATUSES) }),
    response: {} as ImageRecord,
  },
  /** One undo step: rejects what is still pending and marks the image reviewed. */
  markReviewed: {
    request: z.strictObject({ imageId: id }),
    response: {} as MarkReviewedResult,
  },
  /**
   * One undo step: the images (and their identical twins, which always share a split) go to
   * `split`. Returns every image whose split changed, as the list shows it.
   */
  setImageSplit: {
    request: z.strictObject({ imageIds: z.array(id).min(1).max(10_000), split: z.enum(SPLITS) }),
    response: {} as { images: ImageListItem[]; twins: number },
  },
  listClasses: { request: empty, response: {} as ClassListItem[] },
  createClass: {
    request: z.strictObject({ name: className, color: color.optional() }),
    response: {} as ClassRecord,
  },
  renameClass: {
    request: z.strictObject({ classId: id, name: className }),
    response: {} as ClassRecord,
  },
  recolorClass: { request: z.strictObject({ classId: id, color }), response: {} as ClassRecord },
  mergeClasses: {
    request: z.strictObject({ fromId: id, intoId: id }),
    response: {} as ClassListItem[],
  },
  /** One undo step: the class goes with its boxes, or its boxes move to `reassignTo`. */
  deleteClass: {
    request: z.strictObject({ classId: id, reassignTo: id.optional() }),
    response: {} as { classes: ClassListItem[]; boxes: number },
  },
  createAnnotation: {
    request: z.strictObject({ imageId: id, classId: id, box: BoxSchema }),
    response: {} as EditResult,
  },
  /** One undoable step over one or more boxes (a box change applies to a single id only). */
  updateAnnotations: {
    request: z
      .strictObject({
        ids: z.array(id).min(1).max(10_000),
        patch: AnnotationPatchSchema,
        label: z.string().max(80).optional(),
      })
      .refine(
        (r) => r.patch.box === undefined || r.ids.length === 1,
        'a box can be set on one annotation at a time',
      ),
    response: {} as EditResult,
  },
  deleteAnnotations: {
    request: z.strictObject({ ids: z.array(id).min(1).max(10_000) }),
    response: {} as { deleted: number; images: ImageListItem[] },
  },
  undo: { request: empty, response: {} as HistoryResult },
  redo: { request: empty, response: {} as HistoryResult },
  /** Runs a model on one image now and stores its boxes as pending predictions. */
  detectImage: {
    request: z.strictObject({
      imageId: id,
      model: modelName.optional(),
      scoreThreshold: z.number().min(0).max(1).optional(),
    }),
    response: {} as DetectImageResult,
  },
  /**
   * Starts a background detection job over several images; progress arrives as events. Reviewed
   * images are skipped unless `includeReviewed`.
   */
  detectImages: {
    request: z.strictObject({
      imageIds: z.array(id).min(1).max(1_000_000),
      model: modelName.optional(),
      includeReviewed: z.boolean().optional(),
    }),
    response: {} as JobStarted,
  },
  /**
   * Imports a folder under the image root ("Detect folder…") and detects its images, as one job;
   * reviewed images are skipped unless `includeReviewed`.
   */
  detectFolder: {
    request: z.strictObject({
      folder: z.string().min(1).max(4096),
      model: z.string().max(200).optional(),
      includeReviewed: z.boolean().optional(),
    }),
    response: {} as JobStarted,
  },
  /** Stops a job for good; what it stored stays. A paused or interrupted job is closed. */
  cancelJob: {
    request: z.strictObject({ jobId: z.string().max(100) }),
    response: {} as { cancelled: boolean },
  },
  /**
   * Browser mode's open dialog: the roots given on the command line, or one folder under them.
   * Every path is checked against those roots in the backend (real paths, links followed).
   */
  listFolder: {
    request: z.strictObject({
      path: absolutePath.optional(),
      /** List `.onnx` files instead of project files ("Add model…"). */
      models: z.boolean().optional(),
    }),
    response: {} as FolderListing,
  },
  /** Opens a project file under a root in place of the current one. */
  openProject: {
    request: z.strictObject({ file: absolutePath }),
    response: {} as ProjectInfo,
  },
  /** Opens a folder under a root as a project (`<folder>/<name>.shotbox`) and imports it. */
  openFolder: {
    request: z.strictObject({ folder: absolutePath }),
    response: {} as OpenedFolder,
  },
  // The SSD lens (src/shared/api/lensContract.ts).
  ...lensContract,
  // "Add model…" (src/shared/api/modelsContract.ts).
  ...modelsContract,
  // Training in the app (src/shared/api/trainingContract.ts).
  ...trainingContract,
  /** Stops a running job after the image in flight; `resumeJob` continues it. */
  pauseJob: {
    request: z.strictObject({ jobId: z.string().max(100) }),
    response: {} as { paused: boolean },
  },
  /** Continues a paused job, or one a kill or restart interrupted. */
  resumeJob: {
    request: z.strictObject({ jobId: z.string().max(100) }),
    response: {} as JobStarted,
  },
  /** The project's jobs, newest first ('interrupted': stopped by a kill, resumable). */
  listJobs: { request: empty, response: {} as JobRecord[] },
  getJob: {
    request: z.strictObject({ jobId: z.string().max(100) }),
    response: {} as JobDetail,
  },
  // Evaluation (src/shared/api/evalContract.ts).
  ...evalContract,
} as const;

export type Contract = typeof contract;
export type Method = keyof Contract;
export type RequestOf<M extends Method> = z.input<Contract[M]['request']>;
export type ParsedRequestOf<M extends Method> = z.output<Contract[M]['request']>;
export type ResponseOf<M extends Method> = Contract[M]['response'];

/** What the UI calls: `window.api` in Electron, an HTTP client in browser mode. */
export type ShotboxApi = { [M in Method]: (request: RequestOf<M>) => Promise<ResponseOf<M>> } & {
  /** Subscribes to backend events; returns the unsubscribe function. */
  onEvent(listener: (event: BackendEvent) => void): () => void;
  /** URL of an image's pixels (full size) or a thumbnail, by id. */
  imageUrl(imageId: number, variant?: 'full' | 'thumb'): string;
};

export const METHODS: readonly Method[] = METHOD_NAMES;

// Compile-time check: the zod-free name list and the contract list the same methods.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const namesMatch: Same<(typeof METHOD_NAMES)[number], Method> = true;
void namesMatch;
