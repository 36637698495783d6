import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS, SCHEMA_VERSION } from '../../../src/core/db/migrations';
import { ProjectDb } from '../../../src/core/db/projectDb';
import { generatedDir } from '../../helpers/paths';

// A project file written by the first schema opens in this one: rows and ids kept, states
// derived by the rule, and ids the old history remembers are never handed out again.

describe('migration 2 (AUTOINCREMENT ids, derived image states, history kinds)', () => {
  it('upgrades a schema-1 project file in place', async () => {
    const dir = path.join(generatedDir, 'migration2');
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    const file = path.join(dir, 'old.shotbox');
    const old = new Database(file);
    old.exec(MIGRATIONS[0]!);
    old.pragma('user_version = 1');
    const t = '2026-01-01T00:00:00.000Z';
    old.prepare("INSERT INTO project VALUES (1, '.', '{}', ?)").run(t);
    const image = old.prepare(
      "INSERT INTO images (id, path, sha256, bytes, mtime_ms, width, height, format, status, added_at) VALUES (?, ?, 'h', 1, 1, 100, 100, 'jpeg', ?, ?)",
    );
    image.run(1, 'never.jpg', 'unreviewed', t);
    image.run(2, 'found-nothing.jpg', 'unreviewed', t);
    image.run(3, 'pending.jpg', 'reviewed', t); // the old bug: reviewed while holding a pending box
    image.run(4, 'imported.jpg', 'unreviewed', t); // the old bug: imported labels left 'unreviewed'
    old.prepare("INSERT INTO classes VALUES (1, 'face', '#4e79a7', 0)").run();
    old.prepare("INSERT INTO models VALUES (1, 'm', 'sha', '{}')").run();
    old.prepare("INSERT INTO detection_runs VALUES (1, 1, '{}', 'done', ?, ?)").run(t, t);
    old.prepare('INSERT INTO run_images VALUES (1, 2, 0), (1, 3, 1)').run();
    const box = old.prepare(
      'INSERT INTO annotations (id, image_id, class_id, x1, y1, x2, y2, origin, model_id, run_id, score, review, created_at, updated_at) VALUES (?, ?, 1, 0, 0, 10, 10, ?, ?, ?, ?, ?, ?, ?)',
    );
    box.run(5, 3, 'model', 1, 1, 0.9, 'pending', t, t);
    box.run(6, 4, 'imported', null, null, null, 'accepted', t, t);
    // The history remembers a deleted box with a higher id than any left.
    old
      .prepare(
        "INSERT INTO edits (batch, label, annotation_id, before, after, at) VALUES (1, 'delete box', 9, '{}', NULL, ?)",
      )
      .run(t);
    old.close();

    const project = ProjectDb.open(file);
    try {
      expect(Object.fromEntries(project.images.all().map((i) => [i.path, i.status]))).toEqual({
        'never.jpg': 'unreviewed',
        'found-nothing.jpg': 'nothing-found',
        'pending.jpg': 'predicted',
        'imported.jpg': 'reviewed',
      });
      expect(project.annotations.get(5)).toMatchObject({ review: 'pending', score: 0.9 });
      const next = project.history.create({
        imageId: 1,
        classId: 1,
        x1: 0,
        y1: 0,
        x2: 5,
        y2: 5,
        origin: 'manual',
        review: 'accepted',
      });
      expect(next.id).toBeGreaterThan(9);
      expect(project.integrityCheck()).toBe('ok');
      expect(project.foreignKeyViolations()).toBe(0);
    } finally {
      project.close();
    }
    const check = new Database(file, { readonly: true });
    expect(check.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    check.close();
  });
});
