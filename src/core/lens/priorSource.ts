/**
 * Where the lens's priors come from: a preset, a prior config (file or JSON) or a model. Each
 * comes with the canvas rule that puts an image on the network input (a preset or a bare
 * config stretches the image to its input size; a model uses its manifest's resize mode) and
 * the box coder its location targets are encoded with.
 */
import { readFileSync } from 'node:fs';
import { type BoxCoderSpec } from '../../shared/ssd/boxCoder';
import { canvasFor, imageToCanvas, STRETCH, type Canvas } from '../../shared/ssd/canvasMapping';
import { parsePriorConfig, PRIOR_PRESETS, type PriorConfig } from '../../shared/ssd/priorConfig';
import { generatePriors, type PriorSet } from '../../shared/ssd/priors';
import { buildPriorIndex, type PriorIndex } from '../../shared/ssd/priorIndex';
import type { ResizeSpec } from '../../shared/models/manifest';
import { resolveModel } from '../models/registry';

export type PriorSourceRef =
  | { kind: 'preset'; name: string }
  | { kind: 'config'; file: string }
  | { kind: 'model'; name: string };

export interface PriorSource {
  /** For messages and reports: "preset ssd300", "model ssd-mobilenetv1-face", a file name. */
  label: string;
  config: PriorConfig;
  set: PriorSet;
  index: PriorIndex;
  resize: Pick<ResizeSpec, 'mode' | 'padAnchor'>;
  coder: BoxCoderSpec;
}

/** The paper's coder, for presets and bare configs. */
const PAPER_CODER: BoxCoderSpec = { kind: 'ssd', variances: [0.1, 0.2] };

export const PRESET_NAMES = Object.keys(PRIOR_PRESETS);

/** @throws Error naming an unknown preset or model, or an unreadable/invalid config. */
export function loadPriorSource(ref: PriorSourceRef): PriorSource {
  if (ref.kind === 'preset') {
    const config = (PRIOR_PRESETS as Record<string, PriorConfig>)[ref.name];
    if (!config) {
      throw new Error(`unknown preset '${ref.name}' (known: ${PRESET_NAMES.join(', ')})`);
    }
    return priorSourceFromConfig(config, `preset ${ref.name}`);
  }
  if (ref.kind === 'config') {
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(ref.file, 'utf8'));
    } catch (err) {
      throw new Error(`cannot read ${ref.file}: ${(err as Error).message}`, { cause: err });
    }
    return priorSourceFromConfig(parsePriorConfig(json), ref.file);
  }
  const entry = resolveModel(ref.name);
  const m = entry.manifest;
  if (!m.priors) throw new Error(`model ${m.name} has no prior configuration`);
  return priorSourceFromConfig(m.priors, `model ${m.name}`, m.input.resize, m.boxCoder);
}

/** A source from a config already parsed (a preset, the what-if knobs, a suggested config). */
export function priorSourceFromConfig(
  config: PriorConfig,
  label: string,
  resize: Pick<ResizeSpec, 'mode' | 'padAnchor'> = STRETCH,
  coder: BoxCoderSpec = PAPER_CODER,
): PriorSource {
  const set = generatePriors(config);
  return { label, config, set, index: buildPriorIndex(set), resize, coder };
}

/** The canvas an image of this size sits on for the source. */
export function sourceCanvas(source: PriorSource, width: number, height: number): Canvas {
  return canvasFor(
    width,
    height,
    source.config.image.width,
    source.config.image.height,
    source.resize,
  );
}

/** Image-pixel boxes (x1,y1,x2,y2 flat) normalised to the source's canvas. */
export function boxesOnCanvas(
  source: PriorSource,
  width: number,
  height: number,
  boxesPx: ArrayLike<number>,
): Float64Array {
  return imageToCanvas(boxesPx, sourceCanvas(source, width, height));
}
