/**
 * Errors about the project file itself, each naming the file and saying what to do. The shells
 * map them: HTTP 503 (locked), 409 (read-only), 500 (damaged); the CLI prints the message.
 */
import path from 'node:path';

/** Another program holds the write lock; reads go on, this edit did not happen. */
export class ProjectLockedError extends Error {
  constructor(file: string) {
    super(
      `the project is locked by another program (${path.basename(file)}): the change was not ` +
        'made; try again when the other program has finished',
    );
    this.name = 'ProjectLockedError';
  }
}

/** The project was opened read-only (damaged, or by a read-only command): no write may happen. */
export class ProjectReadOnlyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProjectReadOnlyError';
  }
}

/** SQLite found damaged pages: reading may go on in part, writing never. */
export class ProjectDamagedError extends Error {
  constructor(file: string, detail: string) {
    super(damagedMessage(file, detail));
    this.name = 'ProjectDamagedError';
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
    return new ProjectReadOnlyError(readOnlyReason ?? `${file} is open read-only`);
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB')
    return new ProjectDamagedError(file, (err as Error).message);
  return err;
}
