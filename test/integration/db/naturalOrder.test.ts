import { copyFile, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { ProjectDb } from '../../../src/core/db/projectDb';
import { MIGRATIONS } from '../../../src/core/db/migrations';
import { importFolder } from '../../../src/core/project/importFolder';
import { demoPhotos, generatedDir } from '../../helpers/paths';

const work = path.join(generatedDir, 'natural-order');
const names = [
  'raccoon-10.jpg',
  'raccoon-2.jpg',
  'raccoon-1.jpg',
  'Raccoon-3.jpg',
  'raccoon-100.jpg',
];
const natural = [
  'raccoon-1.jpg',
  'raccoon-2.jpg',
  'Raccoon-3.jpg',
  'raccoon-10.jpg',
  'raccoon-100.jpg',
];

describe('image lists in natural order, paged from SQLite', () => {
  beforeAll(async () => {
    await rm(work, { recursive: true, force: true });
    await mkdir(path.join(work, 'images'), { recursive: true });
    for (const [i, name] of names.entries())
      await copyFile(demoPhotos[i]!, path.join(work, 'images', name));
  });

  it('lists raccoon-2 before raccoon-10, in every page and with a status filter', async () => {
    const project = ProjectDb.create(path.join(work, 'new.shotbox'), path.join(work, 'images'));
    try {
      await importFolder(project, path.join(work, 'images'));
      expect(project.images.list({ limit: 100 }).map((i) => i.path)).toEqual(natural);
      const pages = [0, 2, 4].flatMap((offset) =>
        project.images.list({ limit: 2, offset }).map((i) => i.path),
      );
      expect(pages).toEqual(natural);
      expect(project.images.list({ status: 'unreviewed' }).map((i) => i.path)).toEqual(natural);
      expect(project.images.all().map((i) => i.path)).toEqual(natural);
    } finally {
      project.close();
    }
  });

  it('gives a project made before the sort key the same order when it is opened', async () => {
    const file = path.join(work, 'old.shotbox');
    // A schema-1 file as the previous release wrote it.
    const old = new Database(file);
    old.exec(MIGRATIONS[0]!);
    old.pragma('user_version = 1');
    old
      .prepare('INSERT INTO project (id, image_root, created_at) VALUES (1, ?, ?)')
      .run(path.join(work, 'images'), new Date().toISOString());
    const insert = old.prepare(
      `INSERT INTO images (path, sha256, bytes, mtime_ms, width, height, format, added_at)
       VALUES (?, 'x', 1, 1, 10, 10, 'jpeg', ?)`,
    );
    for (const name of names) insert.run(name, new Date().toISOString());
    old.close();

    const project = ProjectDb.open(file);
    try {
      expect(project.images.list({ limit: 100 }).map((i) => i.path)).toEqual(natural);
    } finally {
      project.close();
    }
  });
});
