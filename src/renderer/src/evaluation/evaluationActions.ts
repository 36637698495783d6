/** What the Evaluation page does: run an evaluate job, list and read stored results, open a record. */
import type { BackendEvent } from '../../../shared/api/contract';
import type { EvaluationRecord } from '../../../shared/eval/storedEvaluation';
import type { Split } from '../../../shared/project/splits';
import { api } from '../api';
import { describeError, done } from '../actions/run';
import { openImageById } from '../actions/navigation';
import { selectBoxes } from '../actions/view';
import { getState, setState } from '../state/store';
import { getEvaluation, setEvaluation } from './evaluationStore';

const fail = (err: unknown): void => setEvaluation({ error: describeError(err).message });

export function setEvaluationOpen(open: boolean): void {
  setEvaluation({ open, error: null });
  if (open) void loadEvaluations();
}

export function toggleEvaluation(): void {
  if (!getState().project) return;
  setEvaluationOpen(!getEvaluation().open);
}

export async function loadEvaluations(): Promise<void> {
  try {
    const list = await api.listEvaluations({});
    const { selectedId, compareId } = getEvaluation();
    const known = (id: number | null): number | null =>
      id !== null && list.some((e) => e.id === id) ? id : null;
    setEvaluation({
      list,
      selectedId: known(selectedId) ?? list[0]?.id ?? null,
      compareId: known(compareId),
    });
    const first = getEvaluation().selectedId;
    if (first !== null) await fetchDetail(first);
  } catch (err) {
    fail(err);
  }
}

async function fetchDetail(id: number): Promise<void> {
  if (getEvaluation().details[id]) return;
  const detail = await api.getEvaluation({ evaluationId: id });
  setEvaluation({ details: { ...getEvaluation().details, [id]: detail } });
}

export async function selectEvaluation(id: number): Promise<void> {
  setEvaluation({
    selectedId: id,
    compareId: getEvaluation().compareId === id ? null : getEvaluation().compareId,
  });
  await fetchDetail(id).catch(fail);
}

export async function compareWith(id: number | null): Promise<void> {
  setEvaluation({ compareId: id });
  if (id !== null) await fetchDetail(id).catch(fail);
}

export function setEvaluationModel(model: string): void {
  setEvaluation({ model });
}

export function setEvaluationSplit(split: Split | 'all'): void {
  setEvaluation({ split });
}

export async function runEvaluation(): Promise<void> {
  const { model, split } = getEvaluation();
  const chosen = model ?? getState().model;
  setEvaluation({ error: null });
  try {
    const { jobId } = await api.startEvaluation({
      ...(chosen ? { model: chosen } : {}),
      ...(split !== 'all' ? { split } : {}),
    });
    setEvaluation({
      run: { jobId, done: 0, total: 0, rate: null, etaSeconds: null, cancelling: false },
    });
  } catch (err) {
    fail(err);
  }
}

export async function cancelEvaluation(): Promise<void> {
  const run = getEvaluation().run;
  if (!run) return;
  setEvaluation({ run: { ...run, cancelling: true } });
  await api.cancelJob({ jobId: run.jobId }).catch(fail);
}

export async function deleteEvaluation(id: number): Promise<void> {
  try {
    await api.deleteEvaluation({ evaluationId: id });
    const details = { ...getEvaluation().details };
    delete details[id];
    setEvaluation({ details });
    await loadEvaluations();
  } catch (err) {
    fail(err);
  }
}

/**
 * The evaluation job's events (called first by the app's event handler); true when the event was
 * the followed job's, so the workbench's detection handling leaves it alone.
 */
export function handleEvaluationEvent(event: BackendEvent): boolean {
  if (event.type === 'project-changed') return false;
  const run = getEvaluation().run;
  const ours = run?.jobId === event.jobId;
  if (event.type === 'job-progress') {
    if (!ours || !run) return event.phase === 'evaluate';
    setEvaluation({
      run: {
        ...run,
        done: event.done,
        total: event.total,
        rate: event.rate ?? null,
        etaSeconds: event.etaSeconds ?? null,
      },
    });
    return true;
  }
  if (!ours && !(event.type === 'job-done' && event.kind === 'evaluate')) return false;
  setEvaluation({ run: null });
  if (event.type === 'job-error')
    setEvaluation({ error: `The evaluation failed: ${event.message}` });
  else if (event.evaluationId !== undefined) {
    done(`Evaluation finished: ${event.processed} images`);
    setEvaluation({ selectedId: event.evaluationId });
    void loadEvaluations();
  } else done('Evaluation cancelled: nothing stored');
  return true;
}

/**
 * Opens a record's image in the workbench with its box highlighted; a missed box is a label of
 * the image, so it is also selected.
 */
export async function openRecord(record: EvaluationRecord): Promise<void> {
  setEvaluationOpen(false);
  setState({
    highlight: {
      imageId: record.imageId,
      box: record.box,
      label: `${kindLabel(record.kind)} · ${record.className}${record.score !== null ? ` ${record.score.toFixed(2)}` : ''}`,
    },
  });
  await openImageById(record.imageId).catch((err: unknown) => {
    setState({ highlight: null });
    fail(err);
  });
  if (record.kind !== 'missed') return;
  const same = (getState().current?.annotations ?? []).find(
    (a) =>
      Math.abs(a.x1 - record.box.x1) < 0.5 &&
      Math.abs(a.y1 - record.box.y1) < 0.5 &&
      Math.abs(a.x2 - record.box.x2) < 0.5 &&
      Math.abs(a.y2 - record.box.y2) < 0.5,
  );
  if (same) selectBoxes([same.id]);
}

export function kindLabel(kind: EvaluationRecord['kind']): string {
  return {
    duplicate: 'duplicate',
    wrongClass: 'wrong class',
    localisation: 'localisation',
    background: 'background',
    missed: 'missed',
  }[kind];
}
