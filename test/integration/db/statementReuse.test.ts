import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../../src/core/db/openDatabase';
import { generatedDir } from '../../helpers/paths';

const dir = path.join(generatedDir, 'statement-reuse');

describe('prepared statements of a project connection', () => {
  let db: Db;
  beforeAll(async () => {
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    db = openDatabase(path.join(dir, 'p.shotbox'), { create: true });
    db.prepare('CREATE TABLE t (a INTEGER, b TEXT)').run();
    db.prepare('INSERT INTO t VALUES (?, ?)').run(1, 'one');
  });
  afterAll(() => db?.close());

  it('are prepared once per SQL text and reused', () => {
    const sql = 'SELECT a, b FROM t WHERE a = ?';
    expect(db.prepare(sql)).toBe(db.prepare(sql));
    expect(db.prepare(sql)).not.toBe(db.prepare('SELECT b FROM t'));
  });

  it('come back in their default mode, whatever the last caller set', () => {
    const sql = 'SELECT a, b FROM t WHERE a = ?';
    expect(db.prepare(sql).pluck().get(1)).toBe(1);
    expect(db.prepare(sql).get(1)).toEqual({ a: 1, b: 'one' });
    expect(db.prepare(sql).raw().get(1)).toEqual([1, 'one']);
    expect(db.prepare(sql).get(1)).toEqual({ a: 1, b: 'one' });
    expect(db.prepare(sql).expand().get(1)).toEqual({ t: { a: 1, b: 'one' } });
    expect(db.prepare(sql).all(1)).toEqual([{ a: 1, b: 'one' }]);
  });

  it('see rows written after they were first prepared', () => {
    const count = 'SELECT count(*) AS n FROM t';
    const before = (db.prepare(count).get() as { n: number }).n;
    db.prepare('INSERT INTO t VALUES (?, ?)').run(2, 'two');
    expect((db.prepare(count).get() as { n: number }).n).toBe(before + 1);
  });
});
