import { PRESET_NAMES, type PresetName } from '../../shared/models/presetNames';
import { PRIOR_PRESETS, type PriorConfig } from '../../shared/ssd/priorConfig';

/**
 * The manifest fields each framework's common SSD export implies, as `models add` fills them in
 * (everything but name, file, classes and the graph's tensor names, which come from the graph
 * and the user).
 *
 * Stand-in: issue 12 items 1–2 (branch byoconv) define the presets themselves in
 * `src/shared/models/presets.ts`; when both are merged this table should be replaced by theirs.
 * The values follow each framework's source: torchvision `models/detection/ssd.py` and
 * `ssdlite.py` (DefaultBoxGenerator, GeneralizedRCNNTransform), the TF Object Detection API's
 * `ssd_mobilenet_v2_coco.config`, Caffe SSD's `ssd_pascal.py`.
 */
export { PRESET_NAMES, type PresetName };

export interface PresetFields {
  input: {
    width: number;
    height: number;
    layout: 'nchw' | 'nhwc';
    colorOrder: 'rgb' | 'bgr';
    normalize: {
      scale: number | [number, number, number];
      offset: number | [number, number, number];
    };
    resize: {
      mode: 'stretch';
      padAnchor: 'top-left';
      interpolation: 'bilinear-half-pixel' | 'bilinear-asymmetric';
    };
  };
  scoreActivation: 'softmax' | 'sigmoid';
  backgroundIndex: number | null;
  boxCoder:
    | { kind: 'ssd'; variances: [number, number] }
    | { kind: 'tf'; scaleFactors: [number, number, number, number] };
  priors: PriorConfig;
  postprocess: {
    scoreThreshold: number;
    iouThreshold: number;
    topK: number;
    perClassCandidates: number;
    classAgnostic: boolean;
  };
}

const TORCHVISION_VGG_MEAN = [0.48235, 0.45882, 0.40784];

function stretch(
  interpolation: 'bilinear-half-pixel' | 'bilinear-asymmetric',
): PresetFields['input']['resize'] {
  return { mode: 'stretch', padAnchor: 'top-left', interpolation };
}

/** torchvision DefaultBoxGenerator with explicit scales and steps (SSD300-VGG16). */
function torchvisionSsd300Priors(): PriorConfig {
  const scales = [0.07, 0.15, 0.33, 0.51, 0.69, 0.87, 1.05];
  const sizes = [38, 19, 10, 5, 3, 1];
  const steps = [8, 16, 32, 64, 100, 300];
  const ratios = [[2], [2, 3], [2, 3], [2, 3], [2], [2]];
  return {
    convention: 'caffe',
    image: { width: 300, height: 300 },
    offset: 0.5,
    clip: true,
    flip: true,
    layers: sizes.map((s, k) => ({
      name: `feature${k}`,
      size: [s, s],
      step: steps[k]!,
      minSize: scales[k]! * 300,
      maxSize: scales[k + 1]! * 300,
      aspectRatios: ratios[k]!,
    })),
  };
}

const TF_LAYERS = [19, 10, 5, 3, 2, 1].map((s, k) => ({
  name: `feature${k}`,
  size: [s, s] as [number, number],
}));

export const ADD_PRESETS: Record<PresetName, PresetFields> = {
  'torchvision-ssd300': {
    input: {
      width: 300,
      height: 300,
      layout: 'nchw',
      colorOrder: 'rgb',
      // mean in [0,1], std 1/255: value = pixel − 255·mean.
      normalize: {
        scale: 1,
        offset: TORCHVISION_VGG_MEAN.map((m) => -255 * m) as [number, number, number],
      },
      resize: stretch('bilinear-half-pixel'),
    },
    scoreActivation: 'softmax',
    backgroundIndex: 0,
    boxCoder: { kind: 'ssd', variances: [0.1, 0.2] },
    priors: torchvisionSsd300Priors(),
    postprocess: {
      scoreThreshold: 0.01,
      iouThreshold: 0.45,
      topK: 200,
      perClassCandidates: 400,
      classAgnostic: false,
    },
  },
  'torchvision-ssdlite320': {
    input: {
      width: 320,
      height: 320,
      layout: 'nchw',
      colorOrder: 'rgb',
      normalize: { scale: 2 / 255, offset: -1 },
      resize: stretch('bilinear-half-pixel'),
    },
    scoreActivation: 'softmax',
    backgroundIndex: 0,
    boxCoder: { kind: 'ssd', variances: [0.1, 0.2] },
    priors: {
      convention: 'caffe',
      image: { width: 320, height: 320 },
      offset: 0.5,
      clip: true,
      flip: true,
      sMin: 0.2,
      sMax: 0.95,
      scaleAfterLast: 1,
      layers: [20, 10, 5, 3, 2, 1].map((s, k) => ({
        name: `feature${k}`,
        size: [s, s] as [number, number],
        aspectRatios: [2, 3],
      })),
    },
    postprocess: {
      scoreThreshold: 0.001,
      iouThreshold: 0.55,
      topK: 300,
      perClassCandidates: 300,
      classAgnostic: false,
    },
  },
  'tf-od-api-ssd': {
    input: {
      width: 300,
      height: 300,
      layout: 'nhwc',
      colorOrder: 'rgb',
      normalize: { scale: 2 / 255, offset: -1 },
      resize: stretch('bilinear-asymmetric'),
    },
    scoreActivation: 'sigmoid',
    backgroundIndex: 0,
    boxCoder: { kind: 'tf', scaleFactors: [10, 10, 5, 5] },
    priors: {
      convention: 'tf',
      image: { width: 300, height: 300 },
      minScale: 0.2,
      maxScale: 0.95,
      aspectRatios: [1, 2, 0.5, 3, 0.3333],
      interpolatedScaleAspectRatio: 1,
      interpolatedScalePosition: 'last',
      reduceBoxesInLowestLayer: true,
      baseAnchorSize: [1, 1],
      layers: TF_LAYERS,
    },
    postprocess: {
      scoreThreshold: 0.01,
      iouThreshold: 0.6,
      topK: 100,
      perClassCandidates: 100,
      classAgnostic: false,
    },
  },
  'caffe-ssd': {
    input: {
      width: 300,
      height: 300,
      layout: 'nchw',
      colorOrder: 'bgr',
      normalize: { scale: 1, offset: [-104, -117, -123] },
      resize: stretch('bilinear-half-pixel'),
    },
    scoreActivation: 'softmax',
    backgroundIndex: 0,
    boxCoder: { kind: 'ssd', variances: [0.1, 0.2] },
    priors: PRIOR_PRESETS.ssd300,
    postprocess: {
      scoreThreshold: 0.01,
      iouThreshold: 0.45,
      topK: 200,
      perClassCandidates: 400,
      classAgnostic: false,
    },
  },
};

export function isPresetName(name: string): name is PresetName {
  return (PRESET_NAMES as readonly string[]).includes(name);
}
