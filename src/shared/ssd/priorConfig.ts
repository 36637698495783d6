/**
 * Prior (default box) configuration: the data that fully describes an SSD model's
 * priors. The same JSON is embedded in model manifests, so the schema is strict
 * (unknown keys are rejected, catching typos such as `aspectRatio`).
 *
 * Two conventions, chosen by `convention`:
 *
 * - `"caffe"` (default): the original Caffe SSD / ssd.pytorch / torchvision layout.
 *   Sizes in input pixels, either per layer (`minSize`, `maxSize`) or from the
 *   paper's linear scale rule (`sMin`, `sMax`). See {@link CaffePriorConfigSchema}.
 * - `"tf"`: TensorFlow Object Detection API `ssd_anchor_generator`
 *   (MultipleGridAnchorGenerator). See {@link TfPriorConfigSchema}.
 *
 * `generatePriors` (priors.ts) turns a parsed config into boxes.
 */
import { z } from 'zod';
import { formatSchemaError } from './schemaError';

/** Two aspect ratios closer than this are the same box shape (Caffe uses 1e-6 too). */
export const ASPECT_RATIO_EPSILON = 1e-6;

const positive = z.number().positive();

/** Network input size in pixels. */
export const ImageSizeSchema = z.strictObject({
  width: z.number().int().positive(),
  height: z.number().int().positive(),
});

/** Feature-map size `[height, width]` in cells. */
export const FeatureMapSizeSchema = z.tuple([
  z.number().int().positive(),
  z.number().int().positive(),
]);

// ---------------------------------------------------------------------------------------------
// Caffe convention
// ---------------------------------------------------------------------------------------------

/**
 * One source layer in the Caffe convention.
 *
 * - `size`: feature map `[height, width]`.
 * - `step`: distance between cell centres in input pixels, a number or `[stepY, stepX]`;
 *   omitted means `image / size` (Caffe's default).
 * - `minSize`, `maxSize`: in input pixels; explicit form only (omit both in the scale form).
 *   `maxSize` adds the sqrt(minSize·maxSize) box.
 * - `aspectRatios`: besides the implicit 1; each r adds w = s·sqrt(r), h = s/sqrt(r)
 *   (and its 1/r flip when the config's `flip` is true).
 */
export const CaffePriorLayerSchema = z.strictObject({
  name: z.string().min(1),
  size: FeatureMapSizeSchema,
  step: z.union([positive, z.tuple([positive, positive])]).optional(),
  minSize: positive.optional(),
  maxSize: positive.optional(),
  aspectRatios: z.array(positive).default([]),
});

/**
 * Caffe-convention prior config.
 *
 * Per cell the boxes are: the minSize box, the sqrt(minSize·maxSize) box (if any), then
 * for each aspect ratio r the r box followed by its 1/r flip. Cells are row-major with
 * centre `((col + offset)·stepX / width, (row + offset)·stepY / height)`.
 *
 * Scale form (`sMin`, `sMax` given, no per-layer sizes): over the m layers that use the
 * formula, s_k = sMin + (sMax − sMin)(k − 1)/(m − 1) for k = 1..m (s_1 = sMin when
 * m = 1), layer k gets minSize = s_k·min(width, height) and the extra box
 * sqrt(s_k·s_{k+1}). `firstLayerScale` gives the first layer its own smaller scale
 * (Caffe SSD300's conv4_3 at 0.1), with extra box sqrt(firstLayerScale·s_1); the formula
 * then covers the remaining layers. `scaleAfterLast` is s_{m+1}: `"extrapolate"`
 * (default; one more step of the formula, which is what the Caffe SSD300/SSD512 scripts
 * produce: 315 px and 537.6 px) or a number (1.0 gives the TF-style cap).
 *
 * `clip`: `true` clamps each prior's cx, cy, w, h to [0, 1] (as ssd.pytorch does); `"size"`
 * clamps only w and h (torchvision `DefaultBoxGenerator(clip=True)`, whose centres may lie
 * past the edge, e.g. (9.5·32)/300 on SSD300's 10×10 map).
 */
export const CaffePriorConfigSchema = z
  .strictObject({
    convention: z.literal('caffe'),
    image: ImageSizeSchema,
    offset: z.number().min(0).max(1).default(0.5),
    clip: z.union([z.boolean(), z.literal('size')]).default(false),
    flip: z.boolean().default(true),
    sMin: positive.optional(),
    sMax: positive.optional(),
    firstLayerScale: positive.optional(),
    scaleAfterLast: z.union([z.literal('extrapolate'), positive]).optional(),
    layers: z.array(CaffePriorLayerSchema).min(1),
  })
  .superRefine((cfg, ctx) => {
    checkUniqueNames(cfg.layers, ctx);
    const scaleForm = cfg.sMin !== undefined || cfg.sMax !== undefined;
    if (scaleForm) {
      if (cfg.sMin === undefined || cfg.sMax === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: [cfg.sMin === undefined ? 'sMin' : 'sMax'],
          message: 'the scale form needs both sMin and sMax',
        });
      } else if (cfg.sMin > cfg.sMax) {
        ctx.addIssue({ code: 'custom', path: ['sMin'], message: 'sMin must be <= sMax' });
      }
      if (cfg.firstLayerScale !== undefined && cfg.layers.length < 2) {
        ctx.addIssue({
          code: 'custom',
          path: ['firstLayerScale'],
          message: 'firstLayerScale needs at least one more layer for the sMin..sMax formula',
        });
      }
    } else {
      for (const key of ['firstLayerScale', 'scaleAfterLast'] as const) {
        if (cfg[key] !== undefined) {
          ctx.addIssue({
            code: 'custom',
            path: [key],
            message: `${key} belongs to the scale form; give sMin and sMax or remove it`,
          });
        }
      }
    }
    cfg.layers.forEach((layer, i) => {
      if (scaleForm) {
        for (const key of ['minSize', 'maxSize'] as const) {
          if (layer[key] !== undefined) {
            ctx.addIssue({
              code: 'custom',
              path: ['layers', i, key],
              message: `${key} is computed from sMin/sMax in the scale form; remove it or drop sMin/sMax`,
            });
          }
        }
      } else if (layer.minSize === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['layers', i, 'minSize'],
          message: 'required (or give top-level sMin and sMax for the scale form)',
        });
      } else if (layer.maxSize !== undefined && layer.maxSize <= layer.minSize) {
        ctx.addIssue({
          code: 'custom',
          path: ['layers', i, 'maxSize'],
          message: `must be greater than minSize (${layer.minSize})`,
        });
      }
      checkCaffeAspectRatios(layer.aspectRatios, cfg.flip, ['layers', i, 'aspectRatios'], ctx);
    });
  });

// ---------------------------------------------------------------------------------------------
// TF Object Detection API convention
// ---------------------------------------------------------------------------------------------

/**
 * One source layer in the TF convention. `anchorStride` and `anchorOffset` are
 * `[y, x]` in input pixels, as in TF's `ssd_anchor_generator` (they are divided by the
 * image height/width). Defaults: stride = 1/featureSize of the image, offset = stride/2.
 */
export const TfPriorLayerSchema = z.strictObject({
  name: z.string().min(1),
  size: FeatureMapSizeSchema,
  anchorStride: z.tuple([positive, positive]).optional(),
  anchorOffset: z.tuple([z.number(), z.number()]).optional(),
});

/**
 * TF-convention prior config (`create_ssd_anchors`).
 *
 * scale_k = minScale + (maxScale − minScale)·k/(m − 1) for k = 0..m−1 (minScale when
 * m = 1), or the explicit `scales`, followed by 1.0. Box specs per layer:
 * - lowest layer with `reduceBoxesInLowestLayer`: (0.1, 1.0), (scale_0, 2.0), (scale_0, 0.5);
 * - otherwise (scale_k, r) for each r of `aspectRatios` in order, then
 *   (sqrt(scale_k·scale_{k+1}), interpolatedScaleAspectRatio) unless that ratio is 0. Where that
 *   extra box goes is `interpolatedScalePosition`: `"last"` (current TF releases) or
 *   `"after-unit-ratio"` (TF releases of 2017, e.g. ssd_mobilenet_v1_coco_2017_11_17 and
 *   face-api's model: right after the ratio-1.0 box; a layer without ratio 1.0 then has none).
 * A spec (s, r) is h = s/sqrt(r)·baseH, w = s·sqrt(r)·baseW, where `baseAnchorSize`
 * `[h, w]` is scaled by min(height, width)/height and /width so anchors stay square in
 * pixels on non-square inputs. Cells row-major (y outer, x inner), specs innermost.
 */
export const TfPriorConfigSchema = z
  .strictObject({
    convention: z.literal('tf'),
    image: ImageSizeSchema,
    minScale: positive.default(0.2),
    maxScale: positive.default(0.95),
    scales: z.array(positive).optional(),
    aspectRatios: z.array(positive).min(1),
    interpolatedScaleAspectRatio: z.number().min(0).default(1),
    interpolatedScalePosition: z.enum(['last', 'after-unit-ratio']).default('last'),
    reduceBoxesInLowestLayer: z.boolean().default(true),
    baseAnchorSize: z.tuple([positive, positive]).default([1, 1]),
    layers: z.array(TfPriorLayerSchema).min(1),
  })
  .superRefine((cfg, ctx) => {
    checkUniqueNames(cfg.layers, ctx);
    if (cfg.minScale > cfg.maxScale) {
      ctx.addIssue({ code: 'custom', path: ['minScale'], message: 'minScale must be <= maxScale' });
    }
    if (cfg.scales !== undefined && cfg.scales.length !== cfg.layers.length) {
      ctx.addIssue({
        code: 'custom',
        path: ['scales'],
        message: `has ${cfg.scales.length} entries for ${cfg.layers.length} layers`,
      });
    }
  });

// ---------------------------------------------------------------------------------------------
// Either convention
// ---------------------------------------------------------------------------------------------

/** A prior config of either convention; a missing `convention` means `"caffe"`. */
export const PriorConfigSchema = z.preprocess(
  (v) =>
    typeof v === 'object' && v !== null && !Array.isArray(v) && !('convention' in v)
      ? { ...v, convention: 'caffe' }
      : v,
  z.discriminatedUnion('convention', [CaffePriorConfigSchema, TfPriorConfigSchema]),
);

export type ImageSize = z.output<typeof ImageSizeSchema>;
export type CaffePriorLayer = z.output<typeof CaffePriorLayerSchema>;
export type CaffePriorConfig = z.output<typeof CaffePriorConfigSchema>;
export type TfPriorLayer = z.output<typeof TfPriorLayerSchema>;
export type TfPriorConfig = z.output<typeof TfPriorConfigSchema>;
export type PriorConfig = z.output<typeof PriorConfigSchema>;

/**
 * Parses and validates a prior config (defaults filled in).
 *
 * @throws Error listing each invalid field by path, e.g. `layers[2].minSize: ...`.
 */
export function parsePriorConfig(json: unknown): PriorConfig {
  const result = PriorConfigSchema.safeParse(json);
  if (!result.success) throw new Error(formatSchemaError('prior config', result.error));
  return result.data;
}

function checkUniqueNames(layers: ReadonlyArray<{ name: string }>, ctx: z.RefinementCtx): void {
  const seen = new Set<string>();
  layers.forEach((layer, i) => {
    if (seen.has(layer.name)) {
      ctx.addIssue({
        code: 'custom',
        path: ['layers', i, 'name'],
        message: `duplicate layer name "${layer.name}"`,
      });
    }
    seen.add(layer.name);
  });
}

// Caffe silently drops ratio 1 and repeats; rejecting them keeps a manifest's box count
// obvious from reading it.
function checkCaffeAspectRatios(
  ratios: readonly number[],
  flip: boolean,
  path: Array<string | number>,
  ctx: z.RefinementCtx,
): void {
  const shapes: number[] = [1];
  ratios.forEach((r, j) => {
    const same = (s: number): boolean => Math.abs(s - r) < ASPECT_RATIO_EPSILON;
    if (same(1)) {
      ctx.addIssue({
        code: 'custom',
        path: [...path, j],
        message: 'aspect ratio 1 is implicit (the minSize box); remove it',
      });
    } else if (shapes.some(same)) {
      ctx.addIssue({
        code: 'custom',
        path: [...path, j],
        message: `aspect ratio ${r} repeats an earlier box shape${flip ? ' (flip adds 1/r)' : ''}`,
      });
    }
    shapes.push(r);
    if (flip) shapes.push(1 / r);
  });
}

// ---------------------------------------------------------------------------------------------
// Presets
// ---------------------------------------------------------------------------------------------

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

function caffePreset(
  image: number,
  names: string[],
  sizes: number[],
  steps: number[],
  minSizes: number[],
  maxSizes: number[],
  ratios: number[][],
): CaffePriorConfig {
  return deepFreeze(
    CaffePriorConfigSchema.parse({
      convention: 'caffe',
      image: { width: image, height: image },
      offset: 0.5,
      clip: false,
      flip: true,
      layers: names.map((name, k) => ({
        name,
        size: [sizes[k], sizes[k]],
        step: steps[k],
        minSize: minSizes[k],
        maxSize: maxSizes[k],
        aspectRatios: ratios[k],
      })),
    }),
  );
}

const SSD_LAYER_NAMES = ['conv4_3', 'fc7', 'conv6_2', 'conv7_2', 'conv8_2', 'conv9_2', 'conv10_2'];

/**
 * The paper's models (Caffe `ssd_pascal.py` / `ssd_pascal_512.py` priors), frozen.
 * SSD300: 8732 priors. SSD512: 24564 priors. Typed as the Caffe variant (a PriorConfig)
 * so that `{ ...PRIOR_PRESETS.ssd300, clip: true }` type-checks.
 */
export const PRIOR_PRESETS: { ssd300: CaffePriorConfig; ssd512: CaffePriorConfig } = {
  ssd300: caffePreset(
    300,
    SSD_LAYER_NAMES.slice(0, 6),
    [38, 19, 10, 5, 3, 1],
    [8, 16, 32, 64, 100, 300],
    [30, 60, 111, 162, 213, 264],
    [60, 111, 162, 213, 264, 315],
    [[2], [2, 3], [2, 3], [2, 3], [2], [2]],
  ),
  ssd512: caffePreset(
    512,
    SSD_LAYER_NAMES,
    [64, 32, 16, 8, 4, 2, 1],
    [8, 16, 32, 64, 128, 256, 512],
    [35.84, 76.8, 153.6, 230.4, 307.2, 384.0, 460.8],
    [76.8, 153.6, 230.4, 307.2, 384.0, 460.8, 537.6],
    [[2], [2, 3], [2, 3], [2, 3], [2, 3], [2], [2]],
  ),
};
