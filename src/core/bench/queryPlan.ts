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

/** alias → table of the FROM and JOIN clauses of `sql` (a table is its own alias too). */
function tablesByAlias(sql: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const m of sql.matchAll(/\b(?:FROM|JOIN)\s+(\w+)(?:\s+(?:AS\s+)?(\w+))?/gi)) {
    map.set(m[1]!, m[1]!);
    if (m[2] && !/^(WHERE|ON|LEFT|JOIN|GROUP|ORDER|LIMIT|INNER|CROSS)$/i.test(m[2]))
      map.set(m[2], m[1]!);
  }
  return map;
}

/**
 * Why a plan may be slow at scale, in words, with the usual fix: read off the plan's lines, so
 * a missed target comes with a lead rather than just a number. `rowsOf` gives a table's size;
 * reading all of a small table (classes, runs) is not worth a word.
 */
export function planHints(
  sql: string,
  plan: readonly string[],
  rowsOf: (table: string) => number,
): string[] {
  const hints = new Set<string>();
  const tables = tablesByAlias(sql);
  for (const line of plan) {
    const scan = /^\s*SCAN (\S+)\s*$/.exec(line);
    const table = scan ? (tables.get(scan[1]!) ?? scan[1]!) : undefined;
    if (table && rowsOf(table) > 10_000) {
      hints.add(
        `reads all ${rowsOf(table)} rows of ${table}: an index on the columns it filters or groups by lets SQLite seek`,
      );
    }
    if (/AUTOMATIC (PARTIAL )?(COVERING )?INDEX/.test(line)) {
      hints.add(
        'builds a temporary index on every call: create that index in a migration, or count in one GROUP BY pass',
      );
    }
    if (/USE TEMP B-TREE FOR (ORDER|GROUP) BY/.test(line) && /LIMIT/i.test(sql)) {
      hints.add(
        'sorts every matching row before LIMIT applies: an index in the ORDER BY order avoids the sort',
      );
    }
  }
  if (/OFFSET/i.test(sql) && /EXISTS/i.test(sql) && plan.some((l) => /^\s*SCAN /.test(l))) {
    hints.add(
      'OFFSET walks and re-tests every row before the page: page by key (WHERE path > last path seen) or keep a per-image count column with an index on it',
    );
  }
  return [...hints];
}
