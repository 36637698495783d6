/**
 * The Evaluation page's state: its own small zustand store beside the editor's (as the lens has),
 * so evaluation stays out of the workbench's state. Results live in the backend (stored
 * evaluations); this holds the list, the results looked at, and the job being followed.
 */
import { create } from 'zustand';
import type { EvaluationSummary, StoredEvaluation } from '../../../shared/eval/storedEvaluation';
import type { Split } from '../../../shared/project/splits';

export interface EvaluationRun {
  jobId: string;
  done: number;
  total: number;
  rate: number | null;
  etaSeconds: number | null;
  cancelling: boolean;
}

export interface EvaluationState {
  open: boolean;
  /** Newest first; null until loaded. */
  list: EvaluationSummary[] | null;
  selectedId: number | null;
  /** A second result shown beside the selected one (compare). */
  compareId: number | null;
  /** Full results fetched so far, by id. */
  details: Record<number, StoredEvaluation>;
  model: string | null;
  split: Split | 'all';
  run: EvaluationRun | null;
  error: string | null;
}

export const useEvaluation = create<EvaluationState>()(() => ({
  open: false,
  list: null,
  selectedId: null,
  compareId: null,
  details: {},
  model: null,
  split: 'test',
  run: null,
  error: null,
}));

export const getEvaluation = useEvaluation.getState;
export const setEvaluation = useEvaluation.setState;
