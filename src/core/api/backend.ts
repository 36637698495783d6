import path from 'node:path';
import {
  contract,
  FAILURES_NAMED,
  type ProjectInfo,
  type BackendEvent,
  type Method,
  type ParsedRequestOf,
  type ResponseOf,
} from '../../shared/api/contract';
import { ShotboxError, type ErrorCode } from '../../shared/api/errors';
import type { Box, ImageListItem, ImageRecord } from '../../shared/project/types';
import { ProjectDb } from '../db/projectDb';
import { explainDbError, ProjectReadOnlyError } from '../db/projectErrors';
import type { HistoryOutcome } from '../db/editHistory';
import { Detector } from '../detector/detector';
import { defaultProviderChain, providerUnavailableReason } from '../detector/executionProviders';
import { createLensMethods } from '../lens/lensBackend';
import { createTrainingMethods } from '../training/trainingBackend';
import type { SpawnWorker } from '../training/spawnTrainer';
import {
  DEFAULT_MODEL,
  listModels,
  ModelNotFoundError,
  resolveRegisteredModel,
} from '../models/registry';
import {
  createClass,
  deleteClass,
  mergeClasses,
  recolorClass,
  renameClass,
} from '../project/classEdits';
import { detectImageIntoProject } from '../project/detectIntoProject';
import { JobError, JobRunner, type JobEvent } from '../jobs/jobRunner';
import { relativeToRoot } from '../project/importFolder';
import { markReviewed, reopenImage } from '../project/imageReview';
import { setImageSplit } from '../project/imageSplit';
import { openFolderProject } from '../project/openFolderProject';
import { watchExternalChanges } from './externalChanges';
import { createModelMethods, type ModelFileAccess } from './modelMethods';
import { OutsideRootsError, type FolderRoots } from './folderRoots';
import { NotFoundError } from './imageServing';
import { EVALUATION_RECORDS_PER_RESPONSE } from '../../shared/api/evalContract';

/**
 * A request the backend turns down: it does not match the contract or asks for something
 * impossible (`invalid-request`, HTTP 400), needs a project (`no-project`), or clashes with the
 * current state (`conflict`). Carried to the UI as the shared error shape (shared/api/errors.ts).
 */
export class ValidationError extends ShotboxError {
  constructor(message: string, code: ErrorCode = 'invalid-request') {
    super(code, message, 'ValidationError');
  }
}

/** A file of the project as the UI names it: its path under the image root. */
function relativeImagePath(project: ProjectDb, file: string): string {
  const rel = path.relative(project.imageRoot, file);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel)
    ? rel.split(path.sep).join('/')
    : file;
}

function lastImageOf(project: ProjectDb): { id: number; index: number } | null {
  const id = project.lastImageId;
  const index = id === null ? null : project.images.positionOf(id);
  return id === null || index === null ? null : { id, index };
}

/**
 * A model the page names, among the registered ones (never a path): an unknown one is
 * `not-found`, not an internal error.
 */
function resolveKnownModel(name: string): ReturnType<typeof resolveRegisteredModel> {
  try {
    return resolveRegisteredModel(name);
  } catch (err) {
    if (err instanceof ModelNotFoundError) throw new NotFoundError(err.message);
    throw err;
  }
}

/** The backend's methods, taking requests already validated by `dispatch`. */
export type Backend = { [M in Method]: (request: ParsedRequestOf<M>) => Promise<ResponseOf<M>> } & {
  /** Stops jobs and releases models (the project is closed by its owner). */
  dispose(): Promise<void>;
  /**
   * Imports the project's whole image root as an import job: recorded, listed in the jobs panel
   * with its failed files, resumed after a kill without reading anything twice. What opening a
   * folder runs once its project is open (not a contract method: no page can call it).
   */
  importImageRoot(): Promise<{ added: number; problems: number }>;
};

export interface BackendOptions {
  shell: 'electron' | 'browser';
  version: string;
  project: ProjectDb | null;
  /** Pushes an event to the UI (IPC in Electron, server-sent events in browser mode). */
  emit?: (event: BackendEvent) => void;
  /**
   * Folders the page may open projects and folders under (browser mode's `--root`), and how the
   * shell puts a newly opened project in place. Without them, openProject/openFolder refuse.
   */
  workspace?: {
    roots: FolderRoots;
    /** Puts `next` in place; resolves with the backend that now serves it. */
    switchProject(next: ProjectDb): Promise<Backend>;
  };
  /**
   * Where "Add model…" files may come from; default: `.onnx` files under the workspace's roots
   * (browser mode). Electron passes main's native dialog.
   */
  modelFiles?: ModelFileAccess;
  /** How training workers start (Electron: utilityProcess.fork); default child_process.fork. */
  spawnWorker?: SpawnWorker;
}

/** The backend behind both shells: the contract implemented over src/core. */
export function createBackend(options: BackendOptions): Backend {
  const { project } = options;
  const emit = options.emit ?? (() => {});
  const detectors = new Map<string, Promise<Detector>>();
  const stopWatching = project
    ? watchExternalChanges(project, () => emit({ type: 'project-changed', reason: 'external' }))
    : () => {};
  const toBackendEvent = (e: JobEvent): BackendEvent => {
    const jobId = String(e.jobId);
    if (e.type === 'progress') {
      const { type: _t, jobId: _j, ...rest } = e;
      return { type: 'job-progress', jobId, ...rest };
    }
    if (e.type === 'error')
      return { type: 'job-error', jobId, message: e.message, kind: e.job.kind };
    if (e.type === 'train-done') {
      const t = e.report;
      // A resumed run re-registers its model under the same name: load it afresh next time.
      if (t.model) forgetDetector(t.model);
      return {
        type: 'job-done',
        jobId,
        kind: 'train',
        state: t.state,
        processed: t.epochsDone,
        detections: 0,
        failed: 0,
        failures: [],
        cancelled: t.state !== 'done',
        merged: 0,
        skippedReviewed: 0,
        model: t.model,
      };
    }
    const r = e.report;
    return {
      type: 'job-done',
      jobId,
      state: r.state,
      processed: r.processed,
      detections: r.detections,
      failed: r.failures.length,
      failures: r.failures.slice(0, FAILURES_NAMED).map((f) => ({
        path: project ? relativeImagePath(project, f.file) : f.file,
        reason: f.reason,
      })),
      cancelled: r.state !== 'done',
      merged: r.merged,
      skippedReviewed: r.skippedReviewed,
      kind: e.job.kind,
      ...(e.evaluationId !== undefined ? { evaluationId: e.evaluationId } : {}),
    };
  };
  const runner = project
    ? new JobRunner(project, {
        detector: (model) => detector(model, 'batch'),
        onEvent: (e) => emit(toBackendEvent(e)),
        ...(options.spawnWorker ? { spawnWorker: options.spawnWorker } : {}),
      })
    : null;
  const needRunner = (): JobRunner => {
    if (!runner) throw new ValidationError('no project is open');
    return runner;
  };
  const jobIdOf = (text: string): number => {
    const n = Number(text);
    if (!Number.isSafeInteger(n) || n <= 0) throw new NotFoundError(`job ${text} does not exist`);
    return n;
  };
  /** Job rules broken by the request (one running at a time, nothing to resume) are 400s. */
  const jobCall = <T>(fn: () => T): T => {
    try {
      return fn();
    } catch (err) {
      if (err instanceof JobError) throw new ValidationError(err.message);
      throw err;
    }
  };
  /** Starts a job in the background: its outcome arrives as events (the final one always). */
  const started = (r: { job: { id: number }; finished: Promise<unknown> }, resumed: boolean) => {
    r.finished.catch(() => {}); // reported as a job-error event
    return { jobId: String(r.job.id), ...(resumed ? { resumed } : {}) };
  };

  const projectInfo = (p: ProjectDb): ProjectInfo => ({
    file: p.file,
    name: path.basename(p.file).replace(/\.shotbox$/, ''),
    imageRoot: p.imageRoot,
    imageCount: p.images.count(),
    lastImage: lastImageOf(p),
    ...(p.readOnlyReason ? { readOnlyReason: p.readOnlyReason } : {}),
  });
  const needWorkspace = (): NonNullable<BackendOptions['workspace']> => {
    if (!options.workspace || options.workspace.roots.empty) throw new OutsideRootsError();
    return options.workspace;
  };
  const needProject = (): ProjectDb => {
    if (!project) throw new ValidationError('no project is open', 'no-project');
    return project;
  };
  const needImage = (p: ProjectDb, imageId: number): ImageRecord => {
    const image = p.images.get(imageId);
    if (!image) throw new NotFoundError(`image ${imageId} does not exist`);
    return image;
  };
  const needClass = (p: ProjectDb, classId: number): void => {
    if (!p.classes.list().some((c) => c.id === classId))
      throw new NotFoundError(`class ${classId} does not exist`);
  };
  const needAnnotations = (p: ProjectDb, ids: readonly number[]): void => {
    const missing = ids.filter((id) => !p.annotations.get(id));
    if (missing.length) throw new NotFoundError(`annotation(s) ${missing.join(', ')} do not exist`);
  };
  /** Boxes are clipped to their image; nothing may remain empty. */
  const clipBox = (image: ImageRecord, b: Box): Box => {
    const c = {
      x1: Math.max(0, Math.min(image.width, b.x1)),
      y1: Math.max(0, Math.min(image.height, b.y1)),
      x2: Math.max(0, Math.min(image.width, b.x2)),
      y2: Math.max(0, Math.min(image.height, b.y2)),
    };
    if (!(c.x2 > c.x1 && c.y2 > c.y1))
      throw new ValidationError(`box lies outside the ${image.width}×${image.height} image`);
    return c;
  };
  /** The list rows (state and counts) of these images after a change. */
  const statesOf = (p: ProjectDb, imageIds: Iterable<number>): ImageListItem[] =>
    [...new Set(imageIds)].flatMap((i) => p.images.listItem(i) ?? []);
  const historyResult = (p: ProjectDb, outcome: HistoryOutcome): ResponseOf<'undo'> => ({
    label: outcome.step?.label ?? null,
    imageId: outcome.step?.imageId ?? null,
    annotationIds: outcome.step?.annotationIds ?? [],
    images: statesOf(p, outcome.step?.imageIds ?? []),
    classesChanged: outcome.step?.classesChanged ?? false,
    ...(outcome.skipped ? { skipped: outcome.skipped } : {}),
  });
  /**
   * The loaded model, one per use: jobs get a batch detector (on the CPU two sessions side by
   * side: more images per second), a single image and the lens one session on every core (the
   * answer sooner).
   */
  const detector = (
    name: string = DEFAULT_MODEL,
    use: 'single' | 'batch' = 'single',
  ): Promise<Detector> => {
    const key = `${use}:${name}`;
    let d = detectors.get(key);
    if (!d) {
      // Names only: a path reaches a model loader from the CLI or main's own dialog, never here.
      // In a worker thread: jobs post-process and store while the model runs, and the server
      // stays responsive during a run.
      d = Detector.load(resolveKnownModel(name), { thread: 'worker', batch: use === 'batch' });
      detectors.set(key, d);
      d.catch(() => detectors.delete(key));
    }
    return d;
  };

  function forgetDetector(name: string): void {
    for (const use of ['single', 'batch']) {
      const d = detectors.get(`${use}:${name}`);
      detectors.delete(`${use}:${name}`);
      void d?.then((x) => x.dispose()).catch(() => undefined);
    }
  }

  const methods: Backend = {
    // The SSD lens (src/core/lens/lensBackend.ts).
    ...createLensMethods({ needProject, detector, invalid: (m) => new ValidationError(m) }),
    // "Add model…" (src/core/api/modelMethods.ts).
    ...createModelMethods({
      files:
        options.modelFiles ??
        (options.workspace
          ? { resolve: (p) => needWorkspace().roots.resolve(p, 'model') }
          : undefined),
      forget: (name) => forgetDetector(name),
    }),
    // Training as a job (src/core/training/trainingBackend.ts).
    ...createTrainingMethods({
      needProject,
      needRunner,
      detector,
      jobCall,
      notFound: (m) => new NotFoundError(m),
      invalid: (m) => new ValidationError(m),
    }),

    async getAppInfo() {
      const { models } = listModels();
      return {
        version: options.version,
        shell: options.shell,
        models: models.map((m) => ({
          name: m.manifest.name,
          ...(m.manifest.title ? { title: m.manifest.title } : {}),
          classes: m.manifest.classes,
          inputWidth: m.manifest.input.width,
          inputHeight: m.manifest.input.height,
          ready: m.ready,
          source: m.source ?? 'bundled',
        })),
        providers: defaultProviderChain().map((name) => {
          const reason = providerUnavailableReason(name);
          return { name, available: !reason, ...(reason ? { reason } : {}) };
        }),
      };
    },

    async getProject() {
      return project ? projectInfo(project) : null;
    },

    async getStats() {
      return needProject().stats();
    },

    async listImages(q) {
      const p = needProject();
      const query = {
        ...(q.status ? { status: q.status } : {}),
        ...(q.annotationReview ? { annotationReview: q.annotationReview } : {}),
        ...(q.classId !== undefined ? { classId: q.classId } : {}),
        ...(q.search ? { search: q.search } : {}),
        ...(q.split ? { split: q.split } : {}),
        ...(q.scoreBand ? { scoreBand: q.scoreBand } : {}),
      };
      return {
        total: p.images.count(query),
        items: p.images.list({
          ...query,
          ...(q.order ? { order: q.order } : {}),
          ...(q.threshold !== undefined ? { threshold: q.threshold } : {}),
          offset: q.offset,
          limit: q.limit,
        }),
      };
    },

    async getImage({ imageId, annotationOffset, annotationLimit }) {
      const p = needProject();
      const image = needImage(p, imageId);
      // Paged: one image with 10⁶ boxes once made a 271 MB response that stalled the server.
      const page = p.annotations.pageOfImage(imageId, annotationOffset, annotationLimit);
      return { image, annotations: page.items, annotationTotal: page.total };
    },

    async rememberImage({ imageId }) {
      const p = needProject();
      needImage(p, imageId);
      p.rememberImage(imageId);
      return { imageId };
    },

    async setImageStatus({ imageId, status }) {
      const p = needProject();
      needImage(p, imageId);
      if (status === 'reviewed') markReviewed(p, imageId);
      else reopenImage(p, imageId);
      return needImage(p, imageId);
    },

    async markReviewed({ imageId }) {
      const p = needProject();
      needImage(p, imageId);
      const rejected = markReviewed(p, imageId);
      return {
        image: p.images.listItem(imageId)!,
        annotations: p.annotations.ofImage(imageId),
        rejected,
      };
    },

    async setImageSplit({ imageIds, split }) {
      const p = needProject();
      for (const id of imageIds) needImage(p, id);
      const r = setImageSplit(p, imageIds, split);
      return { images: r.changed.map((id) => p.images.listItem(id)!), twins: r.twins.length };
    },

    async listClasses() {
      return needProject().classes.listWithCounts();
    },

    async createClass({ name, color }) {
      const p = needProject();
      if (p.classes.byName(name))
        throw new ValidationError(`a class named '${name}' exists already`, 'conflict');
      return createClass(p, name, color);
    },

    async renameClass({ classId, name }) {
      const p = needProject();
      needClass(p, classId);
      const other = p.classes.byName(name);
      if (other && other.id !== classId)
        throw new ValidationError(
          `a class named '${name}' exists already (merge instead)`,
          'conflict',
        );
      return renameClass(p, classId, name);
    },

    async recolorClass({ classId, color }) {
      const p = needProject();
      needClass(p, classId);
      return recolorClass(p, classId, color);
    },

    async mergeClasses({ fromId, intoId }) {
      const p = needProject();
      if (fromId === intoId) throw new ValidationError('cannot merge a class into itself');
      needClass(p, fromId);
      needClass(p, intoId);
      mergeClasses(p, fromId, intoId);
      return p.classes.listWithCounts();
    },

    async deleteClass({ classId, reassignTo }) {
      const p = needProject();
      needClass(p, classId);
      if (reassignTo !== undefined) {
        if (reassignTo === classId)
          throw new ValidationError("cannot move a class's boxes to the class itself");
        needClass(p, reassignTo);
      }
      const boxes = deleteClass(p, classId, reassignTo !== undefined ? { reassignTo } : {});
      return { classes: p.classes.listWithCounts(), boxes };
    },

    async createAnnotation({ imageId, classId, box }) {
      const p = needProject();
      const image = needImage(p, imageId);
      needClass(p, classId);
      const created = p.history.create({
        imageId,
        classId,
        ...clipBox(image, box),
        origin: 'manual',
        review: 'accepted',
      });
      return { annotations: [created], images: statesOf(p, [imageId]) };
    },

    async updateAnnotations({ ids, patch, label }) {
      const p = needProject();
      needAnnotations(p, ids);
      if (patch.classId !== undefined) needClass(p, patch.classId);
      let box: Box | undefined;
      if (patch.box) box = clipBox(needImage(p, p.annotations.get(ids[0]!)!.imageId), patch.box);
      const step =
        label ??
        (patch.box
          ? 'move'
          : patch.classId !== undefined
            ? 'relabel'
            : patch.review === 'accepted'
              ? 'accept'
              : patch.review === 'rejected'
                ? 'reject'
                : 'edit');
      const annotations = p.history.updateMany(
        ids,
        () => ({ ...patch, ...(box ? { box } : {}) }),
        ids.length > 1 ? `${step} ${ids.length} boxes` : `${step} box`,
      );
      return {
        annotations,
        images: statesOf(
          p,
          annotations.map((a) => a.imageId),
        ),
      };
    },

    async deleteAnnotations({ ids }) {
      const p = needProject();
      needAnnotations(p, ids);
      const imageIds = ids.map((id) => p.annotations.get(id)!.imageId);
      p.history.remove(ids, ids.length > 1 ? `delete ${ids.length} boxes` : 'delete box');
      return { deleted: ids.length, images: statesOf(p, imageIds) };
    },

    async undo() {
      const p = needProject();
      return historyResult(p, p.history.undo());
    },

    async redo() {
      const p = needProject();
      return historyResult(p, p.history.redo());
    },

    async detectImage({ imageId, model, scoreThreshold }) {
      const p = needProject();
      needImage(p, imageId);
      const d = await detector(model);
      const r = await detectImageIntoProject(
        p,
        d,
        imageId,
        scoreThreshold !== undefined ? { scoreThreshold } : {},
      );
      return {
        annotations: r.annotations,
        image: p.images.listItem(imageId)!,
        stored: r.stored,
        merged: r.merged,
        timings: r.timings,
        provider: d.provider,
        model: d.manifest.name,
      };
    },

    async detectImages({ imageIds, model, includeReviewed }) {
      const p = needProject();
      // Checked up front: the job runs detached, and its first write would fail only later.
      if (p.readOnlyReason) throw new ProjectReadOnlyError(p.readOnlyReason);
      const missing = imageIds.filter((id) => !p.images.get(id));
      if (missing.length)
        throw new NotFoundError(`image(s) ${missing.slice(0, 10).join(', ')} do not exist`);
      const r = jobCall(() =>
        needRunner().startDetect({
          imageIds,
          ...(model !== undefined ? { model } : {}),
          ...(includeReviewed ? { includeReviewed } : {}),
        }),
      );
      return started(r, r.resumed);
    },

    async detectFolder({ folder, model, includeReviewed }) {
      const p = needProject();
      // Only folders under the image root: a page may not make the backend read elsewhere.
      const abs = path.resolve(p.imageRoot, folder);
      const rel = abs === p.imageRoot ? '' : relativeToRoot(p.imageRoot, abs);
      if (rel === undefined)
        throw new ValidationError(`${abs} is outside the project's image root ${p.imageRoot}`);
      const r = jobCall(() =>
        needRunner().startDetect({
          inputs: [rel],
          ...(model !== undefined ? { model } : {}),
          ...(includeReviewed ? { includeReviewed } : {}),
        }),
      );
      return started(r, r.resumed);
    },

    async cancelJob({ jobId }) {
      return { cancelled: needRunner().cancel(jobIdOf(jobId)) };
    },

    async pauseJob({ jobId }) {
      return { paused: needRunner().pause(jobIdOf(jobId)) };
    },

    async resumeJob({ jobId }) {
      return started(
        jobCall(() => needRunner().resume(jobIdOf(jobId))),
        true,
      );
    },

    async listJobs() {
      return needRunner().list();
    },

    async getJob({ jobId }) {
      const job = needRunner().get(jobIdOf(jobId));
      if (!job) throw new NotFoundError(`job ${jobId} does not exist`);
      return job;
    },

    async startEvaluation({ model, split }) {
      const p = needProject();
      if (p.readOnlyReason) throw new ProjectReadOnlyError(p.readOnlyReason);
      if (model !== undefined) resolveKnownModel(model);
      // Refused here rather than as a failed job: there is nothing to score against.
      if (p.images.settled().length === 0)
        throw new ValidationError(
          'the project has no settled labels to evaluate against (review images or import labels first)',
        );
      if (split && p.images.splitCounts().none === 0 && p.images.settled(split).length === 0)
        throw new ValidationError(`no settled images in the ${split} split`);
      const r = jobCall(() =>
        needRunner().startEvaluate({
          ...(model !== undefined ? { model } : {}),
          ...(split ? { split } : {}),
        }),
      );
      return started(r, false);
    },

    async listEvaluations() {
      return needProject().evaluations.list();
    },

    async getEvaluation({ evaluationId, recordLimit }) {
      const e = needProject().evaluations.get(
        evaluationId,
        recordLimit ?? EVALUATION_RECORDS_PER_RESPONSE,
      );
      if (!e) throw new NotFoundError(`evaluation ${evaluationId} does not exist`);
      return e;
    },

    async deleteEvaluation({ evaluationId }) {
      return { deleted: needProject().evaluations.delete(evaluationId) };
    },

    async listFolder({ path: folder, models }) {
      const roots = options.workspace?.roots;
      if (!roots) return { roots: [], folder: null, parent: null, entries: [] };
      return roots.list(folder, { models });
    },

    async openProject({ file }) {
      const ws = needWorkspace();
      const next = ProjectDb.open(ws.roots.resolve(file, 'project'), { onDamage: 'read-only' });
      await ws.switchProject(next);
      return projectInfo(next);
    },

    async openFolder({ folder }) {
      const ws = needWorkspace();
      const { project: next } = openFolderProject(ws.roots.resolve(folder, 'folder'));
      const serving = await ws.switchProject(next);
      const report = await serving.importImageRoot();
      return { project: projectInfo(next), ...report };
    },

    async importImageRoot() {
      // A failed import rejects here (and reaches the jobs panel as a job-error event).
      const outcome = await jobCall(() => needRunner().startImport({ inputs: [''] })).finished;
      emit({ type: 'project-changed', reason: 'imported' });
      return { added: outcome.imported, problems: outcome.failures.length };
    },

    async dispose() {
      stopWatching();
      await runner?.dispose();
      for (const d of detectors.values()) await d.then((x) => x.dispose()).catch(() => {});
      detectors.clear();
    },
  };
  return explainingDbErrors(methods, project);
}

/**
 * Every method with SQLite's bare result codes turned into errors that name the project and say
 * what to do (locked by another program, read-only, damaged): one place for both shells.
 */
function explainingDbErrors(methods: Backend, project: ProjectDb | null): Backend {
  if (!project) return methods;
  const wrapped: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(methods) as [string, (r: unknown) => Promise<unknown>][])
    wrapped[name] = async (request: unknown) => {
      try {
        return await fn(request);
      } catch (err) {
        throw explainDbError(err, project.file, project.readOnlyReason);
      }
    };
  return wrapped as Backend;
}

/**
 * Validates an untrusted request against the contract and calls the backend: the one entry point
 * both shells use, so validation cannot be forgotten in one of them.
 */
export async function dispatch(
  backend: Backend,
  method: string,
  request: unknown,
): Promise<unknown> {
  if (!Object.hasOwn(contract, method)) throw new ValidationError(`unknown method '${method}'`);
  const m = method as Method;
  const parsed = contract[m].request.safeParse(request ?? {});
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (i) => `${i.path.join('.') || '(request)'}: ${i.message}`,
    );
    throw new ValidationError(`invalid request for ${m}: ${problems.join('; ')}`);
  }
  const call = backend[m] as (r: unknown) => Promise<unknown>;
  return call(parsed.data);
}
