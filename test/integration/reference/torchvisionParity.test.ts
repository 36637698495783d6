import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Detector } from '../../../src/core/detector/detector';
import { readManifest } from '../../../src/core/models/registry';
import { generatePriors } from '../../../src/shared/ssd/priors';
import { fromCoco } from '../../helpers/boxes';
import { runShotbox, type CliRun } from '../../helpers/cli';
import { generatedDir, repoRoot } from '../../helpers/paths';
import { unmatchedAgainst, type LabelledBox } from '../../helpers/referenceMatch';

// Small SSDs built from torchvision's own classes in the shape of ssd300_vgg16 and
// ssdlite320_mobilenet_v3_large, their raw heads exported to ONNX, and torchvision's own
// detections on four photos (scripts/make-torchvision-fixture.py).
const fixtureDir = path.join(repoRoot, 'test/fixtures/torchvision');

interface Reference {
  numPriors: number;
  images: { file: string; width: number; height: number; detections: LabelledBox[] }[];
}

interface Coco {
  images: { id: number; file_name: string; width: number; height: number }[];
  annotations: { image_id: number; category_id: number; bbox: number[]; score: number }[];
  categories: { id: number; name: string }[];
}

for (const name of ['ssd300-tiny', 'ssdlite320-tiny']) {
  describe(`torchvision ${name}: shotbox detect with the preset manifest = torchvision's own detections`, () => {
    const manifestPath = path.join(fixtureDir, `${name}.json`);
    const reference = JSON.parse(
      readFileSync(path.join(fixtureDir, `${name}.reference.json`), 'utf8'),
    ) as Reference;
    const out = path.join(generatedDir, `torchvision-${name}.json`);
    let run: CliRun;
    let coco: Coco;

    beforeAll(async () => {
      await mkdir(generatedDir, { recursive: true });
      run = await runShotbox([
        'detect',
        '--model',
        manifestPath,
        '--provider',
        'cpu',
        '--quiet',
        '--out',
        out,
        ...reference.images.map((i) => path.join(fixtureDir, i.file)),
      ]);
      coco = JSON.parse(await readFile(out, 'utf8')) as Coco;
    });

    it("the preset's prior config gives torchvision's DefaultBoxGenerator boxes", async () => {
      const want = new Float32Array(
        (await readFile(path.join(fixtureDir, `${name}.priors.f32`))).buffer.slice(0),
      );
      const priors = generatePriors(readManifest(manifestPath).manifest.priors!).boxes;
      expect(priors.length).toBe(reference.numPriors * 4);
      let worst = 0;
      for (let i = 0; i < want.length; i++)
        worst = Math.max(worst, Math.abs(priors[i]! - want[i]!));
      expect(worst).toBeLessThanOrEqual(1e-6);
    });

    it('runs on every photo', () => {
      expect(run.code, run.stderr).toBe(0);
      expect(coco.images).toHaveLength(reference.images.length);
    });

    for (const ref of reference.images) {
      it(`${ref.file}: every torchvision detection ≥ 0.3 (same class, IoU ≥ 0.99, |Δscore| ≤ 1e-3), nothing else ≥ 0.31`, () => {
        const image = coco.images.find((i) => i.file_name.endsWith(path.basename(ref.file)))!;
        expect([image.width, image.height]).toEqual([ref.width, ref.height]);
        const ours: LabelledBox[] = coco.annotations
          .filter((a) => a.image_id === image.id)
          .map((a) => ({
            box: fromCoco(a.bbox),
            score: a.score,
            label: coco.categories.find((c) => c.id === a.category_id)!.name,
          }));
        const expected = ref.detections.filter((d) => d.score >= 0.3);
        // The fixture's seeded heads are scaled so that this is a real test, not an empty one.
        expect(expected.length).toBeGreaterThanOrEqual(20);
        const { missing, extra } = unmatchedAgainst(expected, ours, 0.31);
        expect(missing).toEqual([]);
        expect(extra).toEqual([]);
      });
    }
  });
}

describe('the torchvision fixture depends on clipping before NMS', () => {
  let detector: Detector;
  const reference = JSON.parse(
    readFileSync(path.join(fixtureDir, 'ssd300-tiny.reference.json'), 'utf8'),
  ) as Reference;
  beforeAll(async () => {
    // The same model with NMS on unclipped boxes (Shotbox before clipBeforeNms, and Caffe).
    const json = JSON.parse(await readFile(path.join(fixtureDir, 'ssd300-tiny.json'), 'utf8')) as {
      file: string;
    };
    const variant = path.join(generatedDir, 'ssd300-tiny-noclip.json');
    await mkdir(generatedDir, { recursive: true });
    await writeFile(
      variant,
      JSON.stringify({
        ...json,
        file: path.join(fixtureDir, json.file),
        postprocess: { clipBeforeNms: false },
      }),
    );
    detector = await Detector.load(readManifest(variant), { providers: ['cpu'] });
  });
  afterAll(async () => {
    await detector.dispose();
  });

  it('without it, some photo gets a different set of boxes ≥ 0.3', async () => {
    let differing = 0;
    for (const ref of reference.images) {
      const result = await detector.detectFile(path.join(fixtureDir, ref.file));
      const ours = result.detections.map((d) => ({ box: d.box, score: d.score, label: d.label }));
      const { missing, extra } = unmatchedAgainst(
        ref.detections.filter((d) => d.score >= 0.3),
        ours,
        0.31,
      );
      differing += missing.length + extra.length;
    }
    expect(differing).toBeGreaterThan(0);
  });
});
