/**
 * Manifest presets: the conventions of a framework's SSD export, so that a manifest can say
 * `"preset": "torchvision-ssd300"` and give only its name, file, classes and what differs.
 * The preset is merged under the manifest's own fields (`applyManifestPreset`); docs/models.md
 * lists each preset with the export command it goes with and the framework code each value
 * comes from.
 */
import { PRIOR_PRESETS } from '../ssd/priorConfig';

/** A JSON object (what a manifest file holds before it is validated). */
type JsonObject = { [key: string]: unknown };

/**
 * torchvision `ssd300_vgg16` (torchvision/models/detection/ssd.py): `DefaultBoxGenerator` with
 * scales 0.07…1.05, steps 8…300 and clip=True; `GeneralizedRCNNTransform` with fixed_size
 * (300, 300) (a stretch, `F.interpolate(bilinear, align_corners=False)`), image_mean
 * [0.48235, 0.45882, 0.40784] and image_std 1/255 on [0, 1] pixels; `BoxCoder(weights=(10, 10,
 * 5, 5))`; `postprocess_detections`: softmax, background column 0 dropped, score_thresh 0.01,
 * topk_candidates 400 per class, `clip_boxes_to_image`, `batched_nms` 0.45, detections_per_img 200.
 */
const TORCHVISION_SSD300: JsonObject = {
  input: {
    name: 'images',
    width: 300,
    height: 300,
    layout: 'nchw',
    colorOrder: 'rgb',
    // (p/255 − mean)/std with std = 1/255: p − 255·mean.
    normalize: { scale: 1, offset: [-0.48235 * 255, -0.45882 * 255, -0.40784 * 255] },
    resize: { mode: 'stretch', padAnchor: 'top-left', interpolation: 'bilinear-half-pixel' },
  },
  output: {
    kind: 'raw',
    boxes: 'bbox_regression',
    scores: 'cls_logits',
    scoreActivation: 'softmax',
    backgroundIndex: 0,
  },
  boxCoder: { kind: 'ssd', variances: [0.1, 0.2] },
  priors: torchvisionPriors(
    300,
    [38, 19, 10, 5, 3, 1],
    [8, 16, 32, 64, 100, 300],
    [0.07, 0.15, 0.33, 0.51, 0.69, 0.87, 1.05],
    [[2], [2, 3], [2, 3], [2, 3], [2], [2]],
  ),
  postprocess: {
    scoreThreshold: 0.01,
    iouThreshold: 0.45,
    topK: 200,
    perClassCandidates: 400,
    maxPerClass: null,
    classAgnostic: false,
    clipBeforeNms: true,
  },
};

/**
 * torchvision `ssdlite320_mobilenet_v3_large` (torchvision/models/detection/ssdlite.py):
 * `DefaultBoxGenerator([[2, 3]] * 6, min_ratio=0.2, max_ratio=0.95)` (no steps: cell centres
 * from the feature-map size; last scale 1.0), image_mean/std 0.5 (pixels to [−1, 1]),
 * score_thresh 0.001, nms_thresh 0.55, detections_per_img 300, topk_candidates 300.
 */
const TORCHVISION_SSDLITE320: JsonObject = {
  ...TORCHVISION_SSD300,
  input: {
    ...(TORCHVISION_SSD300.input as JsonObject),
    width: 320,
    height: 320,
    normalize: { scale: 2 / 255, offset: -1 },
  },
  priors: {
    convention: 'caffe',
    image: { width: 320, height: 320 },
    offset: 0.5,
    clip: 'size',
    flip: true,
    sMin: 0.2,
    sMax: 0.95,
    scaleAfterLast: 1,
    layers: [20, 10, 5, 3, 2, 1].map((size, k) => ({
      name: `layer${k}`,
      size: [size, size],
      aspectRatios: [2, 3],
    })),
  },
  postprocess: {
    ...(TORCHVISION_SSD300.postprocess as JsonObject),
    scoreThreshold: 0.001,
    iouThreshold: 0.55,
    topK: 300,
    perClassCandidates: 300,
  },
};

/**
 * TF Object Detection API SSD (ssd_mobilenet_v1/v2_coco pipeline.config, raw head outputs as
 * `export_tflite_ssd_graph.py` names them): `fixed_shape_resizer` 300×300
 * (`tf.image.resize_bilinear`, align_corners=false), pixels to [−1, 1], NHWC;
 * `ssd_anchor_generator` (0.2…0.95, ratios 1, 2, 0.5, 3, 0.3333, reduced lowest layer);
 * `FasterRcnnBoxCoder` (10, 10, 5, 5, order y, x, h, w); `SIGMOID` score converter with a
 * background column; `batch_non_max_suppression` score 1e-8, IoU 0.6, 100 per class, 100 in
 * all, no candidate cut before NMS. TF 2 `multiclass_non_max_suppression` clips to the window
 * after NMS (releases before mid-2018 clipped before: set `clipBeforeNms` for those).
 */
const TF_OD_API_SSD: JsonObject = {
  input: {
    name: 'normalized_input_image_tensor',
    width: 300,
    height: 300,
    layout: 'nhwc',
    colorOrder: 'rgb',
    normalize: { scale: 2 / 255, offset: -1 },
    resize: { mode: 'stretch', padAnchor: 'top-left', interpolation: 'bilinear-asymmetric' },
  },
  output: {
    kind: 'raw',
    boxes: 'raw_outputs/box_encodings',
    scores: 'raw_outputs/class_predictions',
    scoreActivation: 'sigmoid',
    backgroundIndex: 0,
  },
  boxCoder: { kind: 'tf', scaleFactors: [10, 10, 5, 5] },
  priors: {
    convention: 'tf',
    image: { width: 300, height: 300 },
    minScale: 0.2,
    maxScale: 0.95,
    aspectRatios: [1.0, 2.0, 0.5, 3.0, 0.3333],
    interpolatedScaleAspectRatio: 1.0,
    interpolatedScalePosition: 'last',
    reduceBoxesInLowestLayer: true,
    layers: [19, 10, 5, 3, 2, 1].map((size, k) => ({ name: `layer${k}`, size: [size, size] })),
  },
  postprocess: {
    scoreThreshold: 1e-8,
    iouThreshold: 0.6,
    topK: 100,
    perClassCandidates: null,
    maxPerClass: 100,
    classAgnostic: false,
    clipBeforeNms: false,
  },
};

/**
 * The original Caffe SSD300 (weiliu89/caffe `ssd_pascal.py` deploy net): BGR, mean
 * (104, 117, 123) subtracted, warped to 300×300; `PriorBox` layers of the paper (clip false,
 * variances 0.1, 0.1, 0.2, 0.2); `mbox_loc` / `mbox_conf` before the softmax layer;
 * `DetectionOutput`: background 0, confidence_threshold 0.01, nms_threshold 0.45, top_k 400,
 * keep_top_k 200, clip_bbox false.
 */
const CAFFE_SSD: JsonObject = {
  input: {
    name: 'data',
    width: 300,
    height: 300,
    layout: 'nchw',
    colorOrder: 'bgr',
    normalize: { scale: 1, offset: [-104, -117, -123] },
    resize: { mode: 'stretch', padAnchor: 'top-left', interpolation: 'bilinear-half-pixel' },
  },
  output: {
    kind: 'raw',
    boxes: 'mbox_loc',
    scores: 'mbox_conf',
    scoreActivation: 'softmax',
    backgroundIndex: 0,
  },
  boxCoder: { kind: 'ssd', variances: [0.1, 0.2] },
  priors: PRIOR_PRESETS.ssd300,
  postprocess: {
    scoreThreshold: 0.01,
    iouThreshold: 0.45,
    topK: 200,
    perClassCandidates: 400,
    maxPerClass: null,
    classAgnostic: false,
    clipBeforeNms: false,
  },
};

export const MANIFEST_PRESETS: Readonly<Record<string, JsonObject>> = {
  'torchvision-ssd300': TORCHVISION_SSD300,
  'torchvision-ssdlite320': TORCHVISION_SSDLITE320,
  'tf-od-api-ssd': TF_OD_API_SSD,
  'caffe-ssd': CAFFE_SSD,
};

export const MANIFEST_PRESET_NAMES = Object.keys(MANIFEST_PRESETS);

/**
 * torchvision's `DefaultBoxGenerator` with steps, as a Caffe-convention prior config: the same
 * boxes in the same order (per cell s_k, sqrt(s_k·s_k+1), then each ratio and its flip; clip=True
 * clamps widths and heights, not centres, to [0, 1]: `clip: "size"`).
 */
function torchvisionPriors(
  image: number,
  sizes: number[],
  steps: number[],
  scales: number[],
  ratios: number[][],
): JsonObject {
  return {
    convention: 'caffe',
    image: { width: image, height: image },
    offset: 0.5,
    clip: 'size',
    flip: true,
    layers: sizes.map((size, k) => ({
      name: `layer${k}`,
      size: [size, size],
      step: steps[k],
      minSize: scales[k]! * image,
      maxSize: scales[k + 1]! * image,
      aspectRatios: ratios[k],
    })),
  };
}

/** Fields that hold one whole unit: a manifest's own value replaces the preset's outright. */
const REPLACED_WHOLE = new Set(['priors', 'classes']);
/** Discriminators: when the manifest's differs from the preset's, its object replaces the preset's. */
const DISCRIMINATORS = ['kind', 'convention'];

/**
 * Merges the preset a manifest names (`"preset"`) under the manifest's own fields: objects merge
 * key by key, arrays and other values replace, `priors` replaces whole, and an object whose
 * `kind` differs from the preset's (e.g. decoded outputs over a raw-output preset) replaces it.
 * A manifest without `preset` comes back unchanged.
 *
 * @throws Error naming the `preset` field when it is not a known preset name.
 */
export function applyManifestPreset(json: unknown): unknown {
  if (!isObject(json) || json.preset === undefined) return json;
  const name = json.preset;
  const preset = typeof name === 'string' ? MANIFEST_PRESETS[name] : undefined;
  if (!preset) {
    throw new Error(
      `preset: ${JSON.stringify(name)} is not a known preset (known: ${MANIFEST_PRESET_NAMES.join(', ')})`,
    );
  }
  return mergeUnder(preset, json);
}

function mergeUnder(base: JsonObject, own: JsonObject): JsonObject {
  const out: JsonObject = { ...base };
  for (const [key, value] of Object.entries(own)) {
    const under = base[key];
    out[key] =
      !REPLACED_WHOLE.has(key) && isObject(under) && isObject(value) && sameKind(under, value)
        ? mergeUnder(under, value)
        : value;
  }
  return out;
}

function sameKind(a: JsonObject, b: JsonObject): boolean {
  return DISCRIMINATORS.every((d) => b[d] === undefined || a[d] === b[d]);
}

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
