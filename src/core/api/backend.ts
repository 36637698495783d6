import path from 'node:path';
import {
  contract,
  type BackendEvent,
  type Method,
  type ParsedRequestOf,
  type ResponseOf,
} from '../../shared/api/contract';
import type { Box, ImageListItem, ImageRecord } from '../../shared/project/types';
import type { ProjectDb } from '../db/projectDb';
import { Detector } from '../detector/detector';
import { defaultProviderChain, providerUnavailableReason } from '../detector/executionProviders';
import { DEFAULT_MODEL, listModels, resolveModel } from '../models/registry';
import type { HistoryOutcome } from '../db/editHistory';
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
import { NotFoundError } from './imageServing';

/** A request that does not match the contract, or asks for something impossible: HTTP 400. */
export class ValidationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ValidationError';
  }
}

/** The backend's methods, taking requests already validated by `dispatch`. */
export type Backend = { [M in Method]: (request: ParsedRequestOf<M>) => Promise<ResponseOf<M>> } & {
  /** Stops jobs and releases models (the project is closed by its owner). */
  dispose(): Promise<void>;
};

export interface BackendOptions {
  shell: 'electron' | 'browser';
  version: string;
  project: ProjectDb | null;
  /** Pushes an event to the UI (IPC in Electron, server-sent events in browser mode). */
  emit?: (event: BackendEvent) => void;
}

/** The backend behind both shells: the contract implemented over src/core. */
export function createBackend(options: BackendOptions): Backend {
  const { project } = options;
  const emit = options.emit ?? (() => {});
  const detectors = new Map<string, Promise<Detector>>();
  const toBackendEvent = (e: JobEvent): BackendEvent => {
    const jobId = String(e.jobId);
    if (e.type === 'progress') {
      const { type: _t, jobId: _j, kind: _k, ...rest } = e;
      return { type: 'job-progress', jobId, ...rest };
    }
    if (e.type === 'error') return { type: 'job-error', jobId, message: e.message };
    const r = e.report;
    return {
      type: 'job-done',
      jobId,
      state: r.state,
      processed: r.processed,
      detections: r.detections,
      failed: r.failures.length,
      cancelled: r.state !== 'done',
      merged: r.merged,
      skippedReviewed: r.skippedReviewed,
    };
  };
  const runner = project
    ? new JobRunner(project, {
        detector: (model) => detector(model),
        onEvent: (e) => emit(toBackendEvent(e)),
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

  const needProject = (): ProjectDb => {
    if (!project) throw new ValidationError('no project is open');
    return project;
  };
  const needImage = (p: ProjectDb, imageId: number): ImageRecord => {
    const image = p.images.get(imageId);
    if (!image) throw new NotFoundError(`image ${imageId} does not exist`);
    return image;
  };
  const needClass = (p: ProjectDb, classId: number): void => {
    if (!p.classes.list().some((c) => c.id === classId))
      throw new ValidationError(`class ${classId} does not exist`);
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
  const detector = (name: string = DEFAULT_MODEL): Promise<Detector> => {
    let d = detectors.get(name);
    if (!d) {
      d = Detector.load(resolveModel(name));
      detectors.set(name, d);
      d.catch(() => detectors.delete(name));
    }
    return d;
  };

  return {
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
        })),
        providers: defaultProviderChain().map((name) => {
          const reason = providerUnavailableReason(name);
          return { name, available: !reason, ...(reason ? { reason } : {}) };
        }),
      };
    },

    async getProject() {
      if (!project) return null;
      return {
        file: project.file,
        name: path.basename(project.file).replace(/\.shotbox$/, ''),
        imageRoot: project.imageRoot,
        imageCount: project.images.count(),
      };
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

    async getImage({ imageId }) {
      const p = needProject();
      return { image: needImage(p, imageId), annotations: p.annotations.ofImage(imageId) };
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

    async listClasses() {
      return needProject().classes.listWithCounts();
    },

    async createClass({ name, color }) {
      const p = needProject();
      if (p.classes.byName(name))
        throw new ValidationError(`a class named '${name}' exists already`);
      return createClass(p, name, color);
    },

    async renameClass({ classId, name }) {
      const p = needProject();
      needClass(p, classId);
      const other = p.classes.byName(name);
      if (other && other.id !== classId)
        throw new ValidationError(`a class named '${name}' exists already (merge instead)`);
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

    async dispose() {
      await runner?.dispose();
      for (const d of detectors.values()) await d.then((x) => x.dispose()).catch(() => {});
      detectors.clear();
    },
  };
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
