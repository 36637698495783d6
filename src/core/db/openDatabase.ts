import Database from 'better-sqlite3';
import { naturalSortKey } from '../../shared/project/naturalSort';
import { MIGRATIONS, SCHEMA_VERSION } from './migrations';

export type Db = Database.Database;

export class ProjectFileError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ProjectFileError';
  }
}

/**
 * Opens a project database with the settings every connection needs, and brings its schema up
 * to date. WAL: readers never block the writer and a crash loses at most the transaction in
 * flight; synchronous=NORMAL is durable against process crashes (not power loss) and much faster.
 */
export function openDatabase(file: string, options: { create: boolean }): Db {
  let db: Db;
  try {
    db = new Database(file, { fileMustExist: !options.create });
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    throw new ProjectFileError(
      /unable to open|does not exist/i.test(msg)
        ? `project ${file} does not exist`
        : `cannot open ${file}: ${msg}`,
      { cause: err },
    );
  }
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    // The natural sort key of image paths, for migration 3 (which fills images.sort_key).
    db.function('natural_sort_key', { deterministic: true }, (p: unknown) =>
      typeof p === 'string' ? naturalSortKey(p) : null,
    );
    migrate(db, file);
  } catch (err) {
    db.close();
    if (err instanceof ProjectFileError) throw err;
    const msg = err instanceof Error ? err.message : String(err);
    throw new ProjectFileError(
      /not a database|malformed/i.test(msg)
        ? `${file} is not a Shotbox project (not an SQLite database)`
        : `${file}: ${msg}`,
      { cause: err },
    );
  }
  return db;
}

function migrate(db: Db, file: string): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > SCHEMA_VERSION) {
    throw new ProjectFileError(
      `${file} was written by a newer Shotbox (schema ${version}, this one knows ${SCHEMA_VERSION}); update Shotbox`,
    );
  }
  if (version === 0) {
    // An existing SQLite file that is not ours must not be silently turned into a project.
    const tables = db
      .prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'")
      .get() as { n: number };
    if (tables.n > 0)
      throw new ProjectFileError(`${file} is an SQLite database but not a Shotbox project`);
  }
  if (version === SCHEMA_VERSION) return;
  // Migrations rebuild tables (SQLite's documented 12-step procedure): foreign keys are off while
  // they run (the pragma cannot change inside a transaction) and checked before each commit.
  db.pragma('foreign_keys = OFF');
  try {
    for (let v = version; v < SCHEMA_VERSION; v++) {
      db.transaction(() => {
        db.exec(MIGRATIONS[v]!);
        const broken = db.pragma('foreign_key_check') as unknown[];
        if (broken.length > 0)
          throw new ProjectFileError(
            `${file}: migration ${v + 1} would break ${broken.length} reference(s); the file is unchanged`,
          );
        db.pragma(`user_version = ${v + 1}`);
      })();
    }
  } finally {
    db.pragma('foreign_keys = ON');
  }
}
