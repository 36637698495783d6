import { stat } from 'node:fs/promises';
import path from 'node:path';
import { walkFiles } from '../fs/walkFiles';
import { decodeImageFile, ImageDecodeError, type RgbImage } from '../image/decode';
import type { Detector, DetectOptions, DetectionResult } from './detector';

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

export type BatchItem =
  | {
      file: string;
      ok: true;
      result: DetectionResult;
      /** Milliseconds the loop waited for this image's decode (0 when it was ready). */
      waitMs: number;
    }
  | { file: string; ok: false; reason: string };

/**
 * Runs the detector over `files`, decoding up to `prefetch` images ahead so that JPEG decoding
 * (libvips threads) overlaps inference (ONNX Runtime threads). Yields one item per file, in
 * order; a bad file yields its reason and the batch goes on.
 */
export async function* detectFiles(
  detector: Detector,
  files: readonly string[],
  options: DetectOptions & { prefetch?: number; signal?: AbortSignal } = {},
): AsyncGenerator<BatchItem> {
  const prefetch = Math.max(1, options.prefetch ?? 2);
  type Decoded = { image: RgbImage; ms: number } | { error: string };
  const decodeOne = async (file: string): Promise<Decoded> => {
    const t0 = performance.now();
    try {
      return { image: await decodeImageFile(file), ms: performance.now() - t0 };
    } catch (err) {
      return {
        error: err instanceof ImageDecodeError ? err.message : `cannot decode (${String(err)})`,
      };
    }
  };
  const queue: Promise<Decoded>[] = [];
  let next = 0;
  const fill = (): void => {
    while (queue.length < prefetch && next < files.length) queue.push(decodeOne(files[next++]!));
  };
  fill();
  for (let i = 0; i < files.length; i++) {
    if (options.signal?.aborted) return;
    const tw = performance.now();
    const decoded = await queue.shift()!;
    const waitMs = performance.now() - tw;
    fill();
    const file = files[i]!;
    if ('error' in decoded) {
      yield { file, ok: false, reason: decoded.error };
      continue;
    }
    try {
      const result = await detector.detectImage(decoded.image, options);
      result.timings.decode = decoded.ms;
      yield { file, ok: true, result, waitMs };
    } catch (err) {
      yield {
        file,
        ok: false,
        reason: `detection failed (${err instanceof Error ? err.message : String(err)})`,
      };
    }
  }
}
