import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { ProjectDb } from '../db/projectDb';
import type { NewImage } from '../db/imageRepo';
import { cannotReadReason, readCandidateImage } from '../image/candidateFile';
import { ImageDecodeError, probeImage } from '../image/decode';
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
  /** With `deferNew`: the files left for the caller to admit (see {@link admitImage}). */
  deferred: NewFile[];
  seconds: number;
}

/** A file at a path the project does not have yet, as found by the folder walk. */
export interface NewFile {
  /** Absolute path. */
  file: string;
  /** Path under the image root, '/'-separated: the image's path once admitted. */
  path: string;
  bytes: number;
  mtimeMs: number;
}

export interface FolderImportOptions {
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
  /** Files read and checked at once (the decode check runs on libvips threads). */
  concurrency?: number;
  /** Images written per transaction: a kill loses at most this many, which a re-run adds. */
  batchSize?: number;
  /**
   * Leave files at new paths unread, in `deferred`, for a caller that reads and decodes each one
   * anyway (a detect job: its full decode is the check) and admits it with {@link admitImage};
   * every other file is handled here as usual.
   */
  deferNew?: boolean;
}

/** What {@link admitImage} did with one image. */
export type Admission =
  | { kind: 'added'; id: number; duplicateOf?: string }
  | { kind: 'known'; id: number }
  | { kind: 'refused'; reason: string };

/** Why a recorded path whose content differs is not replaced (see admitImage). */
const CONTENT_CHANGED =
  'content changed since it was imported (the project keeps the recorded image; its labels may no longer fit)';

/**
 * Records one image whose file was read and decoded (the rule every way of adding images goes
 * through): a path already recorded with the same content is known, with other content it is
 * refused (the recorded image and its labels stay); identical content under another path is
 * recorded and names its twin. Call inside a transaction.
 */
export function admitImage(project: ProjectDb, img: NewImage): Admission {
  const existing = project.images.byPath(img.path);
  // Touched since the import (or added by a run killed meanwhile).
  if (existing?.sha256 === img.sha256) return { kind: 'known', id: existing.id };
  if (existing) return { kind: 'refused', reason: CONTENT_CHANGED };
  const twin = project.images.bySha256(img.sha256);
  const id = project.images.insert(img);
  return { kind: 'added', id, ...(twin ? { duplicateOf: twin.path } : {}) };
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
    deferred: [],
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
        const r = admitImage(project, img);
        if (r.kind === 'known') report.alreadyKnown++;
        else if (r.kind === 'refused')
          report.problems.push({ file: project.imagePath(img.path), reason: r.reason });
        else {
          if (r.duplicateOf)
            report.duplicates.push({ file: project.imagePath(img.path), of: r.duplicateOf });
          report.added++;
        }
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
    if (!fp && options.deferNew) {
      report.deferred.push({
        file,
        path: rel,
        bytes: info.size,
        mtimeMs: Math.floor(info.mtimeMs),
      });
      return;
    }
    const read = await readCandidateImage(file, info.size);
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
        report.problems.push({ file, reason: cannotReadReason(err) });
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
