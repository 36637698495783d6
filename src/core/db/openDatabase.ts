import { accessSync, constants, existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { requireBetterSqlite3 } from '../nativePackages';
import { ShotboxError } from '../../shared/api/errors';
import { naturalSortKey } from '../../shared/project/naturalSort';
import { MIGRATIONS, SCHEMA_VERSION } from './migrations';
import {
  explainDbError,
  ProjectDamagedError,
  ProjectReadOnlyError,
  sqliteCode,
} from './projectErrors';

export type Db = Database.Database;

/** The file is no project this Shotbox can open (missing, empty, foreign, newer): a bad request. */
export class ProjectFileError extends ShotboxError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('invalid-request', message, 'ProjectFileError', options);
  }
}

/** How long a write waits for another program's lock by default (the CLI's batch commands). */
export const DEFAULT_BUSY_TIMEOUT_MS = 5000;

export interface OpenOptions {
  /** May initialise a new or empty file with the schema (else an empty file is refused). */
  create: boolean;
  /**
   * Open without ever writing: no WAL switch, no migration, no schema into an empty file. A file
   * that needs either is refused with a message instead.
   */
  readOnly?: boolean;
}

/**
 * Opens a project database with the settings every connection needs, and brings its schema up
 * to date. WAL: readers never block the writer and a crash loses at most the transaction in
 * flight; synchronous=NORMAL is durable against process crashes (not power loss) and much faster.
 */
export function openDatabase(file: string, options: OpenOptions): Db {
  const readOnly = options.readOnly === true;
  // Outside the try: a broken install is not a bad project file.
  const Database = requireBetterSqlite3();
  let db: Db;
  try {
    db =
      readOnly && needsSnapshot(file)
        ? new Database(readSnapshot(file), { readonly: true })
        : new Database(file, { fileMustExist: !options.create || readOnly, readonly: readOnly });
  } catch (err) {
    if (err instanceof ProjectReadOnlyError) throw err;
    const msg = err instanceof Error ? err.message : String(err);
    throw new ProjectFileError(
      /unable to open|does not exist/i.test(msg)
        ? `project ${file} does not exist`
        : `cannot open ${file}: ${msg}`,
      { cause: err },
    );
  }
  try {
    db.pragma(`busy_timeout = ${DEFAULT_BUSY_TIMEOUT_MS}`);
    if (!readOnly) {
      // Before anything is written: a damaged file is never written into (a WAL switch or a
      // migration on bad pages can spread the damage).
      const check = quickCheck(db);
      if (check !== 'ok') throw new ProjectDamagedError(file, check);
    }
    // Opening (not creating) an empty file must not write even the WAL header into it.
    if (!readOnly && !options.create && isEmptyDatabase(db))
      throw new ProjectFileError(`${file} is empty: not a Shotbox project`);
    if (!readOnly) db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    // The natural sort key of image paths, for migration 3 (which fills images.sort_key).
    db.function('natural_sort_key', { deterministic: true }, (p: unknown) =>
      typeof p === 'string' ? naturalSortKey(p) : null,
    );
    if (readOnly) checkReadable(db, file);
    else migrate(db, file, options.create);
  } catch (err) {
    db.close();
    if (err instanceof ProjectFileError || err instanceof ProjectDamagedError) throw err;
    const code = sqliteCode(err);
    // "database is locked", "attempt to write a readonly database": named, with what to do.
    if (code?.startsWith('SQLITE_BUSY') || code?.startsWith('SQLITE_READONLY'))
      throw explainDbError(err, file, null);
    const msg = err instanceof Error ? err.message : String(err);
    // Damage SQLite meets before quick_check can report it (schema pages) is damage too.
    if (sqliteCode(err)?.startsWith('SQLITE_CORRUPT')) throw new ProjectDamagedError(file, msg);
    throw new ProjectFileError(
      sqliteCode(err) === 'SQLITE_NOTADB' || /not a database/i.test(msg)
        ? `${file} is not a Shotbox project (not an SQLite database)`
        : `${file}: ${msg}`,
      { cause: err },
    );
  }
  reusePreparedStatements(db);
  return db;
}

/** The largest project a read-only command copies into memory (see needsSnapshot). */
const SNAPSHOT_MAX_BYTES = 1 << 30;

/**
 * A WAL database is read through its -shm file, which SQLite creates beside it; in a folder this
 * user cannot write, with no -shm there, even a read fails ("attempt to write a readonly
 * database"). better-sqlite3 has no URI filenames (so no `immutable=1`), so a read-only command
 * then reads an in-memory copy of the file instead.
 */
function needsSnapshot(file: string): boolean {
  if (!existsSync(file) || existsSync(`${file}-shm`)) return false;
  try {
    accessSync(path.dirname(file), constants.W_OK);
    return false;
  } catch {
    return true;
  }
}

/**
 * The file's bytes, safe to read alone: with no -wal (or an empty one) no connection is open on
 * it and every commit is in the file (the last connection to close checkpoints and removes the
 * -wal). A non-empty -wal holds commits the file lacks, so that is refused rather than read
 * stale. Bytes 18–19 (the format's write/read versions, 2 = WAL) are set to 1 (rollback
 * journal) in the copy: an in-memory database cannot be WAL.
 */
function readSnapshot(file: string): Buffer {
  const wal = statSync(`${file}-wal`, { throwIfNoEntry: false });
  if (wal && wal.size > 0)
    throw new ProjectReadOnlyError(
      `${file} cannot be read here: its folder is read-only and ${file}-wal holds changes not yet ` +
        'in the file; open the project once where its folder is writable',
    );
  const size = statSync(file).size;
  if (size > SNAPSHOT_MAX_BYTES)
    throw new ProjectReadOnlyError(
      `${file} cannot be read here: its folder is read-only (SQLite needs to create ${file}-shm ` +
        'beside it) and the file is too large to read into memory; copy it to a writable folder',
    );
  const bytes = readFileSync(file);
  if (bytes.length >= 20 && bytes[18] === 2 && bytes[19] === 2) {
    bytes[18] = 1;
    bytes[19] = 1;
  }
  return bytes;
}

/** Distinct SQL texts whose prepared statements a connection keeps (least recently used go). */
const STATEMENT_CACHE_SIZE = 256;

/**
 * Makes `db.prepare` return the statement it prepared before for the same SQL. The repositories
 * prepare at each call (readable, one place per query); a batch storing one image's
 * predictions prepares about a dozen statements, each parsed and planned again by SQLite. Safe
 * because no project connection keeps a statement busy (no `iterate`) and a statement's modes
 * (pluck, raw, expand) are reset to the defaults each time it is handed out. After the
 * migrations, so none of theirs is kept.
 */
function reusePreparedStatements(db: Db): void {
  const prepareNew = db.prepare.bind(db);
  const kept = new Map<string, Database.Statement>();
  const prepare = (sql: string): Database.Statement => {
    let statement = kept.get(sql);
    if (statement) {
      // Most recently used last, so the first key is the one to drop.
      kept.delete(sql);
      if (statement.reader) statement.pluck(false).expand(false).raw(false);
    } else {
      statement = prepareNew(sql);
      if (kept.size >= STATEMENT_CACHE_SIZE) kept.delete(kept.keys().next().value!);
    }
    kept.set(sql, statement);
    return statement;
  };
  db.prepare = prepare as Db['prepare'];
}

/**
 * SQLite's quick consistency check (pages and indexes, not every constraint: linear in the
 * file, about a second per few hundred MB). "ok" when sound, else the first problems found.
 */
export function quickCheck(db: Db): string {
  const rows = db.pragma('quick_check(5)') as { quick_check: string }[];
  return rows.map((r) => r.quick_check).join('; ');
}

function schemaVersion(db: Db, file: string): number {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > SCHEMA_VERSION) {
    throw new ProjectFileError(
      `${file} was written by a newer Shotbox (schema ${version}, this one knows ${SCHEMA_VERSION}); update Shotbox`,
    );
  }
  return version;
}

function isEmptyDatabase(db: Db): boolean {
  return (db.pragma('user_version', { simple: true }) as number) === 0 && tableCount(db) === 0;
}

function tableCount(db: Db): number {
  return (
    db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'").get() as {
      n: number;
    }
  ).n;
}

/** A read-only open accepts only a complete project of the current schema. */
function checkReadable(db: Db, file: string): void {
  const version = schemaVersion(db, file);
  if (version === 0) {
    throw new ProjectFileError(
      tableCount(db) > 0
        ? `${file} is an SQLite database but not a Shotbox project`
        : `${file} is empty: not a Shotbox project`,
    );
  }
  if (version < SCHEMA_VERSION) {
    throw new ProjectFileError(
      `${file} uses an older project schema (${version} of ${SCHEMA_VERSION}); open it once with ` +
        'a command that writes (e.g. `shotbox serve --project`) to upgrade it',
    );
  }
}

function migrate(db: Db, file: string, create: boolean): void {
  const version = schemaVersion(db, file);
  if (version === 0) {
    // An existing SQLite file that is not ours must not be silently turned into a project, and
    // opening (not creating) an empty file must not write a schema into it.
    if (tableCount(db) > 0)
      throw new ProjectFileError(`${file} is an SQLite database but not a Shotbox project`);
    if (!create) throw new ProjectFileError(`${file} is empty: not a Shotbox project`);
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
