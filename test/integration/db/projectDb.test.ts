import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProjectDb } from '../../../src/core/db/projectDb';
import { SCHEMA_VERSION } from '../../../src/core/db/migrations';
import { createClass, deleteClass, mergeClasses } from '../../../src/core/project/classEdits';
import { markReviewed } from '../../../src/core/project/imageReview';
import { recordPredictions } from '../../../src/core/project/storePredictions';
import { generatedDir } from '../../helpers/paths';

// A real SQLite file per test; every test ends with PRAGMA integrity_check.
describe('project database', () => {
  const dir = path.join(generatedDir, 'db');
  const file = path.join(dir, 'p.shotbox');
  let project: ProjectDb;

  beforeEach(async () => {
    await rm(dir, { recursive: true, force: true });
    await mkdir(path.join(dir, 'images'), { recursive: true });
    project = ProjectDb.create(file, path.join(dir, 'images'));
  });
  afterEach(() => {
    if (project) {
      const reopened = ProjectDb.open(file);
      expect(reopened.integrityCheck()).toBe('ok');
      expect(reopened.foreignKeyViolations()).toBe(0);
      reopened.close();
      project.close();
    }
  });

  const addImage = (name: string, sha = name): number =>
    project.images.insert({
      path: name,
      sha256: sha,
      bytes: 10,
      mtimeMs: 1,
      width: 640,
      height: 480,
      format: 'jpeg',
    });

  it('stores the image root relative to the project file, so the folder can move', () => {
    expect(project.imageRoot).toBe(path.join(dir, 'images'));
    expect(project.imagePath('sub/a.jpg')).toBe(path.join(dir, 'images', 'sub', 'a.jpg'));
    project.setImageRoot('/elsewhere/photos');
    expect(project.imageRoot).toBe('/elsewhere/photos');
  });

  it('undo and redo survive closing and reopening the project', () => {
    const img = addImage('a.jpg');
    const face = project.classes.ensure('face');
    const cat = project.classes.ensure('cat');
    const a = project.history.create({
      imageId: img,
      classId: face,
      x1: 1,
      y1: 2,
      x2: 30,
      y2: 40,
      origin: 'manual',
      review: 'accepted',
    });
    project.history.update(a.id, { classId: cat }, 'relabel');
    project.close();

    project = ProjectDb.open(file);
    expect(project.history.undo().step?.label).toBe('relabel');
    expect(project.annotations.get(a.id)?.classId).toBe(face);
    expect(project.history.undo().step?.label).toBe('add box');
    expect(project.annotations.get(a.id)).toBeUndefined();
    expect(project.history.undo()).toEqual({});
    project.close();

    project = ProjectDb.open(file);
    expect(project.history.redo().step?.label).toBe('add box');
    expect(project.annotations.get(a.id)).toMatchObject({ classId: face, x1: 1, x2: 30 });
    expect(project.history.redo().step?.label).toBe('relabel');
    expect(project.annotations.get(a.id)?.classId).toBe(cat);
    expect(project.history.canRedo()).toBe(false);
  });

  it('a new edit after undo discards the redo stack', () => {
    const img = addImage('a.jpg');
    const face = project.classes.ensure('face');
    const a = project.history.create({
      imageId: img,
      classId: face,
      x1: 0,
      y1: 0,
      x2: 10,
      y2: 10,
      origin: 'manual',
      review: 'accepted',
    });
    project.history.update(a.id, { box: { x1: 0, y1: 0, x2: 20, y2: 20 } });
    project.history.undo();
    project.history.update(a.id, { box: { x1: 5, y1: 5, x2: 15, y2: 15 } }, 'move');
    expect(project.history.canRedo()).toBe(false);
    expect(project.history.undo().step?.label).toBe('move');
    expect(project.annotations.get(a.id)).toMatchObject({ x1: 0, x2: 10 });
  });

  it('editing a model box marks it edited; one step covers several boxes', () => {
    const img = addImage('a.jpg');
    const face = project.classes.ensure('face');
    const model = project.runs.ensureModel('m', 'abc', {});
    const run = project.runs.create(model, '{}');
    recordPredictions(project, { imageId: img, modelId: model, runId: run }, [
      { classId: face, x1: 0, y1: 0, x2: 10, y2: 10, score: 0.9 },
      { classId: face, x1: 20, y1: 20, x2: 40, y2: 40, score: 0.8 },
    ]);
    const [p1, p2] = project.annotations.ofImage(img);
    expect(project.history.update(p1!.id, { box: { x1: 1, y1: 1, x2: 11, y2: 11 } }).review).toBe(
      'edited',
    );
    project.history.updateMany([p1!.id, p2!.id], () => ({ review: 'accepted' }), 'accept all');
    expect(project.annotations.ofImage(img).map((a) => a.review)).toEqual(['accepted', 'accepted']);
    project.history.undo();
    expect(project.annotations.ofImage(img).map((a) => a.review)).toEqual(['edited', 'pending']);
  });

  it('new predictions replace only pending boxes of the same model', () => {
    const img = addImage('a.jpg');
    const face = project.classes.ensure('face');
    const m1 = project.runs.ensureModel('m1', 'a', {});
    const m2 = project.runs.ensureModel('m2', 'b', {});
    const r1 = project.runs.create(m1, '{}');
    const box = (
      x: number,
      score = 0.5,
    ): { classId: number; x1: number; y1: number; x2: number; y2: number; score: number } => ({
      classId: face,
      x1: x,
      y1: 0,
      x2: x + 10,
      y2: 10,
      score,
    });
    recordPredictions(project, { imageId: img, modelId: m1, runId: r1 }, [
      box(0),
      box(20),
      box(40),
      box(60),
    ]);
    recordPredictions(
      project,
      { imageId: img, modelId: m2, runId: project.runs.create(m2, '{}') },
      [box(80)],
    );
    const [accept, edit, reject] = project.annotations.ofImage(img);
    project.history.update(accept!.id, { review: 'accepted' });
    project.history.update(edit!.id, { box: { x1: 1, y1: 1, x2: 9, y2: 9 } });
    project.history.update(reject!.id, { review: 'rejected' });
    project.history.create({
      imageId: img,
      classId: face,
      x1: 100,
      y1: 100,
      x2: 120,
      y2: 120,
      origin: 'manual',
      review: 'accepted',
    });

    const replaced = recordPredictions(
      project,
      { imageId: img, modelId: m1, runId: project.runs.create(m1, '{}') },
      [box(200, 0.99)],
    ).replaced;
    expect(replaced).toBe(1); // only the fourth, still pending, m1 box
    const after = project.annotations.ofImage(img);
    expect(after.map((a) => [a.origin, a.review, a.x1])).toEqual([
      ['model', 'accepted', 0],
      ['model', 'edited', 1],
      ['model', 'rejected', 40],
      ['model', 'pending', 80], // the other model's box
      ['manual', 'accepted', 100],
      ['model', 'pending', 200],
    ]);
  });

  it('undo after a class merge restores the class and its boxes (was a FOREIGN KEY failure)', () => {
    const img = addImage('a.jpg');
    const face = project.classes.ensure('face');
    const cat = project.classes.ensure('cat');
    const box = {
      x1: 1,
      y1: 1,
      x2: 9,
      y2: 9,
      origin: 'manual' as const,
      review: 'accepted' as const,
    };
    const a = project.history.create({ imageId: img, classId: face, ...box });
    const b = project.history.create({ imageId: img, classId: cat, ...box });
    mergeClasses(project, cat, face);
    expect(project.classes.list().map((c) => c.name)).toEqual(['face']);
    expect(project.history.undo().step?.label).toBe('merge cat into face');
    expect(project.classes.list().map((c) => c.name)).toEqual(['face', 'cat']);
    expect(project.annotations.get(b.id)?.classId).toBe(cat);
    expect(project.history.undo().step?.label).toBe('add box');
    expect(project.history.undo().step?.label).toBe('add box');
    expect(project.annotations.get(a.id)).toBeUndefined();
  });

  it('ids are never reused, so an undo can only restore the row that was there', () => {
    const img = addImage('a.jpg');
    const face = project.classes.ensure('face');
    const box = {
      x1: 1,
      y1: 1,
      x2: 9,
      y2: 9,
      origin: 'manual' as const,
      review: 'accepted' as const,
    };
    const a = project.history.create({ imageId: img, classId: face, ...box });
    project.history.remove([a.id]);
    const b = project.history.create({ imageId: img, classId: face, ...box });
    expect(b.id).toBeGreaterThan(a.id);
    const c = createClass(project, 'cat');
    deleteClass(project, c.id);
    expect(createClass(project, 'dog').id).toBeGreaterThan(c.id);
  });

  it('a step that can no longer apply is reported and skipped; the stack goes on', () => {
    const img = addImage('a.jpg');
    const face = project.classes.ensure('face');
    const box = {
      x1: 1,
      y1: 1,
      x2: 9,
      y2: 9,
      origin: 'manual' as const,
      review: 'accepted' as const,
    };
    project.history.create({ imageId: img, classId: face, ...box }, 'first');
    const second = project.history.create({ imageId: img, classId: face, ...box }, 'second');
    // Something outside the history changes the box (another tool writing the file).
    const other = new Database(file);
    other.prepare('UPDATE annotations SET x2 = 50 WHERE id = ?').run(second.id);
    other.close();
    const outcome = project.history.undo();
    expect(outcome.step).toBeUndefined();
    expect(outcome.skipped).toMatchObject({ label: 'second' });
    expect(outcome.skipped?.reason).toMatch(/annotation \d+ was changed since/);
    expect(project.annotations.get(second.id)?.x2).toBe(50); // nothing overwritten
    expect(project.history.undo().step?.label).toBe('first');
    expect(project.history.canUndo()).toBe(false);
  });

  it('image states follow the rule after every change, undo included', () => {
    const img = addImage('a.jpg');
    const face = project.classes.ensure('face');
    const model = project.runs.ensureModel('m', 'abc', {});
    const status = (): string => project.images.get(img)!.status;
    expect(status()).toBe('unreviewed');
    recordPredictions(
      project,
      { imageId: img, modelId: model, runId: project.runs.create(model, '{}') },
      [],
    );
    expect(status()).toBe('nothing-found');
    recordPredictions(
      project,
      { imageId: img, modelId: model, runId: project.runs.create(model, '{}') },
      [
        { classId: face, x1: 0, y1: 0, x2: 10, y2: 10, score: 0.9 },
        { classId: face, x1: 20, y1: 20, x2: 40, y2: 40, score: 0.2 },
      ],
    );
    expect(status()).toBe('predicted');
    const [first] = project.annotations.ofImage(img);
    project.history.update(first!.id, { review: 'accepted' });
    expect(status()).toBe('predicted'); // one still pending
    expect(markReviewed(project, img)).toBe(1);
    expect(status()).toBe('reviewed');
    expect(project.annotations.ofImage(img).map((a) => a.review)).toEqual(['accepted', 'rejected']);
    project.history.undo();
    expect(status()).toBe('predicted');
    project.history.undo();
    project.history.undo();
    expect(status()).toBe('nothing-found');
    project.history.undo();
    expect(status()).toBe('unreviewed');
  });

  it('filters and pages images with their annotation counts', () => {
    const face = project.classes.ensure('face');
    for (let i = 0; i < 30; i++) {
      const id = addImage(`img-${String(i).padStart(2, '0')}.jpg`);
      for (let k = 0; k < i % 3; k++) {
        project.annotations.insert({
          imageId: id,
          classId: face,
          x1: k,
          y1: 0,
          x2: k + 5,
          y2: 5,
          origin: 'imported',
          review: k === 0 ? 'pending' : 'accepted',
        });
      }
    }
    const page = project.images.list({ annotationReview: 'pending', limit: 5, offset: 5 });
    // Images with a pending box: i % 3 ≠ 0 (01, 02, 04, 05, 07, 08, 10, …); the second page of 5.
    expect(page.map((p) => p.path)).toEqual([
      'img-08.jpg',
      'img-10.jpg',
      'img-11.jpg',
      'img-13.jpg',
      'img-14.jpg',
    ]);
    expect(page.map((p) => [p.annotationCount, p.pendingCount])).toEqual([
      [2, 1],
      [1, 1],
      [2, 1],
      [1, 1],
      [2, 1],
    ]);
    expect(project.images.count({ annotationReview: 'pending' })).toBe(20);
    expect(project.images.list({ search: 'img-2_' }).map((p) => p.path)).toEqual([]); // '_' is literal
    expect(project.images.count({ search: 'IMG-2' })).toBe(10);
  });

  it('finishes a project whose creation was killed before its project row was written', async () => {
    const half = path.join(dir, 'half.shotbox');
    await writeFile(half, ''); // killed right after the file appeared
    const { project: p, created } = ProjectDb.openOrCreate(half, path.join(dir, 'images'));
    expect(created).toBe(true);
    expect(p.imageRoot).toBe(path.join(dir, 'images'));
    p.close();
    expect(ProjectDb.open(half).integrityCheck()).toBe('ok');
  });

  it('refuses a file that is not a project, and one from a newer Shotbox', async () => {
    const other = path.join(dir, 'other.sqlite');
    const raw = new Database(other);
    raw.exec('CREATE TABLE notes (t TEXT)');
    raw.close();
    expect(() => ProjectDb.open(other)).toThrow(/SQLite database but not a Shotbox project/);

    const text = path.join(dir, 'text.shotbox');
    await writeFile(text, 'hello, I am not a database at all, just some text that is long enough');
    expect(() => ProjectDb.open(text)).toThrow(/not a Shotbox project|not an SQLite database/);

    project.close();
    const newer = new Database(file);
    newer.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    newer.close();
    expect(() => ProjectDb.open(file)).toThrow(/newer Shotbox/);
    const fix = new Database(file);
    fix.pragma(`user_version = ${SCHEMA_VERSION}`);
    fix.close();
    project = ProjectDb.open(file);

    expect(() => ProjectDb.open(path.join(dir, 'missing.shotbox'))).toThrow(/does not exist/);
    expect(() => ProjectDb.create(file, dir)).toThrow(/already exists/);
  });
});
