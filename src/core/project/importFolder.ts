import { createHash } from 'node:crypto';
import { open, stat } from 'node:fs/promises';
import path from 'node:path';
import type { ProjectDb } from '../db/projectDb';
import type { NewImage } from '../db/imageRepo';
import { ImageDecodeError, probeImage } from '../image/decode';
import { SNIFF_BYTES, sniffImageFormat } from '../image/sniffImage';
import { walkFiles } from '../fs/walkFiles';

/** Files next to images that are expected and not worth a warning (labels, lists, notes). */
const SIDECAR_EXTENSIONS = new Set([
  '.xml',
  '.txt',
  '.json',
  '.yaml',
  '.yml',
  '.names',
  '.csv',
  '.md',
  '.tsv',
]);

/**
 * Largest image file read (bytes). Decoding needs the whole file in memory, four at a time; a
 * larger "image" is reported instead, so a hostile folder cannot exhaust memory.
 */
export const MAX_IMAGE_FILE_BYTES = 64 * 1024 * 1024;

/** Reads the head of a file and, only when it is a recognised image, the rest with its hash. */
async function readImageFile(
  file: string,
  size: number,
): Promise<{ bytes: Buffer; sha256: string } | { reason: string }> {
  const handle = await open(file, 'r');
  try {
    const head = Buffer.alloc(Math.min(SNIFF_BYTES, size));
    await handle.read(head, 0, head.length, 0);
    if (size === 0) return { reason: 'file is empty (0 bytes)' };
    if (!sniffImageFormat(head)) return { reason: 'not a supported image (unrecognised header)' };
    if (size > MAX_IMAGE_FILE_BYTES)
      return {
        reason: `image file too large (${size} bytes; at most ${MAX_IMAGE_FILE_BYTES} are read)`,
      };
    // Hashed chunk by chunk as it streams in, in the same pass that gathers the bytes to decode.
    const hash = createHash('sha256');
    const chunks: Buffer[] = [];
    let total = 0;
    for await (const chunk of handle.createReadStream({ start: 0, autoClose: false })) {
      const b = chunk as Buffer;
      total += b.length;
      if (total > MAX_IMAGE_FILE_BYTES) return { reason: 'image file grew while it was read' };
      hash.update(b);
      chunks.push(b);
    }
    return { bytes: Buffer.concat(chunks, total), sha256: hash.digest('hex') };
  } finally {
    await handle.close();
  }
}
/** A project file and SQLite's companions: kept next to the images, never images themselves. */
const PROJECT_FILE = /\.shotbox(-wal|-shm|-journal)?$/i;

export interface FolderImportReport {
  /** Images newly recorded. */
  added: number;
  /** Files already in the project (same path, size and modification time): not read again. */
  alreadyKnown: number;
  /**
   * Recorded images whose content equals another image's. Each path is kept (two copies can
   * carry different labels), but a person should know: duplicates leak between train and test.
   */
  duplicates: { file: string; of: string }[];
  /** Files that are not usable images, each with the reason. */
  problems: { file: string; reason: string }[];
  /** Annotation and list files next to the images, skipped without a warning. */
  sidecars: number;
  seconds: number;
}

export interface FolderImportOptions {
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
  /** Files read and checked at once (the decode check runs on libvips threads). */
  concurrency?: number;
  /** Images written per transaction: a kill loses at most this many, which a re-run adds. */
  batchSize?: number;
}

/** Relative path under the root with '/' separators, or undefined when outside it. */
export function relativeToRoot(root: string, file: string): string | undefined {
  const rel = path.relative(root, file);
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) return undefined;
  return rel.split(path.sep).join('/');
}

/** Why `abs` cannot be imported into a project whose image root is `root`, if it cannot. */
export function outsideRootReason(root: string, abs: string): string | undefined {
  if (abs === root || relativeToRoot(root, abs) !== undefined) return undefined;
  return `${abs} is outside the project's image root ${root} (use \`shotbox relocate\` to change the root)`;
}

/**
 * Records every image under `folder` (which must lie inside the project's image root): by
 * content, not by name; sizes as displayed (EXIF); identical content under another name reported;
 * unreadable files reported. Re-importing adds only what is new. Safe to kill at any moment: rows
 * are written in batches, each path is unique, and known files are skipped on the next run.
 */
export async function importFolder(
  project: ProjectDb,
  folder: string,
  options: FolderImportOptions = {},
): Promise<FolderImportReport> {
  const started = performance.now();
  const root = project.imageRoot;
  const absFolder = path.resolve(folder);
  const outside = outsideRootReason(root, absFolder);
  if (outside) throw new Error(outside);
  const report: FolderImportReport = {
    added: 0,
    alreadyKnown: 0,
    duplicates: [],
    problems: [],
    sidecars: 0,
    seconds: 0,
  };
  const files = await walkFiles(absFolder, report.problems, { root });
  const known = project.images.fingerprints();
  let pending: NewImage[] = [];
  let done = 0;

  const flush = (): void => {
    if (pending.length === 0) return;
    const batch = pending;
    pending = [];
    project.transaction(() => {
      for (const img of batch) {
        const existing = project.images.byPath(img.path);
        if (existing?.sha256 === img.sha256) {
          report.alreadyKnown++; // touched since the import (or added by a run killed meanwhile)
          continue;
        }
        if (existing) {
          report.problems.push({
            file: project.imagePath(img.path),
            reason:
              'content changed since it was imported (the project keeps the recorded image; its labels may no longer fit)',
          });
          continue;
        }
        const twin = project.images.bySha256(img.sha256);
        if (twin) report.duplicates.push({ file: project.imagePath(img.path), of: twin.path });
        project.images.insert(img);
        report.added++;
      }
    });
  };

  const examine = async (file: string): Promise<void> => {
    const rel = relativeToRoot(root, file)!;
    if (SIDECAR_EXTENSIONS.has(path.extname(file).toLowerCase()) || PROJECT_FILE.test(file)) {
      report.sidecars++;
      return;
    }
    const info = await stat(file);
    const fp = known.get(rel);
    if (fp && fp.bytes === info.size && fp.mtimeMs === Math.floor(info.mtimeMs)) {
      report.alreadyKnown++;
      return;
    }
    const read = await readImageFile(file, info.size);
    if ('reason' in read) {
      report.problems.push({ file, reason: read.reason });
      return;
    }
    const { bytes, sha256 } = read;
    let probe;
    try {
      probe = await probeImage(bytes, file);
    } catch (err) {
      report.problems.push({
        file,
        reason: err instanceof ImageDecodeError ? err.message : String(err),
      });
      return;
    }
    pending.push({
      path: rel,
      sha256,
      bytes: info.size,
      mtimeMs: Math.floor(info.mtimeMs),
      ...probe,
    });
  };

  const batchSize = options.batchSize ?? 200;
  const concurrency = options.concurrency ?? 4;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < files.length && !options.signal?.aborted) {
      const file = files[next++]!;
      try {
        await examine(file);
      } catch (err) {
        report.problems.push({
          file,
          reason: `cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
        });
      }
      done++;
      if (pending.length >= batchSize) flush();
      options.onProgress?.(done, files.length);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  flush();
  report.seconds = (performance.now() - started) / 1000;
  return report;
}
