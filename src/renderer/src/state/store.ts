import { create } from 'zustand';
import type { AppInfo, DetectTimings, ProjectInfo } from '../../../shared/api/contract';
import type { ErrorCode } from '../../../shared/api/errors';
import type { JobFailure, JobRecord } from '../../../shared/jobs/types';
import type { Split } from '../../../shared/project/splits';
import type {
  AnnotationRecord,
  Box,
  ClassListItem,
  ImageListItem,
  ImageRecord,
  ImageStatus,
} from '../../../shared/project/types';
import type { CanvasTool } from '../canvas/types';

/**
 * The editor's state: one zustand store, read by components through selectors and written only
 * by the actions in ../actions (components never call `setState`). The backend is the source of
 * truth; this is its view plus what the UI alone owns (selection, tool, view requests, feedback).
 */

/** How many images one `listImages` call fetches. */
export const PAGE_SIZE = 100;

/** The image list's filter: what `listImages` is asked for. */
export interface ImageFilters {
  /** An image status, or 'pending': images with at least one box waiting for review. */
  review: ImageStatus | 'pending' | 'all';
  classId: number | null;
  search: string;
  split: Split | 'all';
  /** 'uncertain': the review queue, the model's most doubtful images first. */
  order: 'path' | 'uncertain';
  /** Only images with a pending box scoring in [min, max]; [0, 1] is no filter. */
  band: readonly [number, number];
}

export const DEFAULT_FILTERS: ImageFilters = {
  review: 'all',
  classId: null,
  search: '',
  split: 'all',
  order: 'path',
  band: [0, 1],
};

export function isDefaultFilter(f: ImageFilters): boolean {
  return (
    f.review === 'all' &&
    f.classId === null &&
    f.search.trim() === '' &&
    f.split === 'all' &&
    f.band[0] === 0 &&
    f.band[1] === 1
  );
}

export interface JobState {
  jobId: string;
  done: number;
  total: number;
  failed: number;
  startedAt: number;
  /** Images per second and seconds left, as the backend measures them (shared RateMeter). */
  rate: number | null;
  etaSeconds: number | null;
  phase: 'import' | 'detect' | 'evaluate';
  cancelling: boolean;
}

export interface LastDetection {
  imageId: number;
  model: string;
  provider: string;
  timings: DetectTimings;
  boxes: number;
}

/** A failed action: shown as an Alert; `retry` runs the same action again. */
export interface ActionError {
  message: string;
  /** The shared error code (shared/api/errors.ts): the UI decides by it, never by the text. */
  code: ErrorCode;
  action: string;
  retry?: () => void;
}

export interface CurrentImage {
  id: number;
  /** Position in the filtered list; null when unknown (the filter changed, or opened by undo). */
  index: number | null;
  /** From the list row at first, then from `getImage`. */
  image: ImageRecord;
  /** null while loading. */
  annotations: AnnotationRecord[] | null;
  loadError: string | null;
}

export type ThemeMode = 'light' | 'dark';

export interface EditorState {
  boot: 'loading' | 'ready' | 'error';
  bootError: string | null;
  appInfo: AppInfo | null;
  project: ProjectInfo | null;
  /** With box counts (refreshed by the class manager while it is shown). */
  classes: ClassListItem[];
  /** Model used by detection (from the picker); null: no model ready. */
  model: string | null;

  filters: ImageFilters;
  /** Bumped on every filter change: pages of an older generation are dropped on arrival. */
  listGeneration: number;
  /** Images matching the filter; null until the first page arrived. */
  total: number | null;
  /** Loaded pages of the filtered list, by page number. */
  pages: ReadonlyMap<number, readonly ImageListItem[]>;
  listError: string | null;
  /** Images selected in the list (for "detect selection"); the open image is always one. */
  selectedImageIds: ReadonlySet<number>;
  selectionAnchor: number | null;

  current: CurrentImage | null;
  /** The open image's pixels could not be loaded. */
  imageFailed: boolean;
  /** Bumped by "retry" after a failed image: remounts the canvas so it loads again. */
  imageAttempt: number;
  selectedBoxIds: ReadonlySet<number>;
  tool: CanvasTool;
  /** Class of newly drawn boxes. */
  drawClassId: number | null;
  /** Pending predictions below this score are hidden (and skipped by "accept all shown"). */
  threshold: number;
  fitRequest: number;
  zoomRequest: { seq: number; direction: 1 | -1 } | undefined;
  /** Zoom factor reported by the canvas, when it reports one. */
  zoom: number | null;

  job: JobState | null;
  /**
   * A box the Evaluation page pointed at (a false positive or a miss), drawn over its image;
   * not an annotation (evaluations write no labels).
   */
  highlight: { imageId: number; box: Box; label: string } | null;
  /** The project's jobs, newest first, and the failed files of those looked at. */
  jobs: JobRecord[];
  jobFailures: Record<number, JobFailure[]>;
  jobsOpen: boolean;
  detecting: boolean;
  lastDetection: LastDetection | null;

  /** Last thing done ("Accepted box"); `undoable` adds the Ctrl+Z hint. */
  lastAction: { text: string; undoable: boolean; at: number } | null;
  error: ActionError | null;
  /** The backend stopped answering (browser mode: the server is gone or unreachable). */
  connectionLost: boolean;
  /** Drawing was asked for with no class to draw: the "name a class" dialog is open. */
  classPrompt: boolean;
  helpOpen: boolean;
  themeMode: ThemeMode;
}

const THEME_KEY = 'shotbox.theme';
const THRESHOLD_KEY = 'shotbox.threshold';

function readStored<T>(key: string, parse: (s: string) => T | undefined, fallback: T): T {
  try {
    const s = localStorage.getItem(key);
    return (s !== null && parse(s)) || fallback;
  } catch {
    return fallback;
  }
}

export function storePreference(key: 'theme' | 'threshold', value: string): void {
  try {
    localStorage.setItem(key === 'theme' ? THEME_KEY : THRESHOLD_KEY, value);
  } catch {
    // Storage can be unavailable (private mode); the preference then lasts for this session.
  }
}

function initialTheme(): ThemeMode {
  const prefersDark =
    typeof matchMedia === 'function' && matchMedia('(prefers-color-scheme: dark)').matches;
  return readStored<ThemeMode>(
    THEME_KEY,
    (s) => (s === 'light' || s === 'dark' ? s : undefined),
    prefersDark ? 'dark' : 'light',
  );
}

function initialThreshold(): number {
  return readStored(
    THRESHOLD_KEY,
    (s) => {
      const n = Number(s);
      return Number.isFinite(n) && n >= 0 && n <= 1 ? n : undefined;
    },
    0.5,
  );
}

export const initialEditorState = (): EditorState => ({
  boot: 'loading',
  bootError: null,
  appInfo: null,
  project: null,
  classes: [],
  model: null,
  filters: DEFAULT_FILTERS,
  listGeneration: 0,
  total: null,
  pages: new Map(),
  listError: null,
  selectedImageIds: new Set(),
  selectionAnchor: null,
  current: null,
  imageFailed: false,
  imageAttempt: 0,
  selectedBoxIds: new Set(),
  tool: 'select',
  drawClassId: null,
  threshold: initialThreshold(),
  fitRequest: 0,
  zoomRequest: undefined,
  zoom: null,
  job: null,
  highlight: null,
  jobs: [],
  jobFailures: {},
  jobsOpen: false,
  detecting: false,
  lastDetection: null,
  lastAction: null,
  error: null,
  connectionLost: false,
  classPrompt: false,
  helpOpen: false,
  themeMode: initialTheme(),
});

export const useEditor = create<EditorState>()(() => initialEditorState());

/** Shorthands for actions (not for components: they subscribe with `useEditor(selector)`). */
export const getState = useEditor.getState;
export const setState = useEditor.setState;
