/** The lens overlay for the canvas harness: a preset's priors, all drawn (bench:ui). */
import { STRETCH } from '../../../shared/ssd/canvasMapping';
import { PRIOR_PRESETS } from '../../../shared/ssd/priorConfig';
import { generatePriors } from '../../../shared/ssd/priors';
import type { CanvasOverlay } from '../canvas/types';
import { createLensOverlay } from './lensOverlay';
import { placePriors } from './priorGeometry';

export function lensHarnessOverlay(
  preset: string | null,
  width: number,
  height: number,
): CanvasOverlay | null {
  if (preset !== 'ssd300' && preset !== 'ssd512') return null;
  const set = generatePriors(PRIOR_PRESETS[preset]);
  return createLensOverlay({
    placed: placePriors(set, STRETCH, width, height),
    imageWidth: width,
    imageHeight: height,
    view: 'all',
    layerOn: set.layers.map(() => true),
    ratioOff: new Set(),
    match: null,
    threshold: 0.5,
    boxes: new Map(),
    selectedId: null,
    explain: null,
    showNegatives: false,
    detection: null,
  });
}
