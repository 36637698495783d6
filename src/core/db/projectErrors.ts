/**
 * Errors about the project file itself, each naming the file and saying what to do. The shells
 * carry them as the one error shape: HTTP 503 (locked), 409 (read-only or damaged); the CLI
 * prints the message.
 */
import path from 'node:path';
import { ShotboxError } from '../../shared/api/errors';

/**
 * Another process holds the write lock beyond the busy timeout; reads go on, this change did
 * not happen.
 */
export class ProjectLockedError extends ShotboxError {
  constructor(file: string) {
    super(
      'locked',
      `project ${file} is busy: another shotbox process (or another program) is writing to it; ` +
        'the change was not made, try again when it has finished',
      'ProjectLockedError',
    );
  }
}

/** The project was opened read-only (damaged, or by a read-only command): no write may happen. */
export class ProjectReadOnlyError extends ShotboxError {
  constructor(message: string) {
    super('read-only', message, 'ProjectReadOnlyError');
  }
}

/** A writable open whose write the file system refused (file or folder permissions). */
export function notWritableMessage(file: string): string {
  return (
    `project ${file} cannot be written: the file, or the folder ${path.dirname(file)} ` +
    '(SQLite keeps its -wal and -shm files there), is read-only for this user; make both ' +
    'writable, or copy the project to a folder you can write'
  );
}

/** SQLite found damaged pages: reading may go on in part, writing never. */
export class ProjectDamagedError extends ShotboxError {
  constructor(file: string, detail: string) {
    super('read-only', damagedMessage(file, detail), 'ProjectDamagedError');
  }
}

export function damagedMessage(file: string, detail: string): string {
  return (
    `${file} is damaged (${detail}); nothing will be written into it. Copy what can be read ` +
    `into a new project with \`shotbox recover ${file} <new.shotbox>\``
  );
}

/** better-sqlite3's error carries SQLite's result code ("SQLITE_BUSY", "SQLITE_CORRUPT", …). */
export function sqliteCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_') ? code : undefined;
}

/**
 * Turns SQLite's bare result codes into errors that name the file and say what to do; other
 * errors pass through unchanged.
 */
export function explainDbError(err: unknown, file: string, readOnlyReason: string | null): unknown {
  const code = sqliteCode(err);
  if (!code) return err;
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'))
    return new ProjectLockedError(file);
  if (code.startsWith('SQLITE_READONLY'))
    return new ProjectReadOnlyError(readOnlyReason ?? notWritableMessage(file));
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB')
    return new ProjectDamagedError(file, (err as Error).message);
  return err;
}
