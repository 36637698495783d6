import type { ClassRecord } from '../../../shared/project/types';
import { api } from '../api';
import { getState, setState } from '../state/store';
import { refreshList, setFilters } from './imageList';
import { forgetCachedDetails, reloadCurrent } from './navigation';
import { done, perform } from './run';

/** The class manager: add, rename, recolour, merge. Classes are not part of box undo history. */

function replaceClass(updated: ClassRecord): void {
  setState((s) => ({
    classes: s.classes.some((c) => c.id === updated.id)
      ? s.classes.map((c) => (c.id === updated.id ? updated : c))
      : [...s.classes, updated],
  }));
}

export async function loadClasses(): Promise<void> {
  const classes = await perform('load classes', () => api.listClasses({}), { background: true });
  if (classes) {
    setState((s) => ({
      classes,
      drawClassId:
        s.drawClassId !== null && classes.some((c) => c.id === s.drawClassId)
          ? s.drawClassId
          : (classes[0]?.id ?? null),
    }));
  }
}

export async function createClass(name: string, color?: string): Promise<boolean> {
  const created = await perform('add class', () =>
    api.createClass({ name, ...(color ? { color } : {}) }),
  );
  if (!created) return false;
  replaceClass(created);
  if (getState().drawClassId === null) setState({ drawClassId: created.id });
  done(`Added class ${created.name}`);
  return true;
}

export async function renameClass(classId: number, name: string): Promise<boolean> {
  const updated = await perform('rename class', () => api.renameClass({ classId, name }));
  if (!updated) return false;
  replaceClass(updated);
  done(`Renamed class to ${updated.name}`);
  return true;
}

export async function recolorClass(classId: number, color: string): Promise<void> {
  const updated = await perform('recolour class', () => api.recolorClass({ classId, color }));
  if (updated) replaceClass(updated);
}

/** Moves every box of `fromId` to `intoId` and removes `fromId`. */
export async function mergeClasses(fromId: number, intoId: number): Promise<void> {
  const s = getState();
  const from = s.classes.find((c) => c.id === fromId)?.name ?? 'class';
  const into = s.classes.find((c) => c.id === intoId)?.name ?? 'class';
  const classes = await perform('merge classes', () => api.mergeClasses({ fromId, intoId }), {
    edit: true,
  });
  if (!classes) return;
  setState((st) => ({
    classes,
    drawClassId: st.drawClassId === fromId ? intoId : st.drawClassId,
  }));
  forgetCachedDetails();
  if (getState().filters.classId === fromId) {
    setFilters({ classId: intoId });
  } else refreshList();
  await reloadCurrent();
  done(`Merged ${from} into ${into}`);
}
