import { describe, expect, it } from 'vitest';
import {
  cropBoxes,
  NO_AUGMENTATION,
  PAPER_AUGMENTATION,
  planAugmentation,
  rectIou,
  renderPlan,
  scaleBoxes,
  seededRng,
  type AugBox,
  type RgbPixels,
} from '../../../src/shared/training/augment';

// A 200×100 grey image with one white object at (40, 20)–(120, 80).
const W = 200;
const H = 100;
const BOX: AugBox = { x1: 40, y1: 20, x2: 120, y2: 80, classIndex: 1 };
function syntheticImage(): RgbPixels {
  const data = new Uint8Array(W * H * 3).fill(30);
  for (let y = BOX.y1; y < BOX.y2; y++)
    for (let x = BOX.x1; x < BOX.x2; x++) data.fill(250, (y * W + x) * 3, (y * W + x) * 3 + 3);
  return { width: W, height: H, data };
}

describe('augmentation', () => {
  it('is reproducible from its seed and differs between seeds', () => {
    const a = planAugmentation(seededRng(7), W, H, [BOX], PAPER_AUGMENTATION);
    const b = planAugmentation(seededRng(7), W, H, [BOX], PAPER_AUGMENTATION);
    expect(b).toEqual(a);
    const plans = Array.from({ length: 20 }, (_, s) =>
      JSON.stringify(planAugmentation(seededRng(s), W, H, [BOX], PAPER_AUGMENTATION)),
    );
    expect(new Set(plans).size).toBeGreaterThan(15);
  });

  it('leaves the sample alone with augmentation off', () => {
    const plan = planAugmentation(seededRng(1), W, H, [BOX], NO_AUGMENTATION);
    expect(plan.view).toEqual({ x1: 0, y1: 0, x2: W, y2: H });
    expect(plan.boxes).toEqual([BOX]);
    expect(renderPlan(syntheticImage(), plan, W, H).data).toEqual(syntheticImage().data);
  });

  it('flips boxes horizontally: x → width − x', () => {
    for (let s = 0; s < 40; s++) {
      const plan = planAugmentation(seededRng(s), W, H, [BOX], { ...NO_AUGMENTATION, flip: true });
      const expected = plan.flip ? { ...BOX, x1: W - BOX.x2, x2: W - BOX.x1 } : BOX;
      expect(plan.boxes).toEqual([expected]);
    }
  });

  it('zooms out up to 4× with the box shifted by the image offset and mean outside', () => {
    const options = { ...NO_AUGMENTATION, expandProbability: 1, maxExpand: 4 };
    for (let s = 0; s < 30; s++) {
      const plan = planAugmentation(seededRng(s), W, H, [BOX], options);
      const vw = plan.view.x2 - plan.view.x1;
      expect(vw / W).toBeGreaterThanOrEqual(1);
      expect(vw / W).toBeLessThanOrEqual(4);
      expect((plan.view.y2 - plan.view.y1) / H).toBeCloseTo(vw / W, 9);
      expect(plan.boxes[0]!.x1).toBeCloseTo(BOX.x1 - plan.view.x1, 9);
      expect(plan.boxes[0]!.y2).toBeCloseTo(BOX.y2 - plan.view.y1, 9);
    }
    const plan = planAugmentation(seededRng(3), W, H, [BOX], options);
    const img = renderPlan(syntheticImage(), plan, 100, 50);
    // The canvas corner that the image does not cover is the mean colour.
    const corner = plan.view.x1 < -1 ? 0 : (100 - 1) * 3;
    if (plan.view.x1 < -1 || plan.view.x2 > W + 1)
      expect(Array.from(img.data.subarray(corner, corner + 3))).toEqual([123, 117, 104]);
  });

  it('crops keep boxes whose centre is inside, clipped to the crop', () => {
    const boxes: AugBox[] = [BOX, { x1: 150, y1: 10, x2: 190, y2: 30, classIndex: 2 }];
    const crop = { x1: 60, y1: 0, x2: 160, y2: 90 };
    // BOX centre (80, 50) inside → clipped to x1 = 60; the second (170, 20) outside → dropped.
    expect(cropBoxes(boxes, crop)).toEqual([{ ...BOX, x1: 60 }]);
  });

  it('every random crop satisfies one of the paper rules and keeps a box', () => {
    const options = { ...NO_AUGMENTATION, crop: true };
    let cropped = 0;
    for (let s = 0; s < 200; s++) {
      const plan = planAugmentation(seededRng(s), W, H, [BOX], options);
      const { view } = plan;
      if (view.x2 - view.x1 === W && view.y2 - view.y1 === H) continue;
      cropped++;
      expect(plan.boxes.length).toBe(1);
      const vw = view.x2 - view.x1;
      const vh = view.y2 - view.y1;
      // Caffe's sampler: side scale ≥ 0.3, aspect 1/2..2 → each side ≥ 0.3/√2 of the image.
      expect(vw).toBeGreaterThanOrEqual((0.3 / Math.SQRT2) * W - 1e-9);
      expect(vh).toBeGreaterThanOrEqual((0.3 / Math.SQRT2) * H - 1e-9);
      // Box in view pixels = the source box clipped to the view, shifted.
      const b = plan.boxes[0]!;
      expect(b.x1).toBeCloseTo(Math.max(BOX.x1, view.x1) - view.x1, 9);
      expect(b.x2).toBeCloseTo(Math.min(BOX.x2, view.x2) - view.x1, 9);
      expect(b.y1).toBeCloseTo(Math.max(BOX.y1, view.y1) - view.y1, 9);
      expect(b.y2).toBeCloseTo(Math.min(BOX.y2, view.y2) - view.y1, 9);
    }
    expect(cropped).toBeGreaterThan(100);
    expect(rectIou(BOX, { x1: 40, y1: 20, x2: 120, y2: 80 })).toBe(1);
  });

  it('rendered pixels agree with the transformed boxes under every transform', () => {
    const image = syntheticImage();
    for (let s = 0; s < 40; s++) {
      const plan = planAugmentation(seededRng(s), W, H, [BOX], {
        ...PAPER_AUGMENTATION,
        photometric: false,
      });
      const outW = 160;
      const outH = 120;
      const img = renderPlan(image, plan, outW, outH);
      const [b] = scaleBoxes(plan, outW, outH);
      const at = (x: number, y: number): number => img.data[(y * outW + x) * 3]!;
      // Well inside the box: white; well outside it (but inside the output): not white.
      const cx = Math.floor((b!.x1 + b!.x2) / 2);
      const cy = Math.floor((b!.y1 + b!.y2) / 2);
      expect(at(cx, cy)).toBeGreaterThan(240);
      const left = Math.floor(b!.x1) - 3;
      if (left >= 0) expect(at(left, cy)).toBeLessThan(200);
      const right = Math.ceil(b!.x2) + 2;
      if (right < outW) expect(at(right, cy)).toBeLessThan(200);
    }
  });
});
