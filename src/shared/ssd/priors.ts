/**
 * Prior (default box) generation from a {@link PriorConfig}.
 *
 * Output layout: 4N numbers `(cx, cy, w, h)`, normalised to the input image. Layers are
 * concatenated in config order; inside a layer, cells are row-major (row outer, column
 * inner) and the boxes of one cell are contiguous. This is the order in which SSD heads
 * emit their predictions, so prior i lines up with prediction i.
 */
import type { CaffePriorConfig, PriorConfig, TfPriorConfig } from './priorConfig';

/** Where one config layer's priors sit in the flat prior array. */
export interface PriorLayerSummary {
  name: string;
  /** Feature map `[height, width]` in cells. */
  featureMap: [number, number];
  boxesPerCell: number;
  /** featureMap[0] · featureMap[1] · boxesPerCell. */
  count: number;
  /** Index of the layer's first prior. */
  start: number;
  /**
   * Caffe: the minSize box side as a fraction of min(image width, height).
   * TF: scale_k of the layer.
   */
  scale: number;
  /**
   * Cell centres, normalised: cell (row, col) is centred at
   * (offsetX + col·strideX, offsetY + row·strideY) before any clip.
   */
  grid: { strideX: number; strideY: number; offsetX: number; offsetY: number };
}

export interface PriorSet {
  /** 4N numbers `(cx, cy, w, h)`, normalised. */
  boxes: Float32Array;
  /** The same in double precision, for measuring (the lens, coverage, targets). */
  boxes64: Float64Array;
  /** N. */
  count: number;
  layers: PriorLayerSummary[];
  /** The network input the priors are normalised to, in pixels (aspect ratios use it). */
  image: { width: number; height: number };
}

/** Which feature-map cell, and which box of that cell, a prior is. */
export interface PriorLocation {
  /** Index into `PriorSet.layers`. */
  layer: number;
  row: number;
  col: number;
  /** Index of the box inside its cell, in the per-cell order of the convention. */
  box: number;
}

/** Box shapes of one cell, normalised: widths[b], heights[b]. */
interface CellShapes {
  widths: number[];
  heights: number[];
}

/** One layer's grid: centre of cell (row, col) is (offsetX + col·strideX, offsetY + row·strideY). */
interface LayerGrid {
  name: string;
  rows: number;
  cols: number;
  strideX: number;
  strideY: number;
  offsetX: number;
  offsetY: number;
  shapes: CellShapes;
  scale: number;
}

/**
 * Generates all priors of a config. Pass the output of `parsePriorConfig` (or a preset):
 * the config is assumed valid.
 */
export function generatePriors(config: PriorConfig): PriorSet {
  const grids = config.convention === 'tf' ? tfGrids(config) : caffeGrids(config);
  const clipSize = config.convention === 'caffe' && config.clip !== false;
  const clipCentre = config.convention === 'caffe' && config.clip === true;

  const layers: PriorLayerSummary[] = [];
  let total = 0;
  for (const g of grids) {
    const boxesPerCell = g.shapes.widths.length;
    const count = g.rows * g.cols * boxesPerCell;
    layers.push({
      name: g.name,
      featureMap: [g.rows, g.cols],
      boxesPerCell,
      count,
      start: total,
      scale: g.scale,
      grid: { strideX: g.strideX, strideY: g.strideY, offsetX: g.offsetX, offsetY: g.offsetY },
    });
    total += count;
  }

  const boxes64 = new Float64Array(4 * total);
  let o = 0;
  for (const g of grids) {
    const { widths, heights } = g.shapes;
    for (let row = 0; row < g.rows; row++) {
      const cy = g.offsetY + row * g.strideY;
      for (let col = 0; col < g.cols; col++) {
        const cx = g.offsetX + col * g.strideX;
        for (let b = 0; b < widths.length; b++) {
          boxes64[o++] = clipCentre ? clamp01(cx) : cx;
          boxes64[o++] = clipCentre ? clamp01(cy) : cy;
          boxes64[o++] = clipSize ? clamp01(widths[b]!) : widths[b]!;
          boxes64[o++] = clipSize ? clamp01(heights[b]!) : heights[b]!;
        }
      }
    }
  }
  return {
    boxes: Float32Array.from(boxes64),
    boxes64,
    count: total,
    layers,
    image: { width: config.image.width, height: config.image.height },
  };
}

/**
 * Locates a prior: its layer, feature-map cell and box within the cell.
 *
 * @throws RangeError when `priorIndex` is not an integer in [0, set.count).
 */
export function priorLayerOf(set: PriorSet, priorIndex: number): PriorLocation {
  if (!Number.isInteger(priorIndex) || priorIndex < 0 || priorIndex >= set.count) {
    throw new RangeError(`prior index ${priorIndex} is outside [0, ${set.count})`);
  }
  for (let layer = 0; layer < set.layers.length; layer++) {
    const l = set.layers[layer]!;
    if (priorIndex < l.start + l.count) {
      const local = priorIndex - l.start;
      const cell = Math.floor(local / l.boxesPerCell);
      const cols = l.featureMap[1];
      return {
        layer,
        row: Math.floor(cell / cols),
        col: cell % cols,
        box: local % l.boxesPerCell,
      };
    }
  }
  // Unreachable for a set made by generatePriors: the layers tile [0, count).
  throw new RangeError(`prior index ${priorIndex} is not covered by any layer`);
}

function clamp01(v: number): number {
  return v < 0 ? 0 : v > 1 ? 1 : v;
}

// ---------------------------------------------------------------------------------------------
// Caffe convention
// ---------------------------------------------------------------------------------------------

/** Per-layer min/max sizes in input pixels, from the explicit form or the scale form. */
export function caffeLayerSizes(
  config: CaffePriorConfig,
): Array<{ minSize: number; maxSize: number | undefined }> {
  const { sMin, sMax, layers } = config;
  if (sMin === undefined || sMax === undefined) {
    return layers.map((l) => ({ minSize: l.minSize ?? 0, maxSize: l.maxSize }));
  }
  const minDim = Math.min(config.image.width, config.image.height);
  const first = config.firstLayerScale === undefined ? 0 : 1;
  const m = layers.length - first;
  const step = m > 1 ? (sMax - sMin) / (m - 1) : 0;
  // s[k] for k = 0..m-1 is the paper's s_{k+1}; s[m] is the scale after the last layer.
  const s: number[] = [];
  for (let k = 0; k < m; k++) s.push(sMin + step * k);
  const after = config.scaleAfterLast ?? 'extrapolate';
  s.push(after === 'extrapolate' ? (m > 1 ? sMax + step : sMax) : after);

  const out: Array<{ minSize: number; maxSize: number | undefined }> = [];
  if (config.firstLayerScale !== undefined) {
    out.push({ minSize: config.firstLayerScale * minDim, maxSize: s[0]! * minDim });
  }
  for (let k = 0; k < m; k++) out.push({ minSize: s[k]! * minDim, maxSize: s[k + 1]! * minDim });
  return out;
}

function caffeGrids(config: CaffePriorConfig): LayerGrid[] {
  const { width: imW, height: imH } = config.image;
  const minDim = Math.min(imW, imH);
  const sizes = caffeLayerSizes(config);
  return config.layers.map((layer, k) => {
    const [rows, cols] = layer.size;
    const { minSize, maxSize } = sizes[k]!;
    let stepY: number;
    let stepX: number;
    if (layer.step === undefined) {
      stepY = imH / rows;
      stepX = imW / cols;
    } else if (typeof layer.step === 'number') {
      stepY = stepX = layer.step;
    } else {
      [stepY, stepX] = layer.step;
    }

    // Sizes are in pixels, so a square prior stays square in pixels on non-square inputs.
    const widths: number[] = [minSize / imW];
    const heights: number[] = [minSize / imH];
    if (maxSize !== undefined) {
      const s = Math.sqrt(minSize * maxSize);
      widths.push(s / imW);
      heights.push(s / imH);
    }
    for (const r of layer.aspectRatios) {
      const sr = Math.sqrt(r);
      widths.push((minSize * sr) / imW);
      heights.push(minSize / sr / imH);
      if (config.flip) {
        widths.push(minSize / sr / imW);
        heights.push((minSize * sr) / imH);
      }
    }
    return {
      name: layer.name,
      rows,
      cols,
      strideX: stepX / imW,
      strideY: stepY / imH,
      offsetX: (config.offset * stepX) / imW,
      offsetY: (config.offset * stepY) / imH,
      shapes: { widths, heights },
      scale: minSize / minDim,
    };
  });
}

// ---------------------------------------------------------------------------------------------
// TF convention
// ---------------------------------------------------------------------------------------------

/** TF's hard-coded box specs (scale, aspect ratio) of a reduced lowest layer, scale_0 aside. */
export const TF_LOWEST_LAYER_SMALL_SCALE = 0.1;

/** scale_k for k = 0..m−1 followed by the final 1.0 used for interpolation. */
export function tfLayerScales(config: TfPriorConfig): number[] {
  const m = config.layers.length;
  const scales =
    config.scales ??
    Array.from({ length: m }, (_, k) =>
      m > 1
        ? config.minScale + ((config.maxScale - config.minScale) * k) / (m - 1)
        : config.minScale,
    );
  return [...scales, 1.0];
}

function tfGrids(config: TfPriorConfig): LayerGrid[] {
  const { width: imW, height: imH } = config.image;
  const minDim = Math.min(imW, imH);
  const baseH = (config.baseAnchorSize[0] * minDim) / imH;
  const baseW = (config.baseAnchorSize[1] * minDim) / imW;
  const scales = tfLayerScales(config);
  return config.layers.map((layer, k) => {
    const [rows, cols] = layer.size;
    const scale = scales[k]!;
    const specs: Array<[number, number]> = [];
    if (k === 0 && config.reduceBoxesInLowestLayer) {
      specs.push([TF_LOWEST_LAYER_SMALL_SCALE, 1.0], [scale, 2.0], [scale, 0.5]);
    } else {
      const interpolated: [number, number] = [
        Math.sqrt(scale * scales[k + 1]!),
        config.interpolatedScaleAspectRatio,
      ];
      const withInterpolated = config.interpolatedScaleAspectRatio > 0;
      for (const r of config.aspectRatios) {
        specs.push([scale, r]);
        // TF OD API releases of 2017 (face-api's anchors) put the extra box right after ratio 1.
        if (
          withInterpolated &&
          r === 1 &&
          config.interpolatedScalePosition === 'after-unit-ratio'
        ) {
          specs.push(interpolated);
        }
      }
      if (withInterpolated && config.interpolatedScalePosition === 'last') specs.push(interpolated);
    }
    const widths: number[] = [];
    const heights: number[] = [];
    for (const [s, r] of specs) {
      const sr = Math.sqrt(r);
      heights.push((s / sr) * baseH);
      widths.push(s * sr * baseW);
    }
    const strideY = layer.anchorStride ? layer.anchorStride[0] / imH : 1 / rows;
    const strideX = layer.anchorStride ? layer.anchorStride[1] / imW : 1 / cols;
    return {
      name: layer.name,
      rows,
      cols,
      strideX,
      strideY,
      offsetX: layer.anchorOffset ? layer.anchorOffset[1] / imW : 0.5 * strideX,
      offsetY: layer.anchorOffset ? layer.anchorOffset[0] / imH : 0.5 * strideY,
      shapes: { widths, heights },
      scale,
    };
  });
}
