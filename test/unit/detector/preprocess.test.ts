import { describe, expect, it } from 'vitest';
import { canvasFor, canvasToImage, preprocess } from '../../../src/core/detector/preprocess';
import type { RgbImage } from '../../../src/core/image/decode';
import { InputSpecSchema, type InputSpec } from '../../../src/shared/models/manifest';

/** An image whose R channel is `values` (row-major), G = 0, B = 255. */
function image(width: number, height: number, values: number[]): RgbImage {
  const data = new Uint8Array(width * height * 3);
  values.forEach((v, i) => {
    data[3 * i] = v;
    data[3 * i + 2] = 255;
  });
  return { data, width, height };
}

function spec(overrides: Partial<InputSpec> & Pick<InputSpec, 'width' | 'height'>): InputSpec {
  return InputSpecSchema.parse({
    name: 'x',
    layout: 'nchw',
    normalize: { scale: 1, offset: 0 },
    ...overrides,
  });
}

/** Channel `c` of an NCHW result as rows. */
function plane(data: Float32Array, c: number, w: number, h: number): number[][] {
  return Array.from({ length: h }, (_, y) =>
    Array.from(data.subarray(c * w * h + y * w, c * w * h + y * w + w)),
  );
}

describe('preprocess resize kernels', () => {
  const img = image(2, 2, [0, 100, 200, 250]);

  it('bilinear-asymmetric matches TF legacy resize_bilinear (align_corners=false, no half pixel)', () => {
    const out = preprocess(
      img,
      spec({
        width: 4,
        height: 4,
        resize: { mode: 'stretch', padAnchor: 'top-left', interpolation: 'bilinear-asymmetric' },
      }),
    );
    // src = dst · 0.5 → 0, 0.5, 1, 1.5 (the last clamps to the edge pixel).
    expect(plane(out.data, 0, 4, 4)).toEqual([
      [0, 50, 100, 100],
      [100, 137.5, 175, 175],
      [200, 225, 250, 250],
      [200, 225, 250, 250],
    ]);
  });

  it('bilinear-half-pixel matches OpenCV / ONNX half_pixel', () => {
    const out = preprocess(
      img,
      spec({
        width: 4,
        height: 1,
        resize: { mode: 'stretch', padAnchor: 'top-left', interpolation: 'bilinear-half-pixel' },
      }),
    );
    // Output height 1 over 2 rows: src y = 0.5 blends the rows to [100, 175]; x = −0.25→0, 0.25, 0.75, 1.25→1.
    expect(plane(out.data, 0, 4, 1)).toEqual([[100, 118.75, 156.25, 175]]);
  });

  it('nearest-asymmetric floors the source coordinate', () => {
    const out = preprocess(
      img,
      spec({
        width: 4,
        height: 4,
        resize: { mode: 'stretch', padAnchor: 'top-left', interpolation: 'nearest-asymmetric' },
      }),
    );
    expect(plane(out.data, 0, 4, 4)[0]).toEqual([0, 0, 100, 100]);
  });

  it('pad-square pads with zeros at the bottom before normalising (face-api)', () => {
    const wide = image(2, 1, [10, 20]);
    const out = preprocess(
      wide,
      spec({
        width: 2,
        height: 2,
        normalize: { scale: 1 / 127.5, offset: -1 },
        resize: { mode: 'pad-square', padAnchor: 'top-left', interpolation: 'bilinear-asymmetric' },
      }),
    );
    const r = plane(out.data, 0, 2, 2);
    expect(r[0]![0]).toBeCloseTo(10 / 127.5 - 1, 6);
    expect(r[0]![1]).toBeCloseTo(20 / 127.5 - 1, 6);
    expect(r[1]).toEqual([-1, -1]); // padding: 0 before normalisation
    expect(out.canvas).toEqual({ width: 2, height: 2, offsetX: 0, offsetY: 0 });
  });

  it('writes a reused tensor over completely: a dirty buffer gives the fresh result', () => {
    const wide = image(4, 2, [10, 20, 30, 40, 50, 60, 70, 80]);
    for (const layout of ['nchw', 'nhwc'] as const) {
      const s = spec({
        width: 8,
        height: 8,
        layout,
        normalize: { scale: [1, 2, 3], offset: [4, 5, 6] },
        resize: { mode: 'pad-square', padAnchor: 'top-left', interpolation: 'bilinear-asymmetric' },
      });
      const fresh = preprocess(wide, s);
      const dirty = new Float32Array(8 * 8 * 3).fill(Number.NaN);
      const reused = preprocess(wide, s, dirty);
      expect(reused.data).toBe(dirty);
      expect(Array.from(reused.data)).toEqual(Array.from(fresh.data));
    }
    // A buffer of another size is not used.
    const other = new Float32Array(5);
    expect(preprocess(wide, spec({ width: 8, height: 8 }), other).data).not.toBe(other);
  });

  it('writes NHWC and BGR when the manifest says so', () => {
    const out = preprocess(
      image(1, 1, [7]),
      spec({ width: 1, height: 1, layout: 'nhwc', colorOrder: 'bgr' }),
    );
    expect(Array.from(out.data)).toEqual([255, 0, 7]);
    expect(out.dims).toEqual([1, 1, 1, 3]);
  });

  it('applies per-channel mean/std normalisation in channel order', () => {
    const out = preprocess(
      image(1, 1, [100]),
      spec({ width: 1, height: 1, normalize: { scale: [2, 3, 4], offset: [1, 2, 3] } }),
    );
    expect(Array.from(out.data)).toEqual([201, 2, 1023]);
  });
});

describe('canvas mapping', () => {
  it('pad-square maps canvas-normalised boxes back to image pixels, clipped to the image', () => {
    const c = canvasFor(200, 100, 512, 512, {
      mode: 'pad-square',
      padAnchor: 'top-left',
      interpolation: 'bilinear-asymmetric',
    });
    expect(c).toEqual({ width: 200, height: 200, offsetX: 0, offsetY: 0 });
    const boxes = new Float32Array([0.5, 0.25, 1, 0.5, 0.1, 0.4, 0.2, 0.9]);
    canvasToImage(boxes, c, 200, 100);
    expect(Array.from(boxes)).toEqual([100, 50, 200, 100, 20, 80, 40, 100]);
  });

  it('centred letterbox offsets the image inside the canvas', () => {
    const c = canvasFor(100, 50, 300, 300, {
      mode: 'letterbox',
      padAnchor: 'center',
      interpolation: 'bilinear-half-pixel',
    });
    expect(c.width).toBeCloseTo(100);
    expect(c.height).toBeCloseTo(100);
    expect(c.offsetY).toBe(25);
    const boxes = new Float32Array([0, 0.25, 1, 0.75]);
    canvasToImage(boxes, c, 100, 50);
    expect(Array.from(boxes).map((v) => Math.round(v))).toEqual([0, 0, 100, 50]);
  });
});
