import { readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
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
  const visitedDirs = new Set<string>();
  let skippedByExtension = 0;

  const add = (file: string): void => {
    if (!seen.has(file)) {
      seen.add(file);
      files.push(file);
    }
  };

  const walk = async (dir: string): Promise<void> => {
    const real = await realpath(dir);
    if (visitedDirs.has(real)) return;
    visitedDirs.add(real);
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      problems.push({
        file: dir,
        reason: `cannot list folder (${(err as NodeJS.ErrnoException).code ?? err})`,
      });
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const full = path.join(dir, entry.name);
      let isDir = entry.isDirectory();
      let isFile = entry.isFile();
      if (entry.isSymbolicLink()) {
        const target = await stat(full).catch(() => undefined);
        if (!target) {
          problems.push({ file: full, reason: 'broken symbolic link' });
          continue;
        }
        isDir = target.isDirectory();
        isFile = target.isFile();
      }
      if (isDir) await walk(full);
      else if (isFile) {
        if (IMAGE_EXTENSIONS.has(path.extname(entry.name).toLowerCase())) add(full);
        else skippedByExtension++;
      }
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
    } else if (info.isDirectory()) await walk(abs);
    else add(abs);
  }
  return { files, problems, skippedByExtension };
}

export type BatchItem =
  { file: string; ok: true; result: DetectionResult } | { file: string; ok: false; reason: string };

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
    const decoded = await queue.shift()!;
    fill();
    const file = files[i]!;
    if ('error' in decoded) {
      yield { file, ok: false, reason: decoded.error };
      continue;
    }
    try {
      const result = await detector.detectImage(decoded.image, options);
      result.timings.decode = decoded.ms;
      yield { file, ok: true, result };
    } catch (err) {
      yield {
        file,
        ok: false,
        reason: `detection failed (${err instanceof Error ? err.message : String(err)})`,
      };
    }
  }
}
