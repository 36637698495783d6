/**
 * Lens actions: toggle (L), choose the prior source, threshold, layer/ratio toggles, and keep
 * the match of the open image current.
 */
import type { PriorSourceRequest } from '../../../shared/api/lensContract';
import { generatePriors } from '../../../shared/ssd/priors';
import { api } from '../api';
import { getState, useEditor } from '../state/store';
import { getLens, setLens, type LensSourceKind, type PriorView } from './lensStore';

/** The request naming the chosen source. */
export function sourceRequest(): PriorSourceRequest {
  const { sourceKind, whatIf, whatIfResize } = getLens();
  if (sourceKind === 'whatif' && whatIf) {
    return {
      kind: 'config',
      label: 'what-if priors',
      config: whatIf as Record<string, unknown>,
      ...(whatIfResize ? { resize: whatIfResize } : {}),
    };
  }
  if (sourceKind === 'model') {
    const model = getState().model;
    if (model) return { kind: 'model', name: model };
  }
  return { kind: 'preset', name: sourceKind === 'ssd512' ? 'ssd512' : 'ssd300' };
}

let sourceSeq = 0;
let matchSeq = 0;

async function loadSource(): Promise<void> {
  const seq = ++sourceSeq;
  setLens({ loading: true, error: null });
  try {
    const source = await api.getLensSource({ source: sourceRequest() });
    if (seq !== sourceSeq) return;
    const priors = generatePriors(source.config);
    setLens({ source, priors, layerOn: priors.layers.map(() => true), loading: false });
    await refreshMatch();
  } catch (err) {
    if (seq === sourceSeq) setLens({ loading: false, error: (err as Error).message });
  }
}

/** Re-matches the open image (image change, box edits, threshold or source change). */
export async function refreshMatch(): Promise<void> {
  const lens = getLens();
  const current = getState().current;
  if (!lens.on || !lens.source || !current) {
    setLens({ match: null, matchImageId: null });
    return;
  }
  const seq = ++matchSeq;
  try {
    const match = await api.lensMatchImage({
      imageId: current.id,
      source: sourceRequest(),
      threshold: lens.threshold,
    });
    if (seq === matchSeq) setLens({ match, matchImageId: current.id, error: null });
  } catch (err) {
    if (seq === matchSeq) setLens({ error: (err as Error).message });
  }
}

/** L: lens on/off. */
export function toggleLens(): void {
  const on = !getLens().on;
  setLens({ on });
  if (on && !getLens().source) void loadSource();
  else void refreshMatch();
}

export function setSourceKind(kind: LensSourceKind): void {
  setLens({ sourceKind: kind });
  void loadSource();
}

/**
 * Shows a config (what-if knobs, a suggestion, a loaded file) as the lens's source; it keeps the
 * canvas rule of the source it replaces unless it comes from a file (stretch, like --config).
 */
export function showConfig(
  config: NonNullable<ReturnType<typeof getLens>['whatIf']>,
  fromFile = false,
): void {
  const resize = fromFile ? null : (getLens().source?.resize ?? null);
  setLens({ whatIf: config, whatIfResize: resize, sourceKind: 'whatif' });
  void loadSource();
}

/** Loads a prior config file (docs/priors.md) picked in the page; the backend validates it. */
export async function loadConfigFile(file: File): Promise<void> {
  try {
    const json = JSON.parse(await file.text()) as unknown;
    if (typeof json !== 'object' || json === null || Array.isArray(json)) {
      throw new Error('a prior config is a JSON object');
    }
    showConfig(json as NonNullable<ReturnType<typeof getLens>['whatIf']>, true);
  } catch (err) {
    setLens({ error: `${file.name}: ${(err as Error).message}` });
  }
}

export function setThreshold(threshold: number): void {
  setLens({ threshold });
  void refreshMatch();
}

export function setPriorView(view: PriorView): void {
  setLens({ view });
}

export function toggleLayer(layer: number): void {
  setLens((s) => ({ layerOn: s.layerOn.map((v, i) => (i === layer ? !v : v)) }));
}

export function toggleRatio(ratio: number): void {
  setLens((s) => {
    const next = new Set(s.ratioOff);
    if (next.has(ratio)) next.delete(ratio);
    else next.add(ratio);
    return { ratioOff: next };
  });
}

/** Runs the model on the open image and explains its detections (and hard negatives). */
export async function explainCurrent(): Promise<void> {
  const current = getState().current;
  if (!current) return;
  setLens({ explaining: true, error: null });
  try {
    const model = getState().model ?? undefined;
    const explain = await api.lensExplain({ imageId: current.id, ...(model ? { model } : {}) });
    setLens({ explain, explainImageId: current.id, explaining: false });
  } catch (err) {
    setLens({ explaining: false, error: (err as Error).message });
  }
}

export function setShowNegatives(showNegatives: boolean): void {
  setLens({ showNegatives });
}

export function setCoverageOpen(open: boolean): void {
  setLens({ coverageOpen: open });
}

/** Keeps the match in step with the open image and its boxes while the lens is on. */
export function installLensSync(): () => void {
  return useEditor.subscribe((s, prev) => {
    if (!getLens().on) return;
    if (
      s.current?.id !== prev.current?.id ||
      s.current?.annotations !== prev.current?.annotations
    ) {
      void refreshMatch();
    }
  });
}
