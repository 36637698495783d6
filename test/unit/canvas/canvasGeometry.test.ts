// The canvas's pure geometry (no browser). Lives beside the canvas e2e test because that folder is
// the canvas's; it belongs with the unit tests if the lead prefers.
import { describe, expect, it } from 'vitest';
import {
  drawnBox,
  fitView,
  imagePoint,
  imageToScreen,
  resizeBox,
  screenPoint,
  screenToImage,
  translateBox,
  zoomAt,
  zoomLimits,
} from '../../../src/renderer/src/canvas/geometry';

const image = { width: 4000, height: 3000 };
const viewport = { width: 1280, height: 800 };

describe('canvas geometry', () => {
  it('fits the image centred with a margin', () => {
    const v = fitView(image, viewport);
    expect(v.scale).toBeCloseTo((800 - 32) / 3000);
    const tl = imageToScreen(v, imagePoint(0, 0));
    const br = imageToScreen(v, imagePoint(4000, 3000));
    expect(tl.y).toBeCloseTo(16, 0);
    expect(viewport.width - br.x).toBeCloseTo(tl.x, 0);
  });

  it('zooms around the anchor and clamps the scale', () => {
    const v = fitView(image, viewport);
    const anchor = screenPoint(400, 300);
    const before = screenToImage(v, anchor);
    const z = zoomAt(v, 3, anchor, zoomLimits(image, viewport));
    const after = screenToImage(z, anchor);
    expect(after.x).toBeCloseTo(before.x);
    expect(after.y).toBeCloseTo(before.y);
    const limits = zoomLimits(image, viewport);
    expect(zoomAt(v, 1e6, anchor, limits).scale).toBe(limits.max);
    expect(zoomAt(v, 1e-6, anchor, limits).scale).toBe(limits.min);
  });

  it('moves a box by whole pixels and stops it at the border, keeping its size', () => {
    const box = { x1: 100, y1: 100, x2: 200, y2: 150 };
    expect(translateBox(box, 10.4, -20.6, image)).toEqual({ x1: 110, y1: 79, x2: 210, y2: 129 });
    expect(translateBox(box, -500, 5000, image)).toEqual({ x1: 0, y1: 2950, x2: 100, y2: 3000 });
  });

  it('resizes from a handle, flips past the opposite edge, clips to the image', () => {
    const box = { x1: 100, y1: 100, x2: 200, y2: 150 };
    expect(resizeBox(box, 'se', imagePoint(250.4, 175.6), image)).toEqual({
      x1: 100,
      y1: 100,
      x2: 250,
      y2: 176,
    });
    expect(resizeBox(box, 'e', imagePoint(50, 0), image)).toEqual({
      x1: 50,
      y1: 100,
      x2: 100,
      y2: 150,
    });
    expect(resizeBox(box, 'nw', imagePoint(-40, -40), image)).toEqual({
      x1: 0,
      y1: 0,
      x2: 200,
      y2: 150,
    });
    // Never below one pixel.
    expect(resizeBox(box, 'n', imagePoint(0, 150.2), image)).toEqual({
      x1: 100,
      y1: 150,
      x2: 200,
      y2: 151,
    });
  });

  it('draws boxes from corners in any order, clipped; collapsed ones are null', () => {
    expect(drawnBox(imagePoint(300, 200), imagePoint(-10, -10), image)).toEqual({
      x1: 0,
      y1: 0,
      x2: 300,
      y2: 200,
    });
    expect(drawnBox(imagePoint(10, 10), imagePoint(10.2, 50), image)).toBeNull();
  });
});
