import type {
  AnnotationRecord,
  ClassListItem,
  ClassRecord,
  ImageListItem,
} from '../../../shared/project/types';
import type { CanvasBox } from '../canvas/types';
import { PAGE_SIZE, type EditorState } from './store';

/**
 * Derived state. Each selector is memoised on the identity of its inputs so that components
 * subscribing with `useEditor(selector)` get stable references (zustand re-renders on change).
 */

function memo<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R {
  let last: { args: A; result: R } | undefined;
  return (...args: A) => {
    if (last && last.args.length === args.length && last.args.every((a, i) => a === args[i])) {
      return last.result;
    }
    const result = fn(...args);
    last = { args, result };
    return result;
  };
}

const NO_ANNOTATIONS: readonly AnnotationRecord[] = [];

/**
 * The display rule, one place: rejected boxes are hidden everywhere (undo brings them back), and
 * pending model predictions scoring below the threshold are hidden. Reviewed boxes always show.
 */
export function isShown(a: AnnotationRecord, threshold: number): boolean {
  if (a.review === 'rejected') return false;
  if (a.review === 'pending' && a.score !== null && a.score < threshold) return false;
  return true;
}

const shownOf = memo((annotations: readonly AnnotationRecord[] | null, threshold: number) =>
  (annotations ?? NO_ANNOTATIONS).filter((a) => isShown(a, threshold)),
);

/** The open image's boxes that are shown (canvas and box list). */
export const selectShown = (s: EditorState): readonly AnnotationRecord[] =>
  shownOf(s.current?.annotations ?? null, s.threshold);

const hiddenOf = memo((annotations: readonly AnnotationRecord[] | null, threshold: number) => {
  let rejected = 0;
  let belowThreshold = 0;
  for (const a of annotations ?? NO_ANNOTATIONS) {
    if (a.review === 'rejected') rejected++;
    else if (!isShown(a, threshold)) belowThreshold++;
  }
  return { rejected, belowThreshold };
});

export const selectHidden = (s: EditorState): { rejected: number; belowThreshold: number } =>
  hiddenOf(s.current?.annotations ?? null, s.threshold);

const pendingOf = memo(
  (annotations: readonly AnnotationRecord[] | null) =>
    (annotations ?? NO_ANNOTATIONS).filter((a) => a.review === 'pending').length,
);

/** Boxes of the open image still waiting for a decision (shown or not). */
export const selectPendingCount = (s: EditorState): number =>
  pendingOf(s.current?.annotations ?? null);

const classMapOf = memo(
  (classes: readonly ClassRecord[]) => new Map(classes.map((c) => [c.id, c] as const)),
);

export const selectClassMap = (s: EditorState): ReadonlyMap<number, ClassRecord> =>
  classMapOf(s.classes);

const FALLBACK_COLOR = '#9e9e9e';

const canvasBoxesOf = memo(
  (shown: readonly AnnotationRecord[], classes: ReadonlyMap<number, ClassRecord>): CanvasBox[] =>
    shown.map((a) => {
      const c = classes.get(a.classId);
      return {
        id: a.id,
        x1: a.x1,
        y1: a.y1,
        x2: a.x2,
        y2: a.y2,
        color: c?.color ?? FALLBACK_COLOR,
        label: c?.name ?? `class ${a.classId}`,
        score: a.score,
        kind: a.review === 'pending' ? 'prediction' : 'label',
        review: a.review,
      };
    }),
);

/** What the canvas draws: the shown boxes with their class colour and name. */
export const selectCanvasBoxes = (s: EditorState): CanvasBox[] =>
  canvasBoxesOf(selectShown(s), selectClassMap(s));

/** The list row at a position of the filtered list, when its page is loaded. */
export function itemAt(pages: EditorState['pages'], index: number): ImageListItem | undefined {
  return pages.get(Math.floor(index / PAGE_SIZE))?.[index % PAGE_SIZE];
}

/** Classes in their display order: the digit keys 1–9 pick from this list. */
const orderedOf = memo((classes: readonly ClassListItem[]) =>
  [...classes].sort((a, b) => a.order - b.order || a.id - b.id),
);

export const selectOrderedClasses = (s: EditorState): readonly ClassListItem[] =>
  orderedOf(s.classes);
