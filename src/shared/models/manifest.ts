import { z } from 'zod';
import { BoxCoderSpecSchema } from '../ssd/boxCoder';
import { PriorConfigSchema } from '../ssd/priorConfig';
import { applyManifestPreset } from './presets';

/**
 * A model manifest: the JSON file beside an ONNX model that says how to feed it and how to read
 * its outputs (DESIGN.md §4). Everything a pipeline step needs is here, so a user's own SSD runs
 * through the same code as the embedded one.
 */

export const ResizeSchema = z.object({
  /**
   * - `stretch`: resize each axis independently to the input size (the SSD paper's warp).
   * - `pad-square`: pad to a square with zeros, then resize (face-api; keeps aspect ratio).
   * - `letterbox`: scale to fit, then pad to the input size.
   */
  mode: z.enum(['stretch', 'pad-square', 'letterbox']).default('stretch'),
  /** Where the image sits in the padded canvas; padding goes to the other side(s). */
  padAnchor: z.enum(['top-left', 'center']).default('top-left'),
  /**
   * Sampling kernel, implemented exactly:
   * - `bilinear-asymmetric`: TF legacy resize_bilinear (align_corners=false,
   *   half_pixel_centers=false), ONNX Resize `coordinate_transformation_mode=asymmetric`.
   * - `bilinear-half-pixel`: OpenCV INTER_LINEAR / PyTorch align_corners=False / ONNX `half_pixel`.
   * - `nearest-asymmetric`: TF legacy nearest neighbour (floor).
   */
  interpolation: z
    .enum(['bilinear-asymmetric', 'bilinear-half-pixel', 'nearest-asymmetric'])
    .default('bilinear-half-pixel'),
});
export type ResizeSpec = z.infer<typeof ResizeSchema>;

export const InputSpecSchema = z.object({
  /** Graph input name. */
  name: z.string().min(1),
  width: z.number().int().positive().max(4096),
  height: z.number().int().positive().max(4096),
  layout: z.enum(['nchw', 'nhwc']),
  colorOrder: z.enum(['rgb', 'bgr']).default('rgb'),
  /**
   * value = pixel · scale + offset, per channel when arrays are given (in colorOrder).
   * ImageNet-style mean/std: scale = 1/std, offset = −mean/std.
   */
  normalize: z.object({
    scale: z.union([z.number(), z.tuple([z.number(), z.number(), z.number()])]),
    offset: z.union([z.number(), z.tuple([z.number(), z.number(), z.number()])]),
  }),
  /**
   * Element type of the graph input: `uint8` for exports that take pixels (TF OD API
   * `input_tensor`); the preprocessed values are then rounded and clamped to 0…255.
   */
  dtype: z.enum(['float32', 'uint8']).default('float32'),
  resize: ResizeSchema.default({
    mode: 'stretch',
    padAnchor: 'top-left',
    interpolation: 'bilinear-half-pixel',
  }),
});
export type InputSpec = z.infer<typeof InputSpecSchema>;

export const RawOutputSchema = z.object({
  /** Box offsets per prior, [N, P, 4], decoded with `boxCoder` against `priors`. */
  kind: z.literal('raw'),
  boxes: z.string().min(1),
  /** Class scores per prior, [N, P, C]. */
  scores: z.string().min(1),
  scoreActivation: z.enum(['softmax', 'sigmoid', 'none']),
  /** Score column of the background class, or null when the model has none. */
  backgroundIndex: z.number().int().nonnegative().nullable().default(0),
  /**
   * Score columns that are the manifest's `classes`, in order. Default: every column but the
   * background one.
   */
  classLogitIndices: z.array(z.number().int().nonnegative()).optional(),
});

export const DecodedOutputSchema = z.object({
  /** Post-processed outputs (e.g. a TF Object Detection API export): boxes [N,K,4] y1x1y2x2. */
  kind: z.literal('decoded'),
  boxes: z.string().min(1),
  scores: z.string().min(1),
  labels: z.string().min(1),
  count: z.string().min(1).optional(),
  boxOrder: z.enum(['yxyx', 'xyxy']).default('yxyx'),
  /** Label value of the first manifest class (TF exports count classes from 1). */
  labelOffset: z.number().int().default(1),
});

export const OutputSpecSchema = z.discriminatedUnion('kind', [
  RawOutputSchema,
  DecodedOutputSchema,
]);
export type OutputSpec = z.infer<typeof OutputSpecSchema>;

/**
 * How raw head outputs become detections; each field is named after what a framework does
 * (docs/models.md has the table with the framework code each one mirrors). The defaults are
 * Caffe `DetectionOutput` as the SSD paper ran it, which every model before these fields had.
 */
export const PostprocessSchema = z.object({
  /** Candidates need a score strictly above this (Caffe `confidence_threshold`, torchvision `score_thresh`). */
  scoreThreshold: z.number().min(0).max(1).default(0.01),
  /** NMS suppresses a box whose IoU with a kept one is above this (`nms_threshold`, `nms_thresh`). */
  iouThreshold: z.number().min(0).max(1).default(0.45),
  /** Detections per image, after NMS (Caffe `keep_top_k`, torchvision `detections_per_img`, TF `max_total_detections`). */
  topK: z.number().int().positive().default(200),
  /**
   * Best candidates per class sent to NMS (Caffe `nms_param.top_k`, torchvision
   * `topk_candidates`); null: all of them (TF OD API, which has no such step).
   */
  perClassCandidates: z.number().int().positive().nullable().default(400),
  /** Detections kept per class by NMS (TF `max_detections_per_class`); null: up to `topK`. */
  maxPerClass: z.number().int().positive().nullable().default(null),
  /** One NMS over all classes, each prior with its best class (face-api), instead of one per class. */
  classAgnostic: z.boolean().default(false),
  /**
   * Clip decoded boxes to the image before NMS (torchvision `box_ops.clip_boxes_to_image` in
   * `SSD.postprocess_detections`; TF OD API `clip_window`; Caffe `clip_bbox: true`). false: NMS
   * sees the boxes as decoded (Caffe `DetectionOutput` default) and they are clipped only when
   * mapped to image pixels.
   */
  clipBeforeNms: z.boolean().default(false),
});
export type PostprocessSpec = z.infer<typeof PostprocessSchema>;

export const ModelManifestSchema = z
  .object({
    /** A preset from presets.ts merged under this manifest's own fields (docs/models.md). */
    preset: z.string().optional(),
    name: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'lower-case letters, digits, . _ - only'),
    title: z.string().optional(),
    /** ONNX file, relative to the manifest. */
    file: z.string().min(1),
    classes: z.array(z.string().min(1)).min(1),
    input: InputSpecSchema,
    output: OutputSpecSchema,
    boxCoder: BoxCoderSpecSchema.optional(),
    priors: PriorConfigSchema.optional(),
    postprocess: PostprocessSchema.default({
      scoreThreshold: 0.01,
      iouThreshold: 0.45,
      topK: 200,
      perClassCandidates: 400,
      maxPerClass: null,
      classAgnostic: false,
      clipBeforeNms: false,
    }),
    provenance: z.record(z.string(), z.string()).optional(),
  })
  .superRefine((m, ctx) => {
    if (m.output.kind === 'raw') {
      if (!m.priors)
        ctx.addIssue({ code: 'custom', path: ['priors'], message: 'required for raw outputs' });
      if (!m.boxCoder)
        ctx.addIssue({ code: 'custom', path: ['boxCoder'], message: 'required for raw outputs' });
      const idx = m.output.classLogitIndices;
      if (idx && idx.length !== m.classes.length) {
        ctx.addIssue({
          code: 'custom',
          path: ['output', 'classLogitIndices'],
          message: `has ${idx.length} entries but there are ${m.classes.length} classes`,
        });
      }
    }
  });
export type ModelManifest = z.infer<typeof ModelManifestSchema>;

/** Parses a manifest, turning schema errors into one readable message naming each field. */
export function parseModelManifest(json: unknown, source = 'manifest'): ModelManifest {
  let merged: unknown;
  try {
    merged = applyManifestPreset(json);
  } catch (err) {
    throw new Error(`${source} is not a valid model manifest:\n  ${(err as Error).message}`, {
      cause: err,
    });
  }
  const result = ModelManifestSchema.safeParse(merged);
  if (result.success) return result.data;
  const problems = result.error.issues.map(
    (issue) => `${issue.path.length ? issue.path.join('.') : '(root)'}: ${issue.message}`,
  );
  throw new Error(`${source} is not a valid model manifest:\n  ${problems.join('\n  ')}`);
}
