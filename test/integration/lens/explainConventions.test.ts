import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Detector } from '../../../src/core/detector/detector';
import { explainImage } from '../../../src/core/lens/explain';
import { readManifest } from '../../../src/core/models/registry';
import { repoRoot } from '../../helpers/paths';

// The lens recomputes a model's detections to explain them; with a manifest whose conventions
// differ from the defaults (torchvision: clip before NMS) it must still list what detect found.
const fixtureDir = path.join(repoRoot, 'test/fixtures/torchvision');

describe('lens explain follows the manifest conventions detect follows', () => {
  let detector: Detector;
  beforeAll(async () => {
    detector = await Detector.load(readManifest(path.join(fixtureDir, 'ssd300-tiny.json')), {
      providers: ['cpu'],
    });
  });
  afterAll(async () => {
    await detector.dispose();
  });

  it('the same detections (prior, class, score) as shotbox detect on a torchvision fixture', async () => {
    const key = (d: { prior: number; label: string; score: number }): string =>
      `${d.prior} ${d.label} ${d.score.toFixed(6)}`;
    for (const name of ['sample1', 'sample2', 'sample4', 'sample6']) {
      const file = path.join(fixtureDir, `photos/${name}.png`);
      const detected = await detector.detectFile(file, { scoreThreshold: 0.3 });
      const explained = await explainImage(detector, file, [], 0.3);
      expect(detected.detections.length).toBeGreaterThan(20);
      expect(
        explained.detections.map((d) => key({ ...d, prior: d.prior.index })),
        name,
      ).toEqual(detected.detections.map(key));
    }
  });
});
