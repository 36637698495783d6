import { cp, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProjectDb } from '../../../src/core/db/projectDb';
import { detectFiles } from '../../../src/core/detector/batch';
import { Detector } from '../../../src/core/detector/detector';
import { resolveModel } from '../../../src/core/models/registry';
import { makeMixedFolder, type MixedFolder } from '../../helpers/badImages';
import { iou } from '../../helpers/boxes';
import { runShotbox } from '../../helpers/cli';
import { demoPhotos, generatedDir, raccoonDir } from '../../helpers/paths';

/**
 * The criterion a batch path must meet against the exact path (`Detector.detectFile`: decode,
 * preprocess and inference on one thread, what the face-api parity tests use): every exact
 * detection with score ≥ 0.3 has a batch twin of the same class with IoU ≥ 0.95 and
 * |Δscore| ≤ 0.02, and every batch detection ≥ 0.3 has such an exact twin. Twins are looked for
 * down to 0.28, so a score that moves across 0.3 within the tolerance is not a miss.
 */
const REPORTED = 0.3;
const TOLERANCE = 0.02;
const MIN_IOU = 0.95;

interface Det {
  box: readonly number[];
  score: number;
  classIndex: number;
}

/** Detections of `a` (≥ REPORTED) without a twin in `b`, described for the failure message. */
function withoutTwin(a: readonly Det[], b: readonly Det[]): string[] {
  return a
    .filter((d) => d.score >= REPORTED)
    .filter(
      (d) =>
        !b.some(
          (e) =>
            e.classIndex === d.classIndex &&
            iou(e.box, d.box) >= MIN_IOU &&
            Math.abs(e.score - d.score) <= TOLERANCE,
        ),
    )
    .map((d) => `${d.box.map(Math.round).join(',')} @ ${d.score.toFixed(3)}`);
}

const work = path.join(generatedDir, 'batch-agreement');
const raccoonImages = path.join(raccoonDir, 'images');
/** Colour photos of several sizes, the grey ones and an EXIF-oriented one of the raccoon set. */
const raccoonPicks = ['raccoon-1.jpg', 'raccoon-12.jpg', 'raccoon-150.jpg', 'raccoon-161.jpg'];

describe('batch detection (images prepared in a worker thread) agrees with the exact path', () => {
  let detector: Detector;
  let mixed: MixedFolder;
  let files: string[];

  beforeAll(async () => {
    await rm(work, { recursive: true, force: true });
    mixed = await makeMixedFolder(path.join(work, 'mixed'));
    const extra = path.join(work, 'extra');
    await mkdir(extra, { recursive: true });
    const grey = path.join(extra, 'grey.jpg');
    await sharp(demoPhotos[2]!).greyscale().jpeg({ quality: 92 }).toFile(grey);
    const png = path.join(extra, 'photo.png');
    await sharp(demoPhotos[3]!).resize(900).png().toFile(png);
    files = [
      ...mixed.valid,
      ...mixed.bad.map((b) => b.file),
      grey,
      png,
      ...raccoonPicks.map((f) => path.join(raccoonImages, f)),
    ];
    detector = await Detector.load(resolveModel('ssd-mobilenetv1-face'), { providers: ['cpu'] });
  });
  afterAll(async () => {
    await detector?.dispose();
  });

  it('same detections on face photos, CMYK, 16-bit PNG with alpha, EXIF-rotated, grey, PNG and raccoon photos; bad files reported by name', async () => {
    const options = { scoreThreshold: REPORTED - TOLERANCE };
    const seen: string[] = [];
    let faces = 0;
    for await (const item of detectFiles(detector, files, options)) {
      seen.push(item.file);
      const bad = mixed.bad.find((b) => b.file === item.file);
      if (bad) {
        expect(item.ok, item.file).toBe(false);
        if (!item.ok) expect(item.reason).toMatch(bad.reason);
        continue;
      }
      expect(item.ok, item.file).toBe(true);
      if (!item.ok) continue;
      const exact = await detector.detectFile(item.file, options);
      expect([item.result.width, item.result.height]).toEqual([exact.width, exact.height]);
      expect(withoutTwin(exact.detections, item.result.detections), `${item.file}: exact`).toEqual(
        [],
      );
      expect(withoutTwin(item.result.detections, exact.detections), `${item.file}: batch`).toEqual(
        [],
      );
      faces += item.result.detections.filter((d) => d.score >= 0.5).length;
    }
    // In order, one item per file; and the photos do hold faces (a batch finding nothing
    // anywhere would agree trivially).
    expect(seen).toEqual(files);
    expect(faces).toBeGreaterThan(20);
  });
});

describe('shotbox detect --project stores what the exact path finds', () => {
  const images = path.join(work, 'project-images');
  const projectFile = path.join(work, 'agreement.shotbox');

  beforeAll(async () => {
    await rm(images, { recursive: true, force: true });
    await mkdir(images, { recursive: true });
    for (const p of demoPhotos) await cp(p, path.join(images, path.basename(p)));
    for (const f of raccoonPicks) await cp(path.join(raccoonImages, f), path.join(images, f));
  });

  it('per image, the pending boxes are the exact-path detections at the model threshold (count and positions)', async () => {
    const run = await runShotbox(['detect', images, '--project', projectFile, '--quiet']);
    expect(run.code, run.stderr).toBe(0);
    const detector = await Detector.load(resolveModel('ssd-mobilenetv1-face'), {
      providers: ['cpu'],
    });
    const project = ProjectDb.open(projectFile);
    try {
      const threshold = detector.manifest.postprocess.scoreThreshold;
      const all = project.images.all();
      expect(all).toHaveLength(demoPhotos.length + raccoonPicks.length);
      let stored = 0;
      for (const image of all) {
        const boxes: Det[] = project.annotations.ofImage(image.id).map((a) => ({
          box: [a.x1, a.y1, a.x2, a.y2],
          score: a.score ?? NaN,
          classIndex: 0,
        }));
        stored += boxes.length;
        // Exact detections a little below the threshold too, so a score at the border is a twin.
        const exact = (
          await detector.detectFile(project.imagePath(image.path), {
            scoreThreshold: threshold - TOLERANCE,
          })
        ).detections;
        const clear = exact.filter((d) => d.score >= threshold + TOLERANCE);
        expect(withoutTwin(clear, boxes), `${image.path}: exact, not stored`).toEqual([]);
        expect(withoutTwin(boxes, exact), `${image.path}: stored, not exact`).toEqual([]);
      }
      expect(stored).toBeGreaterThanOrEqual(18); // face-api counts 3–5 faces in each demo photo
    } finally {
      project.close();
      await detector.dispose();
    }
  });
});
