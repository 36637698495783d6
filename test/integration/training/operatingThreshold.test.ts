import { copyFile, mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Detector } from '../../../src/core/detector/detector';
import { readManifest, resolveModel } from '../../../src/core/models/registry';
import { finishWrittenModel } from '../../../src/core/training/trainRun';
import { demoPhotos, generatedDir, repoRoot } from '../../helpers/paths';

// The end of training sets the written model's score threshold to the val split's best-F1
// point, through the real detector. Here the "written model" is the face model itself and the
// "val split" face-api's photos with the faces face-api finds in them (its reference file).

interface Reference {
  images: { file: string; detections: { box: [number, number, number, number] }[] }[];
}

describe('the written model gets its own score threshold', () => {
  it('is the best-F1 point on the val images, and the detector then keeps exactly the boxes it counted', async () => {
    const dir = path.join(generatedDir, 'operating-threshold');
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    const face = resolveModel('ssd-mobilenetv1-face');
    const manifestPath = path.join(dir, 'faces.json');
    await copyFile(face.onnxPath, path.join(dir, path.basename(face.onnxPath)));
    await copyFile(face.manifestPath, manifestPath);

    const reference = JSON.parse(
      await readFile(path.join(repoRoot, 'test', 'fixtures', 'face-api-reference.json'), 'utf8'),
    ) as Reference;
    const val = reference.images.map((im) => ({
      file: demoPhotos.find((p) => path.basename(p) === im.file)!,
      boxes: im.detections.map(({ box: [x1, y1, x2, y2] }) => ({ x1, y1, x2, y2, classIndex: 1 })),
    }));
    const faces = val.reduce((n, v) => n + v.boxes.length, 0);

    const logs: string[] = [];
    await finishWrittenModel(manifestPath, val, 1, (l) => logs.push(l));
    const line = logs
      .map((l) =>
        /^score threshold: ([\d.]+) \(best F1 on val: ([\d.]+), .* (\d+) of (\d+) boxes found; the base model's was 0\.5\)$/.exec(
          l,
        ),
      )
      .find(Boolean);
    expect(line, logs.join('\n')).toBeTruthy();
    const [threshold, f1, found, positives] = line!.slice(1).map(Number) as [
      number,
      number,
      number,
      number,
    ];
    expect(positives).toBe(faces);
    expect(found).toBe(faces); // the model finds every face it found for face-api
    expect(f1).toBeGreaterThan(0.9);

    const written = readManifest(manifestPath);
    expect(written.manifest.postprocess.scoreThreshold).toBe(threshold);
    expect(threshold).not.toBe(0.5);
    expect(written.manifest.provenance?.['score-threshold']).toMatch(
      /^best F1 at IoU 0\.5 on the val split \(6 images\)/,
    );
    // The manifest otherwise unchanged: same model, classes, postprocess but for the threshold.
    expect({ ...written.manifest, provenance: undefined }).toEqual({
      ...face.manifest,
      postprocess: { ...face.manifest.postprocess, scoreThreshold: threshold },
      provenance: undefined,
    });

    // Detection with the rewritten manifest keeps the faces and, at F1 > 0.9, few others.
    const detector = await Detector.load(written);
    try {
      let kept = 0;
      for (const v of val) kept += (await detector.detectFile(v.file)).detections.length;
      expect(kept).toBeGreaterThanOrEqual(faces);
      expect((2 * faces) / (kept + faces)).toBeCloseTo(f1, 3);
    } finally {
      await detector.dispose();
    }
  }, 120_000);
});
