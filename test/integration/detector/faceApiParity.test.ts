import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Detector } from '../../../src/core/detector/detector';
import { resolveModel } from '../../../src/core/models/registry';
import { iou } from '../../helpers/boxes';
import { faceApiDemoDir, repoRoot } from '../../helpers/paths';

// Reference detections produced by face-api's own tfjs pipeline (scripts/make-face-api-reference.ts).
interface Reference {
  images: {
    file: string;
    width: number;
    height: number;
    detections: { box: number[]; score: number }[];
  }[];
}
const reference = JSON.parse(
  readFileSync(path.join(repoRoot, 'test/fixtures/face-api-reference.json'), 'utf8'),
) as Reference;

describe('parity with face-api on its demo photos (ONNX Runtime, CPU)', () => {
  let detector: Detector;
  beforeAll(async () => {
    detector = await Detector.load(resolveModel('ssd-mobilenetv1-face'), { providers: ['cpu'] });
  });
  afterAll(async () => {
    await detector.dispose();
  });

  it('covers the six sample photos', () => {
    expect(reference.images.map((i) => i.file)).toEqual(
      [1, 2, 3, 4, 5, 6].map((i) => `sample${i}.jpg`),
    );
  });

  for (const ref of reference.images) {
    it(`${ref.file}: every face-api face ≥ 0.5 is found (IoU ≥ 0.95, score ± 0.02), nothing extra ≥ 0.5`, async () => {
      const result = await detector.detectFile(path.join(faceApiDemoDir, ref.file), {
        scoreThreshold: 0.5,
      });
      expect([result.width, result.height]).toEqual([ref.width, ref.height]);
      const expected = ref.detections.filter((d) => d.score >= 0.5);
      expect(expected.length).toBeGreaterThan(0);
      const unmatched = [...result.detections];
      for (const want of expected) {
        const best = unmatched.reduce(
          (acc, d, i) => (iou(d.box, want.box) > acc.iou ? { i, iou: iou(d.box, want.box) } : acc),
          { i: -1, iou: 0 },
        );
        expect(
          best.iou,
          `face at ${want.box.map(Math.round).join(',')} (score ${want.score})`,
        ).toBeGreaterThanOrEqual(0.95);
        expect(Math.abs(unmatched[best.i]!.score - want.score)).toBeLessThanOrEqual(0.02);
        unmatched.splice(best.i, 1);
      }
      expect(unmatched.map((d) => d.score)).toEqual([]);
    });
  }
});
