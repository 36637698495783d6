/**
 * SSD box math (Liu et al. 2016): priors, IoU, matching, box coding, NMS.
 * Flat `Float32Array`s of 4N numbers throughout; see each module for its layout.
 */
export { boxCount, cxcywhToXyxy, cxcywhToXyxy64, validateXyxy, xyxyToCxcywh } from './boxes';
export type { BoxArray } from './boxes';
export { boxArea, iouMatrix, iouMatrix64, iouPair } from './iou';
export {
  ASPECT_RATIO_EPSILON,
  CaffePriorConfigSchema,
  CaffePriorLayerSchema,
  FeatureMapSizeSchema,
  ImageSizeSchema,
  PRIOR_PRESETS,
  PriorConfigSchema,
  TfPriorConfigSchema,
  TfPriorLayerSchema,
  parsePriorConfig,
} from './priorConfig';
export type {
  CaffePriorConfig,
  CaffePriorLayer,
  ImageSize,
  PriorConfig,
  TfPriorConfig,
  TfPriorLayer,
} from './priorConfig';
export {
  TF_LOWEST_LAYER_SMALL_SCALE,
  caffeLayerSizes,
  generatePriors,
  priorLayerOf,
  tfLayerScales,
} from './priors';
export type { PriorLayerSummary, PriorLocation, PriorSet } from './priors';
export {
  BELOW_THRESHOLD,
  DEFAULT_MATCH_THRESHOLD,
  IOU_RESOLUTION,
  matchPriors,
  snapIou,
} from './matching';
export type { MatchOptions, MatchResult } from './matching';
export {
  BBOX_XFORM_CLIP,
  BoxCoderSpecSchema,
  DEFAULT_SSD_VARIANCES,
  DEFAULT_TF_SCALE_FACTORS,
  SsdBoxCoder,
  TfBoxCoder,
  createBoxCoder,
} from './boxCoder';
export type { BoxCoder, BoxCoderSpec } from './boxCoder';
export {
  DEFAULT_BACKGROUND_INDEX,
  DEFAULT_NMS_IOU_THRESHOLD,
  DEFAULT_PER_CLASS_CANDIDATES,
  DEFAULT_SCORE_THRESHOLD,
  DEFAULT_TOP_K,
  nms,
  selectDetections,
} from './nms';
export type { Detections, SelectDetectionsInput } from './nms';
export { partialSortByScore } from './topK';
export { formatSchemaError } from './schemaError';
export {
  STRETCH,
  canvasFor,
  canvasToImage,
  canvasToImageUnclipped,
  imageToCanvas,
} from './canvasMapping';
export type { Canvas } from './canvasMapping';
export { cellAt, describePrior, priorsAtPoint, priorsOfCell } from './priorLookup';
export type { PriorInfo } from './priorLookup';
export { buildPriorIndex, expandMatch, matchSparse } from './priorIndex';
export type { GtMatch, PriorIndex, SparseMatch } from './priorIndex';
export { DEFAULT_BACKGROUND_CLASS, computeTargets } from './targets';
export type { TargetsInput, TrainingTargets } from './targets';
export {
  DEFAULT_NEG_POS_RATIO,
  backgroundConfidenceLoss,
  selectHardNegatives,
} from './hardNegatives';
export type { HardNegativeOptions } from './hardNegatives';
export { computeCoverage } from './coverage';
export type { BoxCoverage, CoverageImage, CoverageOptions, CoverageStats } from './coverage';
export { CANDIDATE_RATIOS, optimizePriors } from './priorOptimizer';
export type { OptimizeOptions, OptimizeResult } from './priorOptimizer';
