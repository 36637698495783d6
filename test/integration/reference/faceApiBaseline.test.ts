// Keeps test/fixtures/face-api-reference.json honest: face-api's own pipeline, run live on one demo
// photo, must still produce that photo's committed entries. Regenerate the fixture with
// `npx tsx scripts/make-face-api-reference.ts` when face-api or tfjs changes.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  loadFaceApiBaseline,
  type FaceApiBaseline,
  type FaceApiDetection,
} from '../../../src/core/bench/faceApiBaseline';
import { decodeImageFile, type RgbImage } from '../../../src/core/image/decode';

interface Reference {
  generator: string;
  faceApiVersion: string;
  tfjsVersion: string;
  backend: string;
  minConfidence: number;
  maxResults: number;
  images: { file: string; width: number; height: number; detections: FaceApiDetection[] }[];
}

const require = createRequire(import.meta.url);
const faceApiDir = path.dirname(require.resolve('@vladmandic/face-api/package.json'));
const demoDir = path.join(faceApiDir, 'demo');
const fixture = fileURLToPath(new URL('../../fixtures/face-api-reference.json', import.meta.url));

/** The photo checked live: its weakest face (0.62) is the closest to the 0.5 default threshold. */
const LIVE_FILE = 'sample3.jpg';
const BOX_TOLERANCE_PX = 0.5;
const SCORE_TOLERANCE = 1e-4;

/**
 * Faces ≥0.3 that SSD MobileNet finds in face-api's own browser demo (demo/index.js, minScore 0.3,
 * as in demo/screenshot-images.png): every visible face, nothing else.
 */
const DEMO_FACE_COUNTS: Record<string, number> = {
  'sample1.jpg': 3,
  'sample2.jpg': 3,
  'sample3.jpg': 3,
  'sample4.jpg': 4,
  'sample5.jpg': 5,
  'sample6.jpg': 4,
};

const strong = (detections: FaceApiDetection[]): FaceApiDetection[] =>
  detections.filter((d) => d.score >= 0.5);

const boxDistance = (a: FaceApiDetection, b: FaceApiDetection): number =>
  Math.max(...a.box.map((v, i) => Math.abs(v - b.box[i]!)));

/** Asserts that every expected face has a live twin within tolerance, and that none is extra. */
function expectSameFaces(live: FaceApiDetection[], expected: FaceApiDetection[]): void {
  expect(strong(live)).toHaveLength(strong(expected).length);
  for (const want of strong(expected)) {
    const nearest = live.reduce((best, d) =>
      boxDistance(d, want) < boxDistance(best, want) ? d : best,
    );
    expect(boxDistance(nearest, want)).toBeLessThanOrEqual(BOX_TOLERANCE_PX);
    expect(Math.abs(nearest.score - want.score)).toBeLessThanOrEqual(SCORE_TOLERANCE);
  }
}

let reference: Reference;
let liveImage: RgbImage;
let expected: Reference['images'][number];

beforeAll(async () => {
  reference = JSON.parse(await readFile(fixture, 'utf8')) as Reference;
  const entry = reference.images.find((image) => image.file === LIVE_FILE);
  if (!entry) throw new Error(`${LIVE_FILE} missing from ${fixture}`);
  expected = entry;
  liveImage = await decodeImageFile(path.join(demoDir, LIVE_FILE));
});

describe('face-api reference fixture', () => {
  it('was made by the generator script with the installed face-api', async () => {
    const installed = JSON.parse(await readFile(path.join(faceApiDir, 'package.json'), 'utf8')) as {
      version: string;
    };
    expect(reference.generator).toBe('scripts/make-face-api-reference.ts');
    expect(reference.faceApiVersion).toBe(installed.version);
    expect(reference.backend).toBe('cpu');
    expect(reference.minConfidence).toBe(0.3);
  });

  it('holds the faces face-api’s own demo shows, for every demo photo', () => {
    expect(reference.images.map((image) => image.file)).toEqual(Object.keys(DEMO_FACE_COUNTS));
    for (const image of reference.images) {
      const faces = strong(image.detections).length;
      expect(faces, image.file).toBeGreaterThan(0);
      expect(faces, image.file).toBe(DEMO_FACE_COUNTS[image.file]);
      const scores = image.detections.map((d) => d.score);
      expect(scores, image.file).toEqual([...scores].sort((a, b) => b - a));
      for (const { box } of image.detections) {
        expect(box[0]).toBeLessThan(box[2]);
        expect(box[1]).toBeLessThan(box[3]);
      }
    }
  });

  it('records the decoded size of the live photo', () => {
    expect([liveImage.width, liveImage.height]).toEqual([expected.width, expected.height]);
  });
});

describe('face-api baseline, live', () => {
  let baseline: FaceApiBaseline | undefined;
  afterAll(() => baseline?.dispose());

  // The cpu backend is what the fixture was generated on: about 10–15 s per photo on 2 cores.
  it(
    `reproduces ${LIVE_FILE} on the cpu backend without leaking tensors`,
    { timeout: 90_000 },
    async () => {
      baseline = await loadFaceApiBaseline({ backend: 'cpu' });
      expect(baseline.backend).toBe('cpu');
      const before = baseline.liveTensors();
      const live = await baseline.detect(liveImage, {
        minConfidence: reference.minConfidence,
        maxResults: reference.maxResults,
      });
      expect(baseline.liveTensors()).toBe(before);
      expectSameFaces(live, expected.detections);
    },
  );

  // `shotbox bench` times the wasm backend by default; it must be the same detector.
  it(`agrees on the wasm backend`, { timeout: 30_000 }, async () => {
    const wasm = await loadFaceApiBaseline({ backend: 'wasm' });
    try {
      expect(wasm.backend).toBe('wasm');
      const live = await wasm.detect(liveImage, {
        minConfidence: reference.minConfidence,
        maxResults: reference.maxResults,
      });
      expectSameFaces(live, expected.detections);
    } finally {
      wasm.dispose();
    }
  });
});
