import Database from 'better-sqlite3';

/**
 * The SQL statements prepared (on any connection) while `fn` runs. The repositories keep their
 * SQL private; recording what they prepare lets the bench explain exactly the query it timed,
 * not a copy that could drift from it.
 */
export function recordPreparedSql<T>(fn: () => T): { result: T; statements: string[] } {
  const proto = Database.prototype;
  const original = proto.prepare;
  const statements: string[] = [];
  proto.prepare = function (this: Database.Database, source: string) {
    statements.push(source);
    return original.call(this, source);
  } as typeof original;
  try {
    return { result: fn(), statements };
  } finally {
    proto.prepare = original;
  }
}

/**
 * `EXPLAIN QUERY PLAN` of `sql` as indented lines, on a connection of the caller's (read-only
 * is enough). Parameters are bound to NULL: without ANALYZE statistics SQLite's plan does not
 * depend on their values.
 */
export function explainQueryPlan(db: Database.Database, sql: string): string[] {
  const named = Object.fromEntries(
    [...sql.matchAll(/[@:$]([A-Za-z_]\w*)/g)].map((m) => [m[1]!, null]),
  );
  const positional = Array.from({ length: (sql.match(/\?/g) ?? []).length }, () => null);
  const args: unknown[] = [...positional];
  if (Object.keys(named).length > 0) args.push(named);
  const rows = db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...args) as {
    id: number;
    parent: number;
    detail: string;
  }[];
  const depth = new Map<number, number>([[0, -1]]);
  return rows.map((r) => {
    const d = (depth.get(r.parent) ?? -1) + 1;
    depth.set(r.id, d);
    return `${'  '.repeat(d)}${r.detail}`;
  });
}

/** Plan lines that read a whole table, not through any index (the usual cause of a slow query). */
export function tableScans(plan: readonly string[]): string[] {
  return plan.filter((line) => /^\s*SCAN \S+\s*$/.test(line));
}
