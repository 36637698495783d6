import { randomBytes } from 'node:crypto';
import { lstat, mkdir, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** A write that failed, naming the file and the cause in plain words (not a bare errno). */
export class FileWriteError extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`cannot write ${file}: ${reason}`, options);
    this.name = 'FileWriteError';
  }
}

const REASONS: Record<string, string> = {
  ENAMETOOLONG: 'the name is too long for the file system',
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is used up',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'the file system is read-only',
  EISDIR: 'a folder of that name is in the way',
  ENOTDIR: 'a file is in the way of one of its folders',
  EEXIST: 'a file is in the way of one of its folders',
  ENOENT: 'its folder was removed while writing',
  EMFILE: 'too many files are open',
  EIO: 'the disk reported an input/output error',
};

/** Plain words for a file-system error (the code kept in brackets for a search). */
export function fileSystemReason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code && REASONS[code]) return `${REASONS[code]} (${code})`;
  return err instanceof Error ? err.message : String(err);
}

function asWriteError(file: string, err: unknown): Error {
  if (err instanceof FileWriteError) return err;
  if ((err as NodeJS.ErrnoException | undefined)?.code === undefined) return err as Error;
  return new FileWriteError(file, fileSystemReason(err), { cause: err });
}

/**
 * A temp name beside `file` that is short whatever `file` is called: a temp name built from the
 * final one (`.name.xml.<hex>.tmp`) broke the 255-byte name limit for names near it.
 */
function tempBeside(file: string): string {
  return path.join(path.dirname(file), `.sbx-${randomBytes(6).toString('hex')}.tmp`);
}

/**
 * Writes a file so that readers see either the old content or the new, never half of it:
 * temp file in the same folder, then rename (atomic on one file system).
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  await writeFileSet([[file, data]]);
}

/** What `writeFileSet` writes: the final path and its content. */
export type FileEntry = readonly [file: string, data: string | Uint8Array];

/**
 * Writes several files so that a failure leaves none of them changed: each is written under a
 * short temp name beside its final path, and only when all are written are they renamed into
 * place (in the order given). A failure while writing removes the temps and the folders made for
 * them. Entries are produced one at a time, so their contents need not all be in memory.
 */
export async function writeFileSet(entries: Iterable<FileEntry>): Promise<void> {
  const staged = new StagedFiles();
  try {
    for (const [file, data] of entries) await staged.add(file, data);
  } catch (err) {
    await staged.abort();
    if (err instanceof FileWriteError)
      throw new FileWriteError(err.file, `${err.reason}; nothing was written`, { cause: err });
    throw err;
  }
  await staged.commit();
}

class StagedFiles {
  private readonly staged: { tmp: string; file: string }[] = [];
  private readonly madeDirs: string[] = [];

  async add(file: string, data: string | Uint8Array): Promise<void> {
    try {
      // What would fail the rename after other files had moved in, found before: a name too
      // long for the file system (lstat says so too) or a folder at the final path.
      const existing = await lstat(file).catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return undefined;
        throw err;
      });
      if (existing?.isDirectory()) throw new FileWriteError(file, REASONS.EISDIR!);
      const made = await mkdir(path.dirname(file), { recursive: true });
      if (made !== undefined) this.madeDirs.push(made);
      const tmp = tempBeside(file);
      this.staged.push({ tmp, file });
      await writeFile(tmp, data, { flag: 'wx' });
    } catch (err) {
      throw asWriteError(file, err);
    }
  }

  async abort(): Promise<void> {
    for (const { tmp } of this.staged) await rm(tmp, { force: true });
    // The folders made for the temps, deepest first; rmdir takes only empty ones.
    const dirs = new Set<string>();
    for (const { tmp } of this.staged) {
      const top = this.madeDirs.find((d) => isInside(d, tmp));
      if (top === undefined) continue;
      for (let d = path.dirname(tmp); isInside(top, d); d = path.dirname(d)) dirs.add(d);
    }
    const deepestFirst = [...dirs].sort((a, b) => b.length - a.length);
    for (const dir of deepestFirst) await rmdir(dir).catch(() => undefined);
  }

  async commit(): Promise<void> {
    for (const [i, { tmp, file }] of this.staged.entries()) {
      try {
        await rename(tmp, file);
      } catch (err) {
        for (const rest of this.staged.slice(i)) await rm(rest.tmp, { force: true });
        const before =
          i === 0
            ? 'nothing was written'
            : `${i} of ${this.staged.length} files were written before it`;
        throw new FileWriteError(file, `${fileSystemReason(err)}; ${before}`, { cause: err });
      }
    }
  }
}

/** True when `inner` is `outer` or lies under it. */
function isInside(outer: string, inner: string): boolean {
  const rel = path.relative(outer, inner);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}
