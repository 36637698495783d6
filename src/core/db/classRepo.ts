import type { ClassListItem, ClassRecord } from '../../shared/project/types';
import type { Db } from './openDatabase';
import { CLASS_COLUMNS, toClass, type ClassRow } from './rows';
import { TABLEAU_10 } from '../../shared/palette';

/** Colours of new classes, in order; later classes cycle through them. */
export const CLASS_PALETTE = TABLEAU_10;

/** Label classes of a project. Changes by a person go through the history (classEdits.ts). */
export class ClassRepo {
  constructor(private readonly db: Db) {}

  list(): ClassRecord[] {
    return (
      this.db
        .prepare(`SELECT ${CLASS_COLUMNS} FROM classes ORDER BY sort_order, id`)
        .all() as ClassRow[]
    ).map(toClass);
  }

  byName(name: string): ClassRecord | undefined {
    const row = this.db.prepare(`SELECT ${CLASS_COLUMNS} FROM classes WHERE name = ?`).get(name) as
      ClassRow | undefined;
    return row && toClass(row);
  }

  /** The id of the class with this name, creating it (next colour, last in order) if needed. */
  ensure(name: string): number {
    const existing = this.byName(name);
    if (existing) return existing.id;
    const { n } = this.db.prepare('SELECT count(*) AS n FROM classes').get() as { n: number };
    const info = this.db
      .prepare('INSERT INTO classes (name, color, sort_order) VALUES (?, ?, ?)')
      .run(name, CLASS_PALETTE[n % CLASS_PALETTE.length]!, n);
    return Number(info.lastInsertRowid);
  }

  get(id: number): ClassRecord | undefined {
    const row = this.db.prepare(`SELECT ${CLASS_COLUMNS} FROM classes WHERE id = ?`).get(id) as
      ClassRow | undefined;
    return row && toClass(row);
  }

  /** Classes in order with how many boxes (not rejected) each holds, for the class list. */
  listWithCounts(): ClassListItem[] {
    const counts = new Map(
      (
        this.db
          .prepare(
            "SELECT class_id AS id, count(*) AS n FROM annotations WHERE review <> 'rejected' GROUP BY class_id",
          )
          .all() as { id: number; n: number }[]
      ).map((r) => [r.id, r.n]),
    );
    return this.list().map((c) => ({ ...c, boxCount: counts.get(c.id) ?? 0 }));
  }
}
