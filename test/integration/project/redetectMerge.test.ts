import { cp, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProjectDb } from '../../../src/core/db/projectDb';
import { Detector } from '../../../src/core/detector/detector';
import { resolveModel } from '../../../src/core/models/registry';
import { detectIntoProject } from '../../../src/core/project/detectIntoProject';
import { importFolder } from '../../../src/core/project/importFolder';
import { DECIDED_OVERLAP_IOU } from '../../../src/core/project/storePredictions';
import type { AnnotationRecord } from '../../../src/shared/project/types';
import { demoPhotos, generatedDir } from '../../helpers/paths';

// Issue 7 acceptance: face photos, detect, accept half of the boxes and reject the rest, detect
// again at another threshold: no pending prediction overlaps a decided box of its class at
// IoU ≥ 0.7, and no rejected one is back. Real model, real photos, real project file.

function iou(a: AnnotationRecord, b: AnnotationRecord): number {
  const iw = Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1);
  const ih = Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1);
  if (iw <= 0 || ih <= 0) return 0;
  const inter = iw * ih;
  return inter / ((a.x2 - a.x1) * (a.y2 - a.y1) + (b.x2 - b.x1) * (b.y2 - b.y1) - inter);
}

describe('re-detection merges with what a person decided', () => {
  const work = path.join(generatedDir, 'redetect-merge');
  let project: ProjectDb;
  let detector: Detector;

  beforeAll(async () => {
    await rm(work, { recursive: true, force: true });
    await mkdir(path.join(work, 'images'), { recursive: true });
    for (const p of demoPhotos) await cp(p, path.join(work, 'images', path.basename(p)));
    project = ProjectDb.create(path.join(work, 'faces.shotbox'), path.join(work, 'images'));
    await importFolder(project, path.join(work, 'images'));
    detector = await Detector.load(resolveModel(), { providers: ['cpu'] });
  });
  afterAll(async () => {
    await detector?.dispose();
    if (project) {
      expect(project.integrityCheck()).toBe('ok');
      expect(project.foreignKeyViolations()).toBe(0);
      project.close();
    }
  });

  const all = (): AnnotationRecord[] =>
    project.images.all().flatMap((i) => project.annotations.ofImage(i.id));

  it('never duplicates a decided box and never brings back a rejected one', async () => {
    const first = await detectIntoProject(project, detector, { scoreThreshold: 0.5 });
    expect(first.detections).toBeGreaterThanOrEqual(12);
    expect(project.images.all().every((i) => i.status === 'predicted')).toBe(true);

    // Accept every other box, reject the rest: every image is then reviewed.
    const boxes = all();
    const accepted = boxes.filter((_, i) => i % 2 === 0).map((a) => a.id);
    const rejected = boxes.filter((_, i) => i % 2 === 1).map((a) => a.id);
    project.history.updateMany(accepted, () => ({ review: 'accepted' }), 'accept');
    project.history.updateMany(rejected, () => ({ review: 'rejected' }), 'reject');
    expect(new Set(project.images.all().map((i) => i.status))).toEqual(new Set(['reviewed']));

    // By default reviewed images are left alone.
    const skipped = await detectIntoProject(project, detector, { scoreThreshold: 0.3 });
    expect(skipped).toMatchObject({ processed: 0, skippedReviewed: demoPhotos.length });
    expect(all()).toHaveLength(boxes.length);

    // With them included, at another threshold: the same faces come out again and are merged away.
    const again = await detectIntoProject(project, detector, {
      scoreThreshold: 0.3,
      includeReviewed: true,
    });
    expect(again.processed).toBe(demoPhotos.length);
    expect(again.merged).toBeGreaterThanOrEqual(boxes.length);

    const after = all();
    const decided = after.filter((a) => a.review !== 'pending');
    const pending = after.filter((a) => a.review === 'pending');
    for (const p of pending) {
      for (const d of decided.filter((x) => x.imageId === p.imageId && x.classId === p.classId))
        expect(iou(p, d)).toBeLessThan(DECIDED_OVERLAP_IOU);
    }
    // Every rejected box is still rejected, and nothing else came back in its place.
    for (const id of rejected) expect(project.annotations.get(id)?.review).toBe('rejected');
    for (const id of accepted) expect(project.annotations.get(id)?.review).toBe('accepted');
    // Images whose every new guess merged away stay reviewed; the others hold pending boxes.
    for (const image of project.images.all()) {
      const open = pending.some((p) => p.imageId === image.id);
      expect(image.status).toBe(open ? 'predicted' : 'reviewed');
    }
  });

  it('undoing the re-detection takes its boxes away again', async () => {
    const before = all().length;
    const run = await detectIntoProject(project, detector, {
      scoreThreshold: 0.05,
      includeReviewed: true,
    });
    expect(all().length).toBeGreaterThan(before - run.replaced);
    const step = project.history.undo().step;
    // One step for the whole run (images where nothing changed record nothing).
    expect(step?.label).toMatch(/^detect \d+ images?$/);
    const pendingLeft = all().filter((a) => a.review === 'pending' && a.runId === run.runId);
    expect(pendingLeft).toHaveLength(0);
  });
});
