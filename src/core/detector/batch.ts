import { stat } from 'node:fs/promises';
import path from 'node:path';
import { walkFiles } from '../fs/walkFiles';
import type { Detector, DetectOptions, DetectionResult } from './detector';
import { createImagePreparer, type ImagePreparer } from './imagePreparer';
import type { AdmitRequest, AdmittedFile, Prepared } from './prepareImage';
import { prepareAtLowPriority } from './threadPriority';

export { prewarmImagePreparer } from './imagePreparer';

/** File extensions a folder walk picks up. Content decides in the end, not the name. */
export const IMAGE_EXTENSIONS = new Set([
  '.jpg',
  '.jpeg',
  '.jpe',
  '.png',
  '.webp',
  '.bmp',
  '.tif',
  '.tiff',
  '.gif',
  '.avif',
]);

export interface FileProblem {
  file: string;
  reason: string;
}

export interface CollectedFiles {
  /** Absolute paths, each once, in a stable order (inputs in order, folders sorted). */
  files: string[];
  /** Inputs that do not exist or cannot be listed. */
  problems: FileProblem[];
  /** Files inside folders skipped for their extension (e.g. annotations next to images). */
  skippedByExtension: number;
}

/**
 * Expands command-line inputs into image files: files are taken as given (whatever their name),
 * folders are walked recursively for image extensions, hidden entries skipped, symlink loops cut.
 */
export async function collectImageFiles(inputs: string[]): Promise<CollectedFiles> {
  const files: string[] = [];
  const problems: FileProblem[] = [];
  const seen = new Set<string>();
  let skippedByExtension = 0;

  const add = (file: string): void => {
    if (!seen.has(file)) {
      seen.add(file);
      files.push(file);
    }
  };

  for (const input of inputs) {
    const abs = path.resolve(input);
    const info = await stat(abs).catch((err: NodeJS.ErrnoException) => err);
    if (info instanceof Error) {
      problems.push({
        file: abs,
        reason: info.code === 'ENOENT' ? 'no such file or folder' : `cannot read (${info.code})`,
      });
    } else if (info.isDirectory()) {
      for (const file of await walkFiles(abs, problems)) {
        if (IMAGE_EXTENSIONS.has(path.extname(file).toLowerCase())) add(file);
        else skippedByExtension++;
      }
    } else add(abs);
  }
  return { files, problems, skippedByExtension };
}

/** Images a batch has prepared ahead (see detectFiles). */
export const DEFAULT_PREFETCH = 4;

export interface BatchOptions extends DetectOptions {
  /** Images prepared ahead (default DEFAULT_PREFETCH). */
  prefetch?: number;
  signal?: AbortSignal;
  /**
   * The caller's preparer, for the model's input, kept open after the batch (the bench runs many
   * short batches on one worker); by default each batch starts and stops its own.
   */
  preparer?: ImagePreparer;
  /**
   * Files that are not project images yet: read as the import reads them (hashed, checked), so
   * their one decode both admits them and feeds the model (see detectIntoProject).
   */
  admit?: ReadonlyMap<string, AdmitRequest>;
}

export type BatchItem =
  | {
      file: string;
      ok: true;
      result: DetectionResult;
      /** Milliseconds the loop waited for this image's decode (0 when it was ready). */
      waitMs: number;
      /** For a file in `admit`: its hash and format. */
      admitted?: AdmittedFile;
    }
  | { file: string; ok: false; reason: string };

/**
 * Runs the detector over `files`. Images are read, decoded and preprocessed up to `prefetch`
 * ahead in a worker thread (see createImagePreparer), so that work overlaps inference; the loop
 * itself only runs the model, post-processes and yields. Yields one item per file, in order; a
 * bad file yields its reason and the batch goes on. The pixels are the exact path's
 * (decodeImageFile + preprocess) wherever they are prepared.
 */
export async function* detectFiles(
  detector: Detector,
  files: readonly string[],
  options: BatchOptions = {},
): AsyncGenerator<BatchItem> {
  // Four ahead (~3 MB each at 512²): the low-priority worker banks images in the gaps ONNX
  // Runtime leaves, so an image that decodes slowly stalls the loop less (interleaved on 2 cores,
  // 3 rounds: 0.70/0.84/0.72× bare with 2 ahead, 0.77/0.78/0.89× with 4; noisy machine).
  const prefetch = Math.max(1, options.prefetch ?? DEFAULT_PREFETCH);
  const preparer =
    options.preparer ??
    createImagePreparer(detector.manifest.input, {
      lowPriority: prepareAtLowPriority(detector.threadsPerSession),
    });
  const queue: Promise<Prepared>[] = [];
  let next = 0;
  const fill = (): void => {
    while (queue.length < prefetch && next < files.length) {
      const file = files[next++]!;
      queue.push(preparer.prepare(file, options.admit?.get(file)));
    }
  };
  // Images whose inference has been started, in order: with the model in a worker thread, the
  // next one waits there while this thread post-processes the last and the caller stores it.
  const running: Promise<BatchItem>[] = [];
  let started = 0;
  // When the model last finished a run here: only a decode still awaited after that (and after
  // the image's turn came) kept the model waiting.
  let modelFreeAt = performance.now();
  const detect = async (file: string, preparing: Promise<Prepared>): Promise<BatchItem> => {
    const calledAt = performance.now();
    const prepared = await preparing;
    const readyAt = performance.now();
    if ('error' in prepared) return { file, ok: false, reason: prepared.error };
    try {
      const result = await detector.detectPrepared(
        prepared.pre,
        prepared.width,
        prepared.height,
        options,
      );
      result.timings.decode = prepared.decodeMs;
      result.timings.preprocess = prepared.preprocessMs;
      const waitMs = Math.max(0, readyAt - Math.max(calledAt, modelFreeAt));
      modelFreeAt = performance.now();
      // Inference has returned: the tensor can take a later image.
      preparer.recycle(prepared.pre.data);
      return {
        file,
        ok: true,
        result,
        waitMs,
        ...(prepared.admitted ? { admitted: prepared.admitted } : {}),
      };
    } catch (err) {
      return {
        file,
        ok: false,
        reason: `detection failed (${err instanceof Error ? err.message : String(err)})`,
      };
    }
  };
  const start = (): void => {
    const file = files[started++]!;
    const preparing = queue.shift()!;
    fill();
    running.push(detect(file, preparing));
  };
  try {
    fill();
    for (let i = 0; i < files.length; i++) {
      if (options.signal?.aborted) return;
      // Read at each image: a batch plan's second session joins once it has opened.
      while (running.length < Math.max(1, detector.runsAhead) && started < files.length) start();
      yield await running.shift()!;
    }
  } finally {
    // Images still queued (an abort or a consumer's break) are dropped with our own worker, or
    // their tensors go back to the caller's preparer.
    if (!options.preparer) await preparer.close();
    else for (const p of queue) void p.then((q) => 'error' in q || preparer.recycle(q.pre.data));
    // Runs already started finish on their own; their tensors went back in `detect`.
    for (const r of running) void r.catch(() => undefined);
  }
}
