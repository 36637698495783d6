import type Database from 'better-sqlite3';
import type { Db } from './openDatabase';
import { explainDbError, sqliteCode } from './projectErrors';

/** True for the codes that are about the project file's state, not about the statement. */
function isFileStateCode(code: string | undefined): boolean {
  return (
    code !== undefined &&
    (code.startsWith('SQLITE_BUSY') ||
      code.startsWith('SQLITE_LOCKED') ||
      code.startsWith('SQLITE_READONLY'))
  );
}

function guarded<A extends unknown[], R>(
  fn: (...args: A) => R,
  explain: (err: unknown) => unknown,
): (...args: A) => R {
  return (...args: A): R => {
    try {
      return fn(...args);
    } catch (err) {
      throw explain(err);
    }
  };
}

/**
 * Makes this project connection's "database is locked" and "attempt to write a readonly
 * database" errors name the file and say what to do (projectErrors.ts), wherever they arise: a
 * batch command, a job, the server. Other errors (constraints, damage) pass unchanged, so code
 * that tells them apart by SQLite's code still can.
 *
 * On a writable connection transactions begin IMMEDIATE: one that reads and then writes would
 * otherwise fail at once with SQLITE_BUSY when another process committed in between (SQLite
 * cannot wait there without a deadlock), while BEGIN IMMEDIATE waits up to the busy timeout.
 */
export function nameFileInErrors(
  db: Db,
  file: string,
  readOnlyReason: string | null,
  writable: boolean,
): void {
  const explain = (err: unknown): unknown =>
    isFileStateCode(sqliteCode(err)) ? explainDbError(err, file, readOnlyReason) : err;
  const prepare = db.prepare.bind(db);
  const seen = new WeakSet<Database.Statement>();
  db.prepare = ((sql: string) => {
    const statement = prepare(sql);
    // The prepared-statement cache hands the same statement out again: guard it once.
    if (!seen.has(statement)) {
      seen.add(statement);
      statement.run = guarded(statement.run.bind(statement), explain);
      statement.get = guarded(statement.get.bind(statement), explain);
      statement.all = guarded(statement.all.bind(statement), explain);
    }
    return statement;
  }) as Db['prepare'];
  db.exec = guarded(db.exec.bind(db), explain);
  db.pragma = guarded(db.pragma.bind(db), explain) as Db['pragma'];
  const transaction = db.transaction.bind(db);
  db.transaction = ((fn: (...args: unknown[]) => unknown) => {
    const t = transaction(fn);
    const run = guarded(writable ? t.immediate : t, explain);
    return Object.assign(run, {
      default: run,
      deferred: guarded(t.deferred, explain),
      immediate: guarded(t.immediate, explain),
      exclusive: guarded(t.exclusive, explain),
    });
  }) as Db['transaction'];
}
