import { describe, expect, it } from 'vitest';
import { augmentedSample, plainSample } from '../../../src/core/training/fullModeStep';
import { mirror } from '../../../src/core/training/featureCache';
import { InputSpecSchema } from '../../../src/shared/models/manifest';
import { BoxCoderSpecSchema, createBoxCoder } from '../../../src/shared/ssd/boxCoder';
import {
  NO_AUGMENTATION,
  PAPER_AUGMENTATION,
  seededRng,
  type AugBox,
} from '../../../src/shared/training/augment';

// A 64×48 image, dark with one bright object; a 32² network input with a 4×4 grid of priors.
const W = 64;
const H = 48;
const BOX: AugBox = { x1: 8, y1: 8, x2: 40, y2: 40, classIndex: 1 };
function image(): { width: number; height: number; data: Uint8Array } {
  const data = new Uint8Array(W * H * 3).fill(10);
  for (let y = BOX.y1; y < BOX.y2; y++)
    for (let x = BOX.x1; x < BOX.x2; x++) data.fill(240, (y * W + x) * 3, (y * W + x) * 3 + 3);
  return { width: W, height: H, data };
}
const input = InputSpecSchema.parse({
  name: 'image',
  width: 32,
  height: 32,
  layout: 'nchw',
  normalize: { scale: 1 / 127.5, offset: -1 },
});
const priors = new Float32Array(
  Array.from({ length: 16 }, (_, i) => [
    ((i % 4) + 0.5) / 4,
    (Math.floor(i / 4) + 0.5) / 4,
    0.5,
    0.5,
  ]).flat(),
);
const ctx = { priors, coder: createBoxCoder(BoxCoderSpecSchema.parse({ kind: 'tf' })) };

describe('full mode samples', () => {
  it('without augmentation a sample is the detector input of the image and its targets', () => {
    const a = augmentedSample(image(), [BOX], NO_AUGMENTATION, input, ctx, seededRng(1));
    const p = plainSample(image(), [BOX], input, ctx);
    expect(a.pixels).toEqual(p.pixels);
    expect(a.targets.numPositives).toBeGreaterThan(0);
    expect(Array.from(a.targets.positive)).toEqual(Array.from(p.targets.positive));
  });

  it('are drawn afresh each time, reproducibly from the seed', () => {
    const draw = (seed: number): Float32Array[] => {
      const rng = seededRng(seed);
      return [0, 1, 2].map(
        () => augmentedSample(image(), [BOX], PAPER_AUGMENTATION, input, ctx, rng).pixels,
      );
    };
    const first = draw(3);
    expect(draw(3)).toEqual(first);
    expect(first[1]).not.toEqual(first[0]);
  });

  it('a mirrored sample has its targets mirrored', () => {
    const flipped: AugBox = { ...BOX, x1: W - BOX.x2, x2: W - BOX.x1 };
    const a = plainSample(mirror(image()), [flipped], input, ctx);
    const p = plainSample(image(), [BOX], input, ctx);
    // Prior (col, row) ↔ (3 − col, row).
    for (let i = 0; i < 16; i++) {
      const j = Math.floor(i / 4) * 4 + (3 - (i % 4));
      expect(a.targets.positive[i], `prior ${i}`).toBe(p.targets.positive[j]);
    }
  });
});
