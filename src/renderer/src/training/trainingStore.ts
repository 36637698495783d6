/**
 * The training page's UI state: its own small zustand store beside the editor's. The curves are
 * the backend's (getTraining) plus the points that job-progress events bring while a job runs.
 */
import { create } from 'zustand';
import type { TrainingComparison, TrainingView } from '../../../shared/api/trainingContract';
import type { TrainEpochPoint, TrainStepPoint } from '../../../shared/jobs/types';
import { TRAIN_DEFAULTS } from '../../../shared/training/defaults';

export type TrainingMode = 'heads' | 'extras' | 'full';

export interface TrainingForm {
  base: string;
  /** What trains; `full` only where the backend reports a native tfjs backend. */
  mode: TrainingMode;
  /** Empty: the suggested name. */
  name: string;
  epochs: number;
  augmentation: boolean;
  /** Empty: every training image. */
  maxImages: string;
}

export interface TrainingState {
  open: boolean;
  view: TrainingView | null;
  form: TrainingForm;
  /** The job the page follows, and its curves. */
  jobId: string | null;
  steps: TrainStepPoint[];
  epochs: TrainEpochPoint[];
  running: boolean;
  stopping: boolean;
  etaSeconds: number | null;
  done: number;
  total: number;
  /** The model the job registered (null: none yet). */
  model: string | null;
  comparison: TrainingComparison | null;
  comparing: boolean;
  error: string | null;
}

export const useTraining = create<TrainingState>(() => ({
  open: false,
  view: null,
  form: {
    base: '',
    mode: TRAIN_DEFAULTS.mode,
    name: '',
    epochs: TRAIN_DEFAULTS.epochs,
    augmentation: true,
    maxImages: '',
  },
  jobId: null,
  steps: [],
  epochs: [],
  running: false,
  stopping: false,
  etaSeconds: null,
  done: 0,
  total: 0,
  model: null,
  comparison: null,
  comparing: false,
  error: null,
}));

export const getTraining = useTraining.getState;
export const setTraining = useTraining.setState;
