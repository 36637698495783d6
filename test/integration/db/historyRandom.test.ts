import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../src/core/bench/seededRandom';
import { ProjectDb } from '../../../src/core/db/projectDb';
import {
  createClass,
  deleteClass,
  mergeClasses,
  recolorClass,
  renameClass,
} from '../../../src/core/project/classEdits';
import { markReviewed, reopenImage } from '../../../src/core/project/imageReview';
import { recordPredictions } from '../../../src/core/project/storePredictions';
import type { AnnotationRecord } from '../../../src/shared/project/types';
import { generatedDir } from '../../helpers/paths';

// Issue 7 acceptance: long seeded random sequences of edits, class operations (merge and delete
// included), detections (recorded predictions written through detection's own core path), mark
// reviewed, undo and redo, against a real project file. Undoing everything must return the
// starting state exactly, redoing everything the final state; no step may be skipped on the way.

const SEEDS = [1, 2, 3, 4, 5, 6];
const STEPS = 320;
const IMAGES = 8;

/** Every row that matters, as text: annotations, classes, images (state and marks). */
function dump(file: string): string {
  const db = new Database(file, { readonly: true });
  try {
    return JSON.stringify({
      annotations: db.prepare('SELECT * FROM annotations ORDER BY id').all(),
      classes: db.prepare('SELECT * FROM classes ORDER BY id').all(),
      images: db
        .prepare('SELECT id, path, status, reviewed_mark, detected FROM images ORDER BY id')
        .all(),
    });
  } finally {
    db.close();
  }
}

describe('edit history under random sequences', () => {
  for (const seed of SEEDS) {
    it(`seed ${seed}: ${STEPS} steps, undo all returns the start, redo all the end`, async () => {
      const dir = path.join(generatedDir, 'history-random', String(seed));
      await rm(dir, { recursive: true, force: true });
      await mkdir(dir, { recursive: true });
      const file = path.join(dir, 'p.shotbox');
      const project = ProjectDb.create(file, dir);
      const rand = seededRandom(seed);
      const pick = <T>(list: readonly T[]): T | undefined =>
        list.length ? list[Math.floor(rand() * list.length)] : undefined;
      const coord = (): number => Math.round(rand() * 500 * 4) / 4;
      const randomBox = (): { x1: number; y1: number; x2: number; y2: number } => {
        const x1 = coord();
        const y1 = coord();
        return { x1, y1, x2: x1 + 5 + coord() / 4, y2: y1 + 5 + coord() / 4 };
      };

      // The starting state: images, two classes, some imported labels.
      const images: number[] = [];
      for (let i = 0; i < IMAGES; i++) {
        images.push(
          project.images.insert({
            path: `img-${i}.jpg`,
            sha256: `h${i}`,
            bytes: 1,
            mtimeMs: 1,
            width: 800,
            height: 800,
            format: 'jpeg',
          }),
        );
      }
      project.transaction(() => {
        const face = project.classes.ensure('face');
        project.classes.ensure('cat');
        for (const imageId of images.slice(0, 3))
          project.annotations.insert({
            imageId,
            classId: face,
            ...randomBox(),
            origin: 'imported',
            review: 'accepted',
          });
        project.refreshImageStates(images);
      });
      const model = project.runs.ensureModel('m', 'sha', {});
      const start = dump(file);

      const boxes = (): AnnotationRecord[] => images.flatMap((i) => project.annotations.ofImage(i));
      const classIds = (): number[] => project.classes.list().map((c) => c.id);
      let names = 0;
      const counts: Record<string, number> = {};

      for (let step = 0; step < STEPS; step++) {
        const r = rand();
        const all = boxes();
        const classes = classIds();
        let op: string;
        if (r < 0.14 && classes.length > 0) {
          op = 'create';
          project.history.create({
            imageId: pick(images)!,
            classId: pick(classes)!,
            ...randomBox(),
            origin: 'manual',
            review: 'accepted',
          });
        } else if (r < 0.3 && all.length > 0) {
          op = 'update';
          const ids = [...new Set([pick(all)!.id, pick(all)!.id])];
          const kind = rand();
          project.history.updateMany(
            ids,
            () =>
              kind < 0.3
                ? { review: 'accepted' }
                : kind < 0.55
                  ? { review: 'rejected' }
                  : kind < 0.8
                    ? { box: randomBox() }
                    : { classId: pick(classes)! },
            'edit',
          );
        } else if (r < 0.36 && all.length > 0) {
          op = 'delete';
          project.history.remove([pick(all)!.id]);
        } else if (r < 0.5) {
          op = 'detect';
          const imageId = pick(images)!;
          const classId = pick(classes) ?? createClass(project, `c${names++}`).id;
          const own = project.annotations.ofImage(imageId);
          // Half of the guesses repeat a box already there (the merge rule drops decided ones).
          const guesses = Array.from({ length: 1 + Math.floor(rand() * 4) }, () => {
            const copy = rand() < 0.5 ? pick(own) : undefined;
            const b = copy ?? randomBox();
            return {
              classId: copy?.classId ?? classId,
              x1: b.x1,
              y1: b.y1,
              x2: b.x2,
              y2: b.y2,
              score: Math.round(rand() * 1000) / 1000,
            };
          });
          recordPredictions(
            project,
            { imageId, modelId: model, runId: project.runs.create(model, '{}') },
            guesses,
          );
        } else if (r < 0.55) {
          op = 'class add';
          createClass(project, `c${names++}`);
        } else if (r < 0.59 && classes.length > 0) {
          op = 'class rename';
          renameClass(project, pick(classes)!, `n${names++}`);
        } else if (r < 0.62 && classes.length > 0) {
          op = 'class recolour';
          recolorClass(
            project,
            pick(classes)!,
            `#${Math.floor(rand() * 0xffffff)
              .toString(16)
              .padStart(6, '0')}`,
          );
        } else if (r < 0.66 && classes.length > 1) {
          op = 'class merge';
          const [from, into] = [pick(classes)!, pick(classes)!];
          if (from !== into) mergeClasses(project, from, into);
        } else if (r < 0.69 && classes.length > 1) {
          op = 'class delete';
          const id = pick(classes)!;
          const other = classes.find((c) => c !== id)!;
          deleteClass(project, id, rand() < 0.5 ? { reassignTo: other } : {});
        } else if (r < 0.74) {
          op = 'mark reviewed';
          if (rand() < 0.8) markReviewed(project, pick(images)!);
          else reopenImage(project, pick(images)!);
        } else if (r < 0.9) {
          op = 'undo';
          expect(project.history.undo().skipped).toBeUndefined();
        } else {
          op = 'redo';
          expect(project.history.redo().skipped).toBeUndefined();
        }
        counts[op] = (counts[op] ?? 0) + 1;
      }
      const end = dump(file);

      let undone = 0;
      for (;;) {
        const outcome = project.history.undo();
        expect(outcome.skipped).toBeUndefined();
        if (!outcome.step) break;
        undone++;
      }
      expect(dump(file)).toBe(start);
      for (let i = 0; i < undone; i++) expect(project.history.redo().step).toBeDefined();
      expect(dump(file)).toBe(end);

      // The mix really exercised what it claims to.
      for (const op of ['class merge', 'class delete', 'detect', 'mark reviewed', 'undo', 'redo'])
        expect(counts[op] ?? 0, op).toBeGreaterThan(2);
      expect(project.integrityCheck()).toBe('ok');
      expect(project.foreignKeyViolations()).toBe(0);
      project.close();
    });
  }
});
