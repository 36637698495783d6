/**
 * The SSD lens's UI state: its own small zustand store beside the editor's, so the lens stays
 * out of the workbench's state and actions. The backend computes matches (lensMatchImage); the
 * priors themselves are generated here from the source's config with src/shared/ssd, the same
 * code every shell uses.
 */
import { create } from 'zustand';
import type { LensExplain, LensImageMatch, LensSource } from '../../../shared/api/lensContract';
import type { PriorConfig } from '../../../shared/ssd/priorConfig';
import type { PriorSet } from '../../../shared/ssd/priors';

export type LensSourceKind = 'model' | 'ssd300' | 'ssd512' | 'whatif';
export type PriorView = 'cell' | 'all' | 'density' | 'none';

export interface LensState {
  on: boolean;
  /** The coverage page is open. */
  coverageOpen: boolean;
  sourceKind: LensSourceKind;
  /** The what-if / suggested config (coverage page), when sourceKind is 'whatif'. */
  whatIf: PriorConfig | null;
  /** The canvas rule of the source the what-if config came from. */
  whatIfResize: LensSource['resize'] | null;
  source: LensSource | null;
  priors: PriorSet | null;
  /** Per layer of `priors`: drawn or not. */
  layerOn: boolean[];
  /** Aspect ratios (3 significant digits) hidden from the overlay. */
  ratioOff: ReadonlySet<number>;
  view: PriorView;
  threshold: number;
  match: LensImageMatch | null;
  /** Image the match belongs to. */
  matchImageId: number | null;
  /** The model's view of an image (provenance, hard negatives), computed on demand. */
  explain: LensExplain | null;
  explainImageId: number | null;
  explaining: boolean;
  showNegatives: boolean;
  loading: boolean;
  error: string | null;
}

export const initialLensState = (): LensState => ({
  on: false,
  coverageOpen: false,
  sourceKind: 'ssd300',
  whatIf: null,
  whatIfResize: null,
  source: null,
  priors: null,
  layerOn: [],
  ratioOff: new Set(),
  view: 'cell',
  threshold: 0.5,
  match: null,
  matchImageId: null,
  explain: null,
  explainImageId: null,
  explaining: false,
  showNegatives: false,
  loading: false,
  error: null,
});

export const useLens = create<LensState>()(() => initialLensState());
export const getLens = useLens.getState;
export const setLens = useLens.setState;
