import { describe, expect, it } from 'vitest';
import { dequantizeMaps, quantizeMaps, viewsOf } from '../../../src/core/training/featureCache';
import {
  NO_AUGMENTATION,
  PAPER_AUGMENTATION,
  seededRng,
  type AugBox,
} from '../../../src/shared/training/augment';

// A 40×20 image, dark with one bright object at (4, 2)–(16, 12).
const W = 40;
const H = 20;
const BOX: AugBox = { x1: 4, y1: 2, x2: 16, y2: 12, classIndex: 1 };
function image(): { width: number; height: number; data: Uint8Array } {
  const data = new Uint8Array(W * H * 3).fill(10);
  for (let y = BOX.y1; y < BOX.y2; y++)
    for (let x = BOX.x1; x < BOX.x2; x++) data.fill(240, (y * W + x) * 3, (y * W + x) * 3 + 3);
  return { width: W, height: H, data };
}
const flipOnly = { ...NO_AUGMENTATION, flip: true };

describe('feature cache', () => {
  it('keeps ReLU6 maps as bytes within half a step (6/510) and clips outside [0, 6]', () => {
    const m = Float32Array.from([0, 0.01, 1.2345, 3, 5.999, 6, -0.5, 7]);
    const back = dequantizeMaps(quantizeMaps([m]))[0]!;
    for (let i = 0; i < 6; i++)
      expect(Math.abs(back[i]! - m[i]!)).toBeLessThanOrEqual(6 / 510 + 1e-6);
    expect(back[6]).toBe(0);
    expect(back[7]).toBe(6);
  });

  it('one view without augmentation, the mirror beside it with flips, boxes mirrored exactly', () => {
    const src = image();
    const plain = [
      ...viewsOf(
        src,
        [BOX],
        { augmentation: NO_AUGMENTATION, augmentedViews: 3, inputSize: 64 },
        seededRng(1),
      ),
    ];
    expect(plain).toHaveLength(1);
    expect(plain[0]!.boxes).toEqual([BOX]);
    const views = [
      ...viewsOf(
        src,
        [BOX],
        { augmentation: flipOnly, augmentedViews: 3, inputSize: 64 },
        seededRng(1),
      ),
    ];
    expect(views).toHaveLength(2); // nothing but the mirror to add
    const m = views[1]!;
    expect(m.boxes).toEqual([{ ...BOX, x1: W - 16, x2: W - 4 }]);
    // The mirrored object's pixels are where its mirrored box says.
    const at = (x: number, y: number): number => m.image.data[(y * W + x) * 3]!;
    expect(at(W - 16, 2)).toBe(240);
    expect(at(W - 17, 2)).toBe(10);
    expect(at(W - 5, 11)).toBe(240);
    expect(at(W - 4, 11)).toBe(10);
  });

  it('adds the seeded SSD views, the same for the same seed, rendered at the input size', () => {
    const opts = { augmentation: PAPER_AUGMENTATION, augmentedViews: 4, inputSize: 64 };
    const a = [...viewsOf(image(), [BOX], opts, seededRng(9))];
    const b = [...viewsOf(image(), [BOX], opts, seededRng(9))];
    expect(a).toHaveLength(6);
    expect(b.map((v) => v.boxes)).toEqual(a.map((v) => v.boxes));
    for (const v of a.slice(2)) {
      expect(Math.max(v.image.width, v.image.height)).toBe(64);
      for (const box of v.boxes) {
        expect(box.x1).toBeGreaterThanOrEqual(0);
        expect(box.x2).toBeLessThanOrEqual(v.image.width + 1e-9);
      }
    }
  });
});
