import { existsSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { openDatabase, ProjectFileError, type Db } from './openDatabase';

/** Rows copied per table, and how many unreadable stretches were skipped. */
export interface RecoveryReport {
  tables: { table: string; copied: number; skippedRanges: number }[];
  /** Rows dropped afterwards because what they point to was lost (a box of a lost image). */
  orphansRemoved: number;
  /** True when the project record itself was lost and a placeholder root was written. */
  projectRecordLost: boolean;
}

const CHUNK = 500;
/** Forward jumps tried past a damaged stretch of rowids (1, 2, 4, … up to 2^44). */
const SKIP_STEPS = Array.from({ length: 45 }, (_, i) => 2 ** i);

/**
 * Copies what can still be read from a damaged project into a new project file. The damaged
 * file is opened read-only and never written. Each table is read in rowid order, in chunks; a
 * chunk that hits a damaged page is retried row by row and then skipped past, so one bad page
 * costs the rows on it, not the rest of the table. Rows whose parent was lost are dropped so the
 * new file's foreign keys hold.
 */
export function recoverProject(damagedFile: string, outFile: string): RecoveryReport {
  const src = path.resolve(damagedFile);
  const out = path.resolve(outFile);
  if (existsSync(out)) throw new ProjectFileError(`${out} already exists`);
  let from: Db;
  try {
    from = new Database(src, { readonly: true, fileMustExist: true });
    from.prepare('SELECT count(*) FROM sqlite_master').get();
  } catch (err) {
    throw new ProjectFileError(
      `${src} cannot be read at all (${(err as Error).message}): nothing to recover`,
      { cause: err },
    );
  }
  const to = openDatabase(out, { create: true });
  try {
    to.pragma('foreign_keys = OFF');
    const tables = to
      .prepare(
        "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY rowid",
      )
      .all() as { name: string; sql: string }[];
    const report: RecoveryReport = { tables: [], orphansRemoved: 0, projectRecordLost: false };
    for (const t of tables) {
      const columns = commonColumns(from, to, t.name);
      if (columns.length === 0) {
        report.tables.push({ table: t.name, copied: 0, skippedRanges: 1 });
        continue;
      }
      const withoutRowid = /WITHOUT\s+ROWID/i.test(t.sql);
      report.tables.push({
        table: t.name,
        ...(withoutRowid
          ? copyWhole(from, to, t.name, columns)
          : copyByRowid(from, to, t.name, columns)),
      });
    }
    copySequences(from, to);
    report.orphansRemoved = removeOrphans(to);
    if (!to.prepare('SELECT 1 FROM project').get()) {
      report.projectRecordLost = true;
      to.prepare("INSERT INTO project (id, image_root, created_at) VALUES (1, '.', ?)").run(
        new Date().toISOString(),
      );
    }
    to.pragma('foreign_keys = ON');
    return report;
  } finally {
    to.close();
    from.close();
  }
}

const quote = (name: string): string => `"${name.replace(/"/g, '""')}"`;

function columnNames(db: Db, table: string): string[] {
  try {
    return (db.pragma(`table_info(${quote(table)})`) as { name: string }[]).map((c) => c.name);
  } catch {
    return [];
  }
}

function commonColumns(from: Db, to: Db, table: string): string[] {
  const have = new Set(columnNames(from, table));
  return columnNames(to, table).filter((c) => have.has(c));
}

function inserter(to: Db, table: string, columns: string[]): (row: unknown[]) => void {
  const stmt = to.prepare(
    `INSERT OR IGNORE INTO ${quote(table)} (${columns.map(quote).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`,
  );
  return (row) => stmt.run(row);
}

function copyByRowid(
  from: Db,
  to: Db,
  table: string,
  columns: string[],
): { copied: number; skippedRanges: number } {
  const select = (limit: number) =>
    from
      .prepare(
        `SELECT rowid AS __r, ${columns.map(quote).join(', ')} FROM ${quote(table)} WHERE rowid > ? ORDER BY rowid LIMIT ${limit}`,
      )
      .raw();
  const chunk = select(CHUNK);
  const one = select(1);
  const insert = inserter(to, table, columns);
  let after = Number.MIN_SAFE_INTEGER;
  let copied = 0;
  let skippedRanges = 0;
  const write = to.transaction((rows: unknown[][]) => {
    for (const r of rows) insert(r.slice(1));
  });
  let careful = 0; // rows left to read one by one after a damaged stretch
  for (;;) {
    let rows: unknown[][];
    try {
      rows = (careful > 0 ? one : chunk).all(after) as unknown[][];
    } catch {
      if (careful === 0) {
        // The chunk ran into a damaged page: read up to it row by row.
        careful = CHUNK;
        continue;
      }
      // This row is on a damaged page: find the next readable one by jumping forward.
      const next = nextReadable(one, after);
      skippedRanges++;
      if (next === null) break;
      after = next - 1;
      continue;
    }
    if (rows.length === 0) break;
    write(rows);
    copied += rows.length;
    after = Number(rows[rows.length - 1]![0]);
    if (careful > 0) careful--;
  }
  return { copied, skippedRanges };
}

function nextReadable(one: Database.Statement, after: number): number | null {
  const base = Math.max(after, 0);
  for (const step of SKIP_STEPS) {
    try {
      const row = one.get(base + step) as unknown[] | undefined;
      if (!row) return null;
      return Number(row[0]);
    } catch {
      // still damaged further on: jump further
    }
  }
  return null;
}

function copyWhole(
  from: Db,
  to: Db,
  table: string,
  columns: string[],
): { copied: number; skippedRanges: number } {
  const insert = inserter(to, table, columns);
  let copied = 0;
  try {
    const stmt = from.prepare(`SELECT ${columns.map(quote).join(', ')} FROM ${quote(table)}`).raw();
    to.transaction(() => {
      for (const row of stmt.iterate() as Iterable<unknown[]>) {
        insert(row);
        copied++;
      }
    })();
    return { copied, skippedRanges: 0 };
  } catch {
    return { copied, skippedRanges: 1 };
  }
}

/** AUTOINCREMENT counters, so ids stay never reused in the new file. */
function copySequences(from: Db, to: Db): void {
  try {
    const rows = from.prepare('SELECT name, seq FROM sqlite_sequence').all() as {
      name: string;
      seq: number;
    }[];
    const up = to.prepare('UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = ?');
    const add = to.prepare(
      'INSERT INTO sqlite_sequence (name, seq) SELECT ?, ? WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = ?)',
    );
    for (const r of rows) {
      up.run(r.seq, r.name);
      add.run(r.name, r.seq, r.name);
    }
  } catch {
    // no AUTOINCREMENT table, or the sequence table itself is lost
  }
}

/** Deletes rows whose parent row was lost, until every foreign key holds. */
function removeOrphans(to: Db): number {
  let removed = 0;
  for (;;) {
    const bad = to.pragma('foreign_key_check') as { table: string; rowid: number }[];
    if (bad.length === 0) return removed;
    to.transaction(() => {
      for (const b of bad) {
        to.prepare(`DELETE FROM ${quote(b.table)} WHERE rowid = ?`).run(b.rowid);
        removed++;
      }
    })();
  }
}
