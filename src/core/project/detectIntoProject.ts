import type { ProjectDb } from '../db/projectDb';
import { detectFiles, type BatchOptions } from '../detector/batch';
import type { ImagePreparer } from '../detector/imagePreparer';
import type { AnnotationRecord } from '../../shared/project/types';
import type { Detection, Detector, DetectOptions, StageTimings } from '../detector/detector';
import type { ModelBox } from '../db/annotationRepo';
import type { StepGroup } from '../db/editHistory';
import { storePredictions } from './storePredictions';
import { admitImage, type NewFile } from './importFolder';

export interface ProjectDetectReport {
  runId: number;
  /** True when this call continued a run that had stopped part-way. */
  resumed: boolean;
  /** Images this call ran the model on. */
  processed: number;
  /** Images the run had already finished before this call (skipped). */
  alreadyDone: number;
  /** Predictions stored as pending boxes. */
  detections: number;
  /** Pending predictions of the same model that new ones replaced. */
  replaced: number;
  /** Predictions not stored: they overlap a box a person decided on (DECIDED_OVERLAP_IOU). */
  merged: number;
  /** Reviewed images left alone (`includeReviewed` runs them too). */
  skippedReviewed: number;
  /** Files of `admit` recorded as new images (each detected in the same transaction). */
  imported: number;
  failures: { file: string; reason: string }[];
  interrupted: boolean;
}

export interface ProjectDetectOptions extends DetectOptions {
  /** Only these images (ids); default every image of the project. */
  imageIds?: readonly number[];
  /** Also run on images already reviewed (default: they are skipped). */
  includeReviewed?: boolean;
  signal?: AbortSignal;
  /** Continue this unfinished run (a resumed job's), whatever the image set is now. */
  runId?: number;
  /** Once the run is known: its id, images it had finished before, and images left to do now. */
  onStart?: (start: { runId: number; alreadyDone: number; toDo: number }) => void;
  /**
   * A file that could not be detected (path relative to the image root); called inside the
   * transaction that marks it visited, so its reason is stored exactly when it counts as done.
   */
  onFailure?: (file: string, reason: string) => void;
  onProgress?: (done: number, total: number, failed: number) => void;
  /** Where one detected image's time went (the bench reads it): stages, decode wait, storing. */
  onImageTimings?: (timings: ProjectImageTimings) => void;
  /** See BatchOptions.preparer. */
  preparer?: ImagePreparer;
  /**
   * Files not in the project yet (importFolder's `deferred`), detected after the images: each
   * file's one read and decode is the import's check too, and one transaction records the image
   * (admitImage) with its predictions. A file that cannot be used is a failure with the reason
   * an import gives, and no image is recorded for it.
   */
  admit?: readonly NewFile[];
}

/** Milliseconds per stage for one image of a project run. */
export interface ProjectImageTimings extends StageTimings {
  /** The loop waited this long for the decode (it was not ready when inference was free). */
  wait: number;
  /** The transaction that stores the predictions, the history step and the run mark. */
  db: number;
}

/**
 * Runs a detector over a project's images and stores each detection as a pending annotation with
 * its model, run and score. Per image, one transaction stores the predictions under the merge
 * rule (`storePredictions`), records them in the edit history (the whole run is one undo step
 * while nothing else comes between) and marks the image done in the run — so a run killed at any
 * moment resumes where it stopped when started again with the same model and parameters.
 * Reviewed images are skipped unless `includeReviewed`.
 */
export async function detectIntoProject(
  project: ProjectDb,
  detector: Detector,
  options: ProjectDetectOptions = {},
): Promise<ProjectDetectReport> {
  const manifest = detector.manifest;
  const modelId = await modelIdFor(project, detector);
  const params = JSON.stringify({
    scoreThreshold: options.scoreThreshold ?? manifest.postprocess.scoreThreshold,
    iouThreshold: options.iouThreshold ?? manifest.postprocess.iouThreshold,
    topK: options.topK ?? manifest.postprocess.topK,
    images: options.imageIds ? [...options.imageIds].sort((a, b) => a - b) : 'all',
    ...(options.includeReviewed ? { includeReviewed: true } : {}),
  });
  const unfinished =
    options.runId !== undefined && project.runs.isUnfinished(options.runId, modelId)
      ? options.runId
      : project.runs.findUnfinished(modelId, params);
  const runId = unfinished ?? project.runs.create(modelId, params);
  const done = project.runs.doneImageIds(runId);

  const wanted = options.imageIds ? new Set(options.imageIds) : undefined;
  const candidates = project.images
    .all()
    .filter((i) => (!wanted || wanted.has(i.id)) && !done.has(i.id));
  const images = options.includeReviewed
    ? candidates
    : candidates.filter((i) => i.status !== 'reviewed');
  const report: ProjectDetectReport = {
    runId,
    resumed: unfinished !== undefined,
    processed: 0,
    alreadyDone: done.size,
    detections: 0,
    replaced: 0,
    merged: 0,
    skippedReviewed: candidates.length - images.length,
    imported: 0,
    failures: [],
    interrupted: false,
  };

  const byFile = new Map(images.map((i) => [project.imagePath(i.path), i]));
  const fresh = new Map(
    (options.admit ?? []).filter((f) => !byFile.has(f.file)).map((f) => [f.file, f]),
  );
  const files = [...byFile.keys(), ...fresh.keys()];
  const detectOptions: BatchOptions = {
    ...(options.preparer ? { preparer: options.preparer } : {}),
    ...(fresh.size > 0
      ? { admit: new Map([...fresh].map(([file, f]) => [file, { size: f.bytes }])) }
      : {}),
    ...(options.scoreThreshold !== undefined ? { scoreThreshold: options.scoreThreshold } : {}),
    ...(options.iouThreshold !== undefined ? { iouThreshold: options.iouThreshold } : {}),
    ...(options.topK !== undefined ? { topK: options.topK } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  };
  options.onStart?.({ runId, alreadyDone: done.size, toDo: files.length });
  let seen = 0;
  const group: StepGroup = {
    count: 0,
    label: (n) => `detect ${n} image${n === 1 ? '' : 's'}`,
  };
  const fail = (file: string, path: string, reason: string, imageId?: number): void => {
    report.failures.push({ file, reason });
    project.transaction(() => {
      // Visited: a resumed run does not retry it; the next full run does. A new file that could
      // not be admitted has no image: the next run of the job reads it again.
      if (imageId !== undefined) project.runs.markImageDone(runId, imageId, -1);
      options.onFailure?.(path, reason);
    });
  };
  for await (const item of detectFiles(detector, files, detectOptions)) {
    seen++;
    const newFile = fresh.get(item.file);
    const known = byFile.get(item.file);
    if (!item.ok) fail(item.file, newFile?.path ?? known!.path, item.reason, known?.id);
    else {
      const t0 = performance.now();
      const refused = project.history.record(
        group.label(1),
        (w) => {
          let imageId = known?.id;
          if (newFile) {
            const a = admitImage(project, {
              path: newFile.path,
              sha256: item.admitted!.sha256,
              bytes: newFile.bytes,
              mtimeMs: newFile.mtimeMs,
              width: item.result.width,
              height: item.result.height,
              format: item.admitted!.format,
            });
            if (a.kind === 'refused') return a.reason;
            if (a.kind === 'added') report.imported++;
            imageId = a.id;
          }
          const classIds = manifest.classes.map((name) => w.ensureClass(name).id);
          const boxes = toModelBoxes(item.result.detections, classIds);
          const r = storePredictions(project, w, { imageId: imageId!, modelId, runId }, boxes);
          report.replaced += r.replaced;
          report.merged += r.merged;
          report.detections += r.stored;
          project.runs.markImageDone(runId, imageId!, r.stored);
          return undefined;
        },
        group,
      );
      if (refused !== undefined) fail(item.file, newFile!.path, refused);
      else {
        options.onImageTimings?.({
          ...item.result.timings,
          wait: item.waitMs,
          db: performance.now() - t0,
        });
        report.processed++;
      }
    }
    options.onProgress?.(seen, files.length, report.failures.length);
  }
  report.interrupted = options.signal?.aborted === true && seen < files.length;
  // Only an interrupted run stays open for resuming; a finished one makes the next run a new one.
  if (!report.interrupted) project.runs.finish(runId);
  return report;
}

/** The project's id for this model version (name + ONNX hash). */
async function modelIdFor(project: ProjectDb, detector: Detector): Promise<number> {
  const hash = await detector.contentHash();
  return project.runs.ensureModel(detector.manifest.name, hash, detector.manifest);
}

/**
 * Runs the model on one image now (the UI's "detect this image"): same storage rules as a
 * batch run (a reviewed image is run too: the person asked), recorded as a one-image run and one
 * undo step. Returns the image's boxes afterwards, what the merge rule did, and the timings.
 */
export async function detectImageIntoProject(
  project: ProjectDb,
  detector: Detector,
  imageId: number,
  options: DetectOptions = {},
): Promise<{
  annotations: AnnotationRecord[];
  timings: StageTimings;
  stored: number;
  merged: number;
}> {
  const image = project.images.get(imageId);
  if (!image) throw new Error(`image ${imageId} does not exist`);
  const modelId = await modelIdFor(project, detector);
  const result = await detector.detectFile(project.imagePath(image.path), options);
  const r = project.history.record('detect image', (w) => {
    const classIds = detector.manifest.classes.map((name) => w.ensureClass(name).id);
    const runId = project.runs.create(modelId, JSON.stringify({ ...options, images: [imageId] }));
    const stored = storePredictions(
      project,
      w,
      { imageId, modelId, runId },
      toModelBoxes(result.detections, classIds),
    );
    project.runs.markImageDone(runId, imageId, stored.stored);
    project.runs.finish(runId);
    return stored;
  });
  return {
    annotations: project.annotations.ofImage(imageId),
    timings: result.timings,
    stored: r.stored,
    merged: r.merged,
  };
}

/** Detections as pending boxes of the project's classes (`classIds[i]`: manifest class i). */
function toModelBoxes(detections: readonly Detection[], classIds: readonly number[]): ModelBox[] {
  return detections.map((d) => ({
    classId: classIds[d.classIndex]!,
    x1: d.box[0],
    y1: d.box[1],
    x2: d.box[2],
    y2: d.box[3],
    score: d.score,
  }));
}
