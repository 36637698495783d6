import { describe, expect, it } from 'vitest';
import {
  PRIOR_PRESETS,
  caffeLayerSizes,
  generatePriors,
  parsePriorConfig,
  priorLayerOf,
  type CaffePriorConfig,
  type PriorSet,
} from '../../../src/shared/ssd';

/** Prior i as [cx, cy, w, h]. */
function prior(set: PriorSet, i: number): number[] {
  return Array.from(set.boxes.subarray(4 * i, 4 * i + 4));
}

function expectBox(actual: number[], expected: number[], digits = 6): void {
  expect(actual).toHaveLength(4);
  expected.forEach((v, k) => expect(actual[k], `component ${k}`).toBeCloseTo(v, digits));
}

const SQRT2 = Math.SQRT2;

describe('SSD300 preset (Caffe convention)', () => {
  const set = generatePriors(PRIOR_PRESETS.ssd300);

  it('has the paper layer counts and 8732 priors', () => {
    expect(set.layers.map((l) => l.count)).toEqual([5776, 2166, 600, 150, 36, 4]);
    expect(set.layers.map((l) => l.start)).toEqual([0, 5776, 7942, 8542, 8692, 8728]);
    expect(set.layers.map((l) => l.boxesPerCell)).toEqual([4, 6, 6, 6, 4, 4]);
    expect(set.layers.map((l) => l.name)).toEqual([
      'conv4_3',
      'fc7',
      'conv6_2',
      'conv7_2',
      'conv8_2',
      'conv9_2',
    ]);
    expect(set.count).toBe(8732);
    expect(set.boxes.length).toBe(4 * 8732);
    expect(set.layers[0]!.scale).toBeCloseTo(0.1, 12);
  });

  it('starts conv4_3 with min, sqrt(min·max), ratio 2 and its flip', () => {
    const c = 4 / 300; // (0 + 0.5)·8/300
    expectBox(prior(set, 0), [c, c, 30 / 300, 30 / 300]);
    expectBox(prior(set, 1), [c, c, Math.sqrt(30 * 60) / 300, Math.sqrt(30 * 60) / 300]);
    expectBox(prior(set, 2), [c, c, 0.1 * SQRT2, 0.1 / SQRT2]);
    expectBox(prior(set, 3), [c, c, 0.1 / SQRT2, 0.1 * SQRT2]);
  });

  it('orders cells row-major: column moves first', () => {
    expectBox(prior(set, 4), [12 / 300, 4 / 300, 0.1, 0.1]); // row 0, col 1
    expectBox(prior(set, 4 * 38), [4 / 300, 12 / 300, 0.1, 0.1]); // row 1, col 0
    // Last cell: (37 + 0.5)·8 = 300 px, so conv4_3 ends exactly on the image edge.
    expectBox(prior(set, 4 * (38 * 37 + 37)), [1, 1, 0.1, 0.1]);
  });

  it('orders fc7 boxes as min, extra, 2, 1/2, 3, 1/3', () => {
    const s = 60 / 300;
    const c = 8 / 300;
    const start = 5776;
    expectBox(prior(set, start), [c, c, s, s]);
    expectBox(prior(set, start + 1), [c, c, Math.sqrt(60 * 111) / 300, Math.sqrt(60 * 111) / 300]);
    expectBox(prior(set, start + 4), [c, c, s * Math.sqrt(3), s / Math.sqrt(3)]);
    expectBox(prior(set, start + 5), [c, c, s / Math.sqrt(3), s * Math.sqrt(3)]);
  });

  it('ends with the flipped ratio-2 box of conv9_2, unclipped', () => {
    const s = 264 / 300;
    expectBox(prior(set, 8731), [0.5, 0.5, s / SQRT2, s * SQRT2]);
    expect(prior(set, 8731)[3]).toBeGreaterThan(1);
    expectBox(prior(set, 8729), [0.5, 0.5, Math.sqrt(264 * 315) / 300, Math.sqrt(264 * 315) / 300]);
  });

  it('clip clamps cx, cy, w, h to [0, 1]', () => {
    const clipped = generatePriors({ ...PRIOR_PRESETS.ssd300, clip: true });
    const s = 264 / 300;
    expectBox(prior(clipped, 8731), [0.5, 0.5, s / SQRT2, 1]);
    expectBox(prior(clipped, 8730), [0.5, 0.5, 1, s / SQRT2]); // 264·√2/300 > 1
    expect(prior(clipped, 0)).toEqual(prior(set, 0));

    // A centre past the image edge is clamped too.
    const off = generatePriors(
      parsePriorConfig({
        image: { width: 300, height: 300 },
        clip: true,
        layers: [{ name: 'a', size: [1, 2], step: 400, minSize: 30, aspectRatios: [] }],
      }),
    );
    expectBox(prior(off, 1), [1, 200 / 300, 0.1, 0.1]);
  });

  it('locates priors by layer, cell and box', () => {
    expect(priorLayerOf(set, 0)).toEqual({ layer: 0, row: 0, col: 0, box: 0 });
    expect(priorLayerOf(set, 4 * 38 + 4 + 2)).toEqual({ layer: 0, row: 1, col: 1, box: 2 });
    expect(priorLayerOf(set, 5775)).toEqual({ layer: 0, row: 37, col: 37, box: 3 });
    expect(priorLayerOf(set, 5776)).toEqual({ layer: 1, row: 0, col: 0, box: 0 });
    expect(priorLayerOf(set, 5776 + 6 * 19 + 6 * 2 + 5)).toEqual({
      layer: 1,
      row: 1,
      col: 2,
      box: 5,
    });
    expect(priorLayerOf(set, 8731)).toEqual({ layer: 5, row: 0, col: 0, box: 3 });
    expect(() => priorLayerOf(set, 8732)).toThrow(RangeError);
    expect(() => priorLayerOf(set, -1)).toThrow(/outside \[0, 8732\)/);
    expect(() => priorLayerOf(set, 1.5)).toThrow(RangeError);
  });
});

describe('SSD512 preset', () => {
  it('has 24564 priors', () => {
    const set = generatePriors(PRIOR_PRESETS.ssd512);
    expect(set.count).toBe(24564);
    expect(set.layers.map((l) => l.count)).toEqual([16384, 6144, 1536, 384, 96, 16, 4]);
    expect(set.layers[6]!.name).toBe('conv10_2');
    expectBox(prior(set, 0), [4 / 512, 4 / 512, 35.84 / 512, 35.84 / 512]);
  });

  it('is frozen, so no caller can corrupt it for others', () => {
    expect(Object.isFrozen(PRIOR_PRESETS.ssd512)).toBe(true);
    expect(Object.isFrozen(PRIOR_PRESETS.ssd300.layers[0])).toBe(true);
  });
});

describe('Caffe scale form (sMin/sMax)', () => {
  function scaleForm(preset: CaffePriorConfig, sMin: number, sMax: number, first: number) {
    return parsePriorConfig({
      image: preset.image,
      sMin,
      sMax,
      firstLayerScale: first,
      layers: preset.layers.map(({ name, size, step, aspectRatios }) => ({
        name,
        size,
        step,
        aspectRatios,
      })),
    });
  }
  const ssd300 = PRIOR_PRESETS.ssd300;
  const ssd512 = PRIOR_PRESETS.ssd512;

  it('computes s_k linearly and extrapolates one step after the last layer', () => {
    // 0.2 + 0.17·k over 5 layers: 60, 111, 162, 213, 264 px, then 315 px.
    const cfg = scaleForm(ssd300, 0.2, 0.88, 0.1) as CaffePriorConfig;
    const sizes = caffeLayerSizes(cfg);
    const want = [30, 60, 111, 162, 213, 264, 315];
    sizes.forEach((s, k) => {
      expect(s.minSize).toBeCloseTo(want[k]!, 9);
      expect(s.maxSize).toBeCloseTo(want[k + 1]!, 9);
    });
  });

  it.each([
    ['ssd300', ssd300, 0.2, 0.88, 0.1],
    ['ssd512', ssd512, 0.15, 0.9, 0.07],
  ] as const)('reproduces the explicit %s preset', (_, preset, sMin, sMax, first) => {
    const explicit = generatePriors(preset);
    const scaled = generatePriors(scaleForm(preset, sMin, sMax, first));
    expect(scaled.count).toBe(explicit.count);
    let maxDiff = 0;
    for (let i = 0; i < explicit.boxes.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs(scaled.boxes[i]! - explicit.boxes[i]!));
    }
    expect(maxDiff).toBeLessThan(1e-6);
  });

  it('scaleAfterLast as a number caps the last extra box', () => {
    const cfg = parsePriorConfig({
      image: { width: 300, height: 300 },
      sMin: 0.2,
      sMax: 0.9,
      scaleAfterLast: 1,
      layers: [
        { name: 'a', size: [2, 2], aspectRatios: [] },
        { name: 'b', size: [1, 1], aspectRatios: [] },
      ],
    });
    const set = generatePriors(cfg);
    // a: s = 0.2, extra sqrt(0.2·0.9); b: s = 0.9, extra sqrt(0.9·1.0).
    expect(set.layers.map((l) => l.scale)).toEqual([0.2, 0.9].map((v) => expect.closeTo(v, 9)));
    expectBox(prior(set, 1), [0.25, 0.25, Math.sqrt(0.18), Math.sqrt(0.18)]);
    expectBox(prior(set, 9), [0.5, 0.5, Math.sqrt(0.9), Math.sqrt(0.9)]);
  });
});

describe('Caffe convention details', () => {
  it('defaults step to image/size and keeps pixel-square boxes on non-square inputs', () => {
    const set = generatePriors(
      parsePriorConfig({
        image: { width: 200, height: 100 },
        layers: [{ name: 'a', size: [2, 4], minSize: 50, aspectRatios: [4] }],
      }),
    );
    // step = (100/2, 200/4) = (50, 50) px; centre of cell (0,0) = (25/200, 25/100).
    expect(set.count).toBe(2 * 4 * 3);
    expectBox(prior(set, 0), [0.125, 0.25, 0.25, 0.5]);
    expectBox(prior(set, 1), [0.125, 0.25, 100 / 200, 25 / 100]); // r = 4: 100×25 px
    expectBox(prior(set, 2), [0.125, 0.25, 25 / 200, 100 / 100]); // flip
    expectBox(prior(set, 3), [0.375, 0.25, 0.25, 0.5]); // next column
  });

  it('honours [stepY, stepX], offset and flip: false', () => {
    const set = generatePriors(
      parsePriorConfig({
        image: { width: 300, height: 300 },
        offset: 0,
        flip: false,
        layers: [{ name: 'a', size: [2, 2], step: [30, 60], minSize: 30, aspectRatios: [2, 3] }],
      }),
    );
    expect(set.layers[0]!.boxesPerCell).toBe(3);
    expectBox(prior(set, 3), [0.2, 0, 0.1, 0.1]); // row 0, col 1
    expectBox(prior(set, 6), [0, 0.1, 0.1, 0.1]); // row 1, col 0
    expectBox(prior(set, 2), [0, 0, 0.1 * Math.sqrt(3), 0.1 / Math.sqrt(3)]);
  });
});

describe('TF convention', () => {
  const base = {
    convention: 'tf',
    image: { width: 300, height: 300 },
    minScale: 0.2,
    maxScale: 0.95,
    aspectRatios: [1.0, 2.0, 0.5],
    layers: [
      { name: 'low', size: [2, 2] },
      { name: 'top', size: [1, 1] },
    ],
  };

  it('matches hand-computed anchors, reduced lowest layer included', () => {
    const set = generatePriors(parsePriorConfig(base));
    expect(set.layers.map((l) => l.boxesPerCell)).toEqual([3, 4]);
    expect(set.layers.map((l) => l.scale)).toEqual([0.2, 0.95]);
    expect(set.count).toBe(2 * 2 * 3 + 4);
    const r2 = Math.SQRT2;
    // low: stride 1/2, offset 1/4; specs (0.1, 1), (0.2, 2), (0.2, 0.5).
    expectBox(prior(set, 0), [0.25, 0.25, 0.1, 0.1]);
    expectBox(prior(set, 1), [0.25, 0.25, 0.2 * r2, 0.2 / r2]);
    expectBox(prior(set, 2), [0.25, 0.25, 0.2 / r2, 0.2 * r2]);
    // y outer, x inner: cell (0, 1) then (1, 0).
    expectBox(prior(set, 3), [0.75, 0.25, 0.1, 0.1]);
    expectBox(prior(set, 6), [0.25, 0.75, 0.1, 0.1]);
    // top: (0.95, 1), (0.95, 2), (0.95, 0.5), then interpolated sqrt(0.95·1.0) at ratio 1.
    expectBox(prior(set, 12), [0.5, 0.5, 0.95, 0.95]);
    expectBox(prior(set, 13), [0.5, 0.5, 0.95 * r2, 0.95 / r2]);
    expectBox(prior(set, 14), [0.5, 0.5, 0.95 / r2, 0.95 * r2]);
    expectBox(prior(set, 15), [0.5, 0.5, Math.sqrt(0.95), Math.sqrt(0.95)]);
  });

  it("interpolatedScalePosition 'after-unit-ratio' puts the extra box right after ratio 1 (TF 2017)", () => {
    const set = generatePriors(
      parsePriorConfig({ ...base, interpolatedScalePosition: 'after-unit-ratio' }),
    );
    const r2 = Math.SQRT2;
    expect(set.count).toBe(2 * 2 * 3 + 4);
    expectBox(prior(set, 12), [0.5, 0.5, 0.95, 0.95]);
    expectBox(prior(set, 13), [0.5, 0.5, Math.sqrt(0.95), Math.sqrt(0.95)]);
    expectBox(prior(set, 14), [0.5, 0.5, 0.95 * r2, 0.95 / r2]);
    expectBox(prior(set, 15), [0.5, 0.5, 0.95 / r2, 0.95 * r2]);
  });

  it('without reduction the lowest layer uses the ratios and interpolates to scale_1', () => {
    const set = generatePriors(
      parsePriorConfig({
        ...base,
        reduceBoxesInLowestLayer: false,
        interpolatedScaleAspectRatio: 2,
      }),
    );
    expect(set.layers[0]!.boxesPerCell).toBe(4);
    const s = Math.sqrt(0.2 * 0.95);
    expectBox(prior(set, 0), [0.25, 0.25, 0.2, 0.2]);
    expectBox(prior(set, 3), [0.25, 0.25, s * Math.SQRT2, s / Math.SQRT2]);
  });

  it('interpolatedScaleAspectRatio 0 drops the interpolated box', () => {
    const set = generatePriors(parsePriorConfig({ ...base, interpolatedScaleAspectRatio: 0 }));
    expect(set.layers[1]!.boxesPerCell).toBe(3);
  });

  it('scales the base anchor for non-square images, and takes strides/offsets in pixels', () => {
    const set = generatePriors(
      parsePriorConfig({
        ...base,
        image: { width: 600, height: 300 },
        layers: [
          { name: 'low', size: [2, 2], anchorStride: [100, 200], anchorOffset: [0, 50] },
          { name: 'top', size: [1, 1] },
        ],
      }),
    );
    // base = (h, w) = (1·300/300, 1·300/600) = (1, 0.5): square in pixels.
    expectBox(prior(set, 0), [50 / 600, 0, 0.05, 0.1]);
    expectBox(prior(set, 3), [250 / 600, 0, 0.05, 0.1]); // x stride 200 px
    expectBox(prior(set, 6), [50 / 600, 1 / 3, 0.05, 0.1]); // y stride 100 px
    expectBox(prior(set, 12), [0.5, 0.5, 0.475, 0.95]);
  });

  it('uses explicit scales when given', () => {
    const set = generatePriors(parsePriorConfig({ ...base, scales: [0.3, 0.6] }));
    expect(set.layers.map((l) => l.scale)).toEqual([0.3, 0.6]);
    expectBox(prior(set, 15), [0.5, 0.5, Math.sqrt(0.6), Math.sqrt(0.6)]);
  });
});

describe('parsePriorConfig', () => {
  const layer = { name: 'a', size: [2, 2], minSize: 30, aspectRatios: [2] };
  const image = { width: 300, height: 300 };

  it('defaults convention, offset, clip and flip', () => {
    const cfg = parsePriorConfig({ image, layers: [layer] });
    expect(cfg).toMatchObject({ convention: 'caffe', offset: 0.5, clip: false, flip: true });
  });

  it('names the offending field path', () => {
    expect(() =>
      parsePriorConfig({ image, layers: [layer, { ...layer, name: 'b', minSize: -1 }] }),
    ).toThrow(/layers\[1\]\.minSize/);
    expect(() =>
      parsePriorConfig({ image, layers: [{ name: 'a', size: [2, 2], aspectRatios: [] }] }),
    ).toThrow(/layers\[0\]\.minSize: required/);
    expect(() => parsePriorConfig({ image, layers: [{ ...layer, size: [2, 'x'] }] })).toThrow(
      /layers\[0\]\.size\[1\]/,
    );
    expect(() => parsePriorConfig({ image, layers: [{ ...layer, aspectRatio: [2] }] })).toThrow(
      /Unrecognized key.*aspectRatio/,
    );
    expect(() => parsePriorConfig({ convention: 'yolo', image, layers: [layer] })).toThrow(
      /convention/,
    );
  });

  it('rejects ratio 1, repeated shapes, bad maxSize, duplicate names and mixed forms', () => {
    const bad =
      (patch: Record<string, unknown>, layerPatch: Record<string, unknown> = {}) =>
      () =>
        parsePriorConfig({ image, layers: [{ ...layer, ...layerPatch }], ...patch });
    expect(bad({}, { aspectRatios: [1, 2] })).toThrow(
      /aspectRatios\[0\]: aspect ratio 1 is implicit/,
    );
    expect(bad({}, { aspectRatios: [2, 0.5] })).toThrow(/aspectRatios\[1\].*repeats/);
    expect(bad({ flip: false }, { aspectRatios: [2, 0.5] })).not.toThrow();
    expect(bad({}, { maxSize: 20 })).toThrow(/layers\[0\]\.maxSize: must be greater than minSize/);
    expect(bad({ sMin: 0.2, sMax: 0.9 })).toThrow(/layers\[0\]\.minSize.*scale form/);
    expect(bad({ sMin: 0.2 })).toThrow(/sMax/);
    expect(bad({ firstLayerScale: 0.1 })).toThrow(/firstLayerScale/);
    expect(() => parsePriorConfig({ image, layers: [layer, layer] })).toThrow(
      /layers\[1\]\.name: duplicate layer name "a"/,
    );
  });

  it('checks TF configs too', () => {
    const tf = {
      convention: 'tf',
      image,
      aspectRatios: [1],
      layers: [{ name: 'a', size: [1, 1] }],
    };
    expect(parsePriorConfig(tf)).toMatchObject({
      minScale: 0.2,
      maxScale: 0.95,
      interpolatedScaleAspectRatio: 1,
      reduceBoxesInLowestLayer: true,
      baseAnchorSize: [1, 1],
    });
    expect(() => parsePriorConfig({ ...tf, scales: [0.1, 0.2] })).toThrow(
      /scales: has 2 entries for 1 layers/,
    );
    expect(() => parsePriorConfig({ ...tf, minScale: 0.9, maxScale: 0.2 })).toThrow(/minScale/);
    expect(() => parsePriorConfig({ ...tf, minSize: 3 })).toThrow(/Unrecognized key/);
  });

  it('round-trips the presets through JSON', () => {
    const json = JSON.parse(JSON.stringify(PRIOR_PRESETS.ssd300)) as unknown;
    expect(parsePriorConfig(json)).toEqual(PRIOR_PRESETS.ssd300);
  });
});
