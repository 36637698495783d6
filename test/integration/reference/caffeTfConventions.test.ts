import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Detector } from '../../../src/core/detector/detector';
import { readManifest } from '../../../src/core/models/registry';
import { fromCoco } from '../../helpers/boxes';
import { runShotbox, type CliRun } from '../../helpers/cli';
import { generatedDir, repoRoot } from '../../helpers/paths';
import { unmatchedAgainst, type LabelledBox } from '../../helpers/referenceMatch';

// Fixed head outputs in Caffe's and the TF OD API's layouts, with what Caffe's DetectionOutput
// (an independent numpy implementation) and a TF export's own tensors say the detections are
// (scripts/make-caffe-fixture.py). The outputs do not depend on the photo; its size maps the
// normalised boxes to pixels.
const fixtures = path.join(repoRoot, 'test/fixtures');
const photo = path.join(fixtures, 'torchvision/photos/sample1.png');
const [photoW, photoH] = [320, 213];

interface Coco {
  images: { id: number; file_name: string; width: number; height: number }[];
  annotations: { image_id: number; category_id: number; bbox: number[]; score: number }[];
  categories: { id: number; name: string }[];
}

async function detect(
  manifest: string,
  out: string,
): Promise<{ run: CliRun; dets: LabelledBox[]; coco: Coco }> {
  await mkdir(generatedDir, { recursive: true });
  const run = await runShotbox([
    'detect',
    '--model',
    manifest,
    '--provider',
    'cpu',
    '--quiet',
    '--out',
    out,
    photo,
  ]);
  const coco = JSON.parse(await readFile(out, 'utf8')) as Coco;
  const dets = coco.annotations.map((a) => ({
    box: fromCoco(a.bbox),
    score: a.score,
    label: coco.categories.find((c) => c.id === a.category_id)!.name,
  }));
  return { run, dets, coco };
}

const clamp = (v: number, hi: number): number => Math.min(Math.max(v, 0), hi);

describe('Caffe DetectionOutput semantics (caffe-ssd preset)', () => {
  const manifest = path.join(fixtures, 'caffe/ssd300-const.json');
  const reference = JSON.parse(
    readFileSync(path.join(fixtures, 'caffe/ssd300-const.reference.json'), 'utf8'),
  ) as { detections: { label: string; score: number; boxNormalised: number[] }[] };
  // DetectionOutput (clip_bbox false) emits unclipped normalised boxes; a user sees them on the
  // image, clipped to it — after NMS, which ran on the unclipped boxes.
  const expected: LabelledBox[] = reference.detections.map((d) => ({
    label: d.label,
    score: d.score,
    box: d.boxNormalised.map((v, k) =>
      clamp(v * (k % 2 ? photoH : photoW), k % 2 ? photoH : photoW),
    ),
  }));
  let dets: LabelledBox[];
  let run: CliRun;
  let coco: Coco;

  beforeAll(async () => {
    ({ run, dets, coco } = await detect(manifest, path.join(generatedDir, 'caffe-const.json')));
  });

  it('runs on the photo', () => {
    expect(run.code, run.stderr).toBe(0);
    expect([coco.images[0]!.width, coco.images[0]!.height]).toEqual([photoW, photoH]);
  });

  it('keep_top_k: as many detections as DetectionOutput keeps (200)', () => {
    expect(reference.detections).toHaveLength(200);
    expect(dets).toHaveLength(200);
  });

  it('every DetectionOutput detection ≥ 0.3 (same class, IoU ≥ 0.99, |Δscore| ≤ 1e-3), nothing else ≥ 0.31', () => {
    const strong = expected.filter((d) => d.score >= 0.3);
    expect(strong.length).toBeGreaterThanOrEqual(20);
    expect(unmatchedAgainst(strong, dets, 0.31)).toEqual({ missing: [], extra: [] });
  });

  it('and all 200, down to the weakest kept', () => {
    expect(unmatchedAgainst(expected, dets, 0)).toEqual({ missing: [], extra: [] });
  });

  it('clipping before NMS (torchvision’s rule) would change the result on this fixture', async () => {
    const json = JSON.parse(await readFile(manifest, 'utf8')) as { file: string };
    const variant = path.join(generatedDir, 'caffe-const-clip.json');
    await writeFile(
      variant,
      JSON.stringify({
        ...json,
        file: path.join(fixtures, 'caffe', json.file),
        postprocess: { clipBeforeNms: true },
      }),
    );
    const detector = await Detector.load(readManifest(variant), { providers: ['cpu'] });
    try {
      const result = await detector.detectFile(photo);
      const ours = result.detections.map((d) => ({ box: d.box, score: d.score, label: d.label }));
      const { missing, extra } = unmatchedAgainst(expected, ours, 0);
      expect(missing.length + extra.length).toBeGreaterThan(0);
    } finally {
      await detector.dispose();
    }
  });
});

describe('TF OD API decoded outputs (detection_boxes/scores/classes/num_detections)', () => {
  const manifest = path.join(fixtures, 'tf-decoded/decoded-const.json');
  const reference = JSON.parse(
    readFileSync(path.join(fixtures, 'tf-decoded/decoded-const.reference.json'), 'utf8'),
  ) as {
    numDetections: number;
    detections: { label: string; score: number; boxNormalisedYxyx: number[] }[];
  };
  let dets: LabelledBox[];
  let run: CliRun;

  beforeAll(async () => {
    ({ run, dets } = await detect(manifest, path.join(generatedDir, 'tf-decoded-const.json')));
  });

  it('reads exactly num_detections rows (the padding after them scores high and is ignored)', () => {
    expect(run.code, run.stderr).toBe(0);
    expect(dets).toHaveLength(reference.numDetections);
  });

  it('each row: y1 x1 y2 x2 normalised to pixels, classes counted from 1, the score as given', () => {
    const expected = reference.detections.map((d) => {
      const [y1, x1, y2, x2] = d.boxNormalisedYxyx as [number, number, number, number];
      return {
        label: d.label,
        score: d.score,
        box: [x1 * photoW, y1 * photoH, x2 * photoW, y2 * photoH],
      };
    });
    expect(unmatchedAgainst(expected, dets, 0)).toEqual({ missing: [], extra: [] });
  });
});
