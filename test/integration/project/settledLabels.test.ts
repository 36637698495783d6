import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProjectDb } from '../../../src/core/db/projectDb';
import { markReviewed } from '../../../src/core/project/imageReview';
import { settledLabels } from '../../../src/core/project/settledLabels';
import { generatedDir } from '../../helpers/paths';

// A real SQLite file: which images and boxes evaluation may treat as ground truth (DESIGN §6).
describe('settled labels', () => {
  const dir = path.join(generatedDir, 'settled');
  const file = path.join(dir, 'p.shotbox');
  let project: ProjectDb;

  beforeEach(async () => {
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    project = ProjectDb.create(file, dir);
  });
  afterEach(() => project.close());

  const addImage = (name: string): number =>
    project.images.insert({
      path: name,
      sha256: name,
      bytes: 1,
      mtimeMs: 1,
      width: 640,
      height: 480,
      format: 'jpeg',
    });
  const box = { x1: 10, y1: 10, x2: 50, y2: 60 };

  it('reviewed images and images with imported labels; only boxes a person confirmed', () => {
    const face = project.classes.ensure('face');
    const modelId = project.runs.ensureModel('m', 'sha', {});
    const imported = addImage('a-imported.jpg');
    const reviewed = addImage('b-reviewed.jpg');
    const predicted = addImage('c-predicted.jpg');
    const emptyReviewed = addImage('d-reviewed-empty.jpg');
    addImage('e-untouched.jpg');
    project.annotations.insert({
      imageId: imported,
      classId: face,
      ...box,
      origin: 'imported',
      review: 'accepted',
    });
    project.annotations.insert({
      imageId: reviewed,
      classId: face,
      ...box,
      origin: 'manual',
      review: 'accepted',
    });
    project.annotations.insert({
      imageId: reviewed,
      classId: face,
      ...box,
      x1: 100,
      x2: 140,
      origin: 'model',
      modelId,
      review: 'edited',
      score: 0.8,
    });
    project.annotations.insert({
      imageId: reviewed,
      classId: face,
      ...box,
      x1: 200,
      x2: 240,
      origin: 'model',
      modelId,
      review: 'rejected',
      score: 0.7,
    });
    project.annotations.insert({
      imageId: reviewed,
      classId: face,
      ...box,
      x1: 300,
      x2: 340,
      origin: 'model',
      modelId,
      review: 'pending',
      score: 0.6,
    });
    project.annotations.insert({
      imageId: predicted,
      classId: face,
      ...box,
      origin: 'model',
      modelId,
      review: 'pending',
      score: 0.9,
    });
    // Mark reviewed rejects the box still pending there; the predicted image stays open.
    markReviewed(project, reviewed);
    markReviewed(project, emptyReviewed);

    const { classes, images } = settledLabels(project);
    expect(classes.map((c) => c.name)).toEqual(['face']);
    expect(images.map((i) => i.image.path)).toEqual([
      'a-imported.jpg',
      'b-reviewed.jpg',
      'd-reviewed-empty.jpg',
    ]);
    // Accepted and edited boxes are labels; rejected and pending ones are not.
    expect(images[1]!.boxes.map((b) => b.x1).sort((a, b) => a - b)).toEqual([10, 100]);
    // A reviewed image without boxes is a negative: it is kept, with no labels.
    expect(images[2]!.boxes).toEqual([]);
  });
});
