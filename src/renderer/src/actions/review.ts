import type { RequestOf } from '../../../shared/api/contract';
import type { AnnotationRecord, Box } from '../../../shared/project/types';
import { api } from '../api';
import { selectOrderedClasses, selectShown } from '../state/selectors';
import { getState, setState } from '../state/store';
import { reviewAfterEdit } from '../../../shared/project/reviewRule';
import { applyImageStates } from './imageList';
import { noteEdit, reloadCurrent } from './navigation';
import { done, perform, plural } from './run';

/**
 * Reviewing boxes. Each action is one backend call (one undo step) whose response replaces the
 * boxes in the store. Review-state and geometry changes are applied to the store at once and then
 * reconciled with the response, so a dragged box never snaps back while the call is on its way.
 *
 * The image state is the backend's (core's one rule): each answer carries the new state of the
 * images the edit touched, and `applyImageStates` shows it. The "edited" rule of the optimistic
 * update is the shared one (`reviewAfterEdit`).
 */

type Patch = RequestOf<'updateAnnotations'>['patch'];

function currentImageId(): number | null {
  return getState().current?.id ?? null;
}

/** Applies a patch locally, mirroring the backend's rule (a model box whose class or box changes
 * becomes 'edited'). The response replaces this moments later. */
function applyLocally(ids: readonly number[], patch: Patch): void {
  const set = new Set(ids);
  setState((s) => {
    if (!s.current?.annotations) return {};
    return {
      current: {
        ...s.current,
        annotations: s.current.annotations.map((a) =>
          set.has(a.id)
            ? {
                ...a,
                ...(patch.classId !== undefined ? { classId: patch.classId } : {}),
                ...(patch.box ?? {}),
                review: reviewAfterEdit(a, patch),
              }
            : a,
        ),
      },
    };
  });
}

/** Puts backend records into the open image (if still open) and returns its boxes after that. */
function merge(imageId: number, records: readonly AnnotationRecord[]): AnnotationRecord[] | null {
  const s = getState();
  if (s.current?.id !== imageId || !s.current.annotations) return null;
  const byId = new Map(records.map((r) => [r.id, r]));
  const annotations = s.current.annotations.map((a) => byId.get(a.id) ?? a);
  for (const r of records) if (!annotations.some((a) => a.id === r.id)) annotations.push(r);
  setState({ current: { ...s.current, annotations } });
  return annotations;
}

/** One undo step; `verb` names it in the history ("accept" → "accept 3 boxes"). */
async function update(
  ids: readonly number[],
  patch: Patch,
  verb: string,
  feedback: string,
): Promise<boolean> {
  const imageId = currentImageId();
  if (imageId === null || ids.length === 0) return false;
  noteEdit(imageId);
  applyLocally(ids, patch);
  const ok = await perform(
    `${verb} ${boxes(ids.length)}`,
    async () => {
      const res = await api.updateAnnotations({ ids: [...ids], patch, label: verb });
      merge(imageId, res.annotations);
      applyImageStates(res.images);
      done(feedback, true);
      return true;
    },
    { edit: true },
  );
  if (!ok) await resync(imageId);
  return ok === true;
}

/** After a failed edit the local copy may be ahead of the backend: reload the truth. */
async function resync(imageId: number): Promise<void> {
  noteEdit(imageId);
  if (currentImageId() === imageId) await reloadCurrent();
}

/** After accepting or rejecting the selection, select the next pending shown box (review flow). */
function selectNextPending(after: readonly number[]): void {
  const s = getState();
  const shown = selectShown(s);
  const lastIndex = Math.max(...after.map((id) => shown.findIndex((a) => a.id === id)));
  const pending = shown.filter((a) => a.review === 'pending' && !after.includes(a.id));
  const next = pending.find((a) => shown.indexOf(a) > lastIndex) ?? pending[0] ?? undefined;
  setState({ selectedBoxIds: new Set(next ? [next.id] : []) });
}

function boxes(n: number): string {
  return n === 1 ? 'box' : plural(n, 'box');
}

/** The ids whose review state is not `review` yet: re-accepting an accepted box is no step. */
function notYet(ids: readonly number[], review: 'accepted' | 'rejected'): number[] {
  const byId = new Map(getState().current?.annotations?.map((a) => [a.id, a]) ?? []);
  return ids.filter((id) => byId.get(id)?.review !== review);
}

export async function accept(ids: readonly number[], advance = false): Promise<void> {
  if (advance) selectNextPending(ids);
  const todo = notYet(ids, 'accepted');
  if (todo.length === 0) return done(ids.length ? 'Already accepted' : 'Select a box first');
  await update(todo, { review: 'accepted' }, 'accept', `Accepted ${boxes(todo.length)}`);
}

export async function reject(ids: readonly number[], advance = false): Promise<void> {
  if (advance) selectNextPending(ids);
  else
    setState((s) => ({
      selectedBoxIds: new Set([...s.selectedBoxIds].filter((id) => !ids.includes(id))),
    }));
  const todo = notYet(ids, 'rejected');
  if (todo.length === 0) return done(ids.length ? 'Already rejected' : 'Select a box first');
  await update(todo, { review: 'rejected' }, 'reject', `Rejected ${boxes(todo.length)}`);
}

/** Enter: accept the selected boxes and move on to the next pending one. */
export function acceptSelected(): Promise<void> {
  return accept([...getState().selectedBoxIds], true);
}

/** R: reject the selected boxes and move on. */
export function rejectSelected(): Promise<void> {
  return reject([...getState().selectedBoxIds], true);
}

/** Space: accept every pending box that is shown (above the threshold). */
export async function acceptAllShown(): Promise<void> {
  const ids = selectShown(getState())
    .filter((a) => a.review === 'pending')
    .map((a) => a.id);
  if (ids.length === 0) return done('No shown box is pending');
  await update(
    ids,
    { review: 'accepted' },
    'accept',
    `Accepted all shown (${plural(ids.length, 'box')})`,
  );
}

/**
 * Un-rejects boxes: a model's guess goes back to pending (to be decided again), a person's or an
 * imported label back to accepted. One undo step per kind.
 */
export async function restoreRejected(ids: readonly number[]): Promise<void> {
  const byId = new Map(getState().current?.annotations?.map((a) => [a.id, a]) ?? []);
  const guesses = ids.filter((id) => {
    const a = byId.get(id);
    return a?.review === 'rejected' && a.score !== null;
  });
  const labels = ids.filter((id) => {
    const a = byId.get(id);
    return a?.review === 'rejected' && a.score === null;
  });
  if (guesses.length)
    await update(guesses, { review: 'pending' }, 'restore', `Restored ${boxes(guesses.length)}`);
  if (labels.length)
    await update(labels, { review: 'accepted' }, 'restore', `Restored ${boxes(labels.length)}`);
}

export async function relabel(ids: readonly number[], classId: number): Promise<void> {
  const name = getState().classes.find((c) => c.id === classId)?.name ?? 'class';
  await update(ids, { classId }, 'relabel', `Relabelled ${boxes(ids.length)} as ${name}`);
}

/** The canvas finished a move or resize. */
export async function changeBox(id: number, box: Box): Promise<void> {
  const before = getState().current?.annotations?.find((a) => a.id === id);
  const resized =
    before !== undefined &&
    (before.x2 - before.x1 !== box.x2 - box.x1 || before.y2 - before.y1 !== box.y2 - box.y1);
  const verb = resized ? 'resize' : 'move';
  await update(
    [id],
    { box: { x1: box.x1, y1: box.y1, x2: box.x2, y2: box.y2 } },
    verb,
    resized ? 'Resized box' : 'Moved box',
  );
}

export async function deleteBoxes(ids: readonly number[]): Promise<void> {
  const imageId = currentImageId();
  if (imageId === null || ids.length === 0) return;
  noteEdit(imageId);
  const gone = new Set(ids);
  setState((s) => ({
    selectedBoxIds: new Set([...s.selectedBoxIds].filter((id) => !gone.has(id))),
    current:
      s.current?.id === imageId && s.current.annotations
        ? { ...s.current, annotations: s.current.annotations.filter((a) => !gone.has(a.id)) }
        : s.current,
  }));
  const ok = await perform(
    `delete ${boxes(ids.length)}`,
    async () => {
      const res = await api.deleteAnnotations({ ids: [...ids] });
      applyImageStates(res.images);
      done(`Deleted ${boxes(ids.length)}`, true);
      return true;
    },
    { edit: true },
  );
  if (!ok) await resync(imageId);
}

export function deleteSelected(): Promise<void> {
  return deleteBoxes([...getState().selectedBoxIds]);
}

/** The canvas finished drawing a box: it gets the drawing class. */
export async function createBox(box: Box): Promise<void> {
  const s = getState();
  const imageId = s.current?.id;
  if (imageId === undefined) return;
  const classId = s.drawClassId ?? selectOrderedClasses(s)[0]?.id;
  if (classId === undefined) {
    setState({
      error: {
        message: 'Add a class first (Classes tab), then draw.',
        code: 'invalid-request',
        action: 'add box',
      },
    });
    return;
  }
  noteEdit(imageId);
  await perform(
    'add box',
    async () => {
      const res = await api.createAnnotation({
        imageId,
        classId,
        box: { x1: box.x1, y1: box.y1, x2: box.x2, y2: box.y2 },
      });
      const created = res.annotations[0]!;
      merge(imageId, res.annotations);
      applyImageStates(res.images);
      if (getState().current?.id === imageId) setState({ selectedBoxIds: new Set([created.id]) });
      done('Added box', true);
    },
    { edit: true },
  );
}

/** 1–9: relabel the selection, or (nothing selected) choose the drawing class. */
export async function applyClassNumber(n: number): Promise<void> {
  const s = getState();
  const cls = selectOrderedClasses(s)[n - 1];
  if (!cls) return done(`No class ${n} (there are ${selectOrderedClasses(s).length})`);
  const selected = [...s.selectedBoxIds];
  if (selected.length > 0) return relabel(selected, cls.id);
  setState({ drawClassId: cls.id });
  done(`Drawing class: ${cls.name}`);
}

/**
 * Ctrl+Enter: this image is done. Boxes still pending (also those hidden below the threshold) are
 * rejected by the backend in the same undo step, so with pending boxes the person is asked first.
 */
export async function markReviewed(): Promise<void> {
  const s = getState();
  const imageId = s.current?.id;
  if (imageId === undefined) return;
  const pending = s.current?.annotations?.filter((a) => a.review === 'pending').length ?? 0;
  if (
    pending > 0 &&
    !window.confirm(
      `${plural(pending, 'box')} still pending on this image. Mark it reviewed and reject ${pending === 1 ? 'it' : 'them'}?`,
    )
  ) {
    return done('Not marked reviewed');
  }
  noteEdit(imageId);
  await perform(
    'mark reviewed',
    async () => {
      const res = await api.markReviewed({ imageId });
      merge(imageId, res.annotations);
      applyImageStates([res.image]);
      done(
        res.rejected > 0
          ? `Marked image reviewed (${plural(res.rejected, 'pending box')} rejected)`
          : 'Marked image reviewed',
        true,
      );
    },
    { edit: true },
  );
}
