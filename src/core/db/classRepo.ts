import type { ClassRecord } from '../../shared/project/types';
import type { Db } from './openDatabase';
import { CLASS_COLUMNS, toClass, type ClassRow } from './rows';

/** Distinct colours for the first classes (Tableau 10); later classes cycle through them. */
export const CLASS_PALETTE = [
  '#4e79a7',
  '#f28e2b',
  '#e15759',
  '#76b7b2',
  '#59a14f',
  '#edc948',
  '#b07aa1',
  '#ff9da7',
  '#9c755f',
  '#bab0ac',
];

/** Label classes of a project. */
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

  rename(id: number, name: string): void {
    this.db.prepare('UPDATE classes SET name = ? WHERE id = ?').run(name, id);
  }

  recolor(id: number, color: string): void {
    this.db.prepare('UPDATE classes SET color = ? WHERE id = ?').run(color, id);
  }

  /** Moves every annotation of `fromId` to `intoId` and removes `fromId`. */
  merge(fromId: number, intoId: number): void {
    this.db.transaction(() => {
      this.db.prepare('UPDATE annotations SET class_id = ? WHERE class_id = ?').run(intoId, fromId);
      this.db.prepare('DELETE FROM classes WHERE id = ?').run(fromId);
    })();
  }
}
