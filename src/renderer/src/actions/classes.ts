import type { ClassRecord } from '../../../shared/project/types';
import { api } from '../api';
import { getState, setState } from '../state/store';
import { refreshList, setFilters } from './imageList';
import { forgetCachedDetails, reloadCurrent } from './navigation';
import { done, perform } from './run';

/**
 * The class manager: add, rename, recolour, merge, delete. Each is one step of the edit history
 * (Ctrl+Z undoes it like a box edit).
 */

function replaceClass(updated: ClassRecord): void {
  setState((s) => ({
    classes: s.classes.some((c) => c.id === updated.id)
      ? s.classes.map((c) => (c.id === updated.id ? { ...updated, boxCount: c.boxCount } : c))
      : [...s.classes, { ...updated, boxCount: 0 }],
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
  done(`Added class ${created.name}`, true);
  return true;
}

export async function renameClass(classId: number, name: string): Promise<boolean> {
  const updated = await perform('rename class', () => api.renameClass({ classId, name }));
  if (!updated) return false;
  replaceClass(updated);
  done(`Renamed class to ${updated.name}`, true);
  return true;
}

export async function recolorClass(classId: number, color: string): Promise<void> {
  const updated = await perform('recolour class', () => api.recolorClass({ classId, color }));
  if (updated) {
    replaceClass(updated);
    done(`Recoloured ${updated.name}`, true);
  }
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
  done(`Merged ${from} into ${into}`, true);
}

/** Removes a class: its boxes go with it, or move to `reassignTo`. One undo step. */
export async function deleteClass(classId: number, reassignTo?: number): Promise<void> {
  const s = getState();
  const name = s.classes.find((c) => c.id === classId)?.name ?? 'class';
  const into = s.classes.find((c) => c.id === reassignTo)?.name;
  const res = await perform(
    'delete class',
    () => api.deleteClass({ classId, ...(reassignTo !== undefined ? { reassignTo } : {}) }),
    { edit: true },
  );
  if (!res) return;
  setState((st) => ({
    classes: res.classes,
    drawClassId:
      st.drawClassId === classId ? (reassignTo ?? res.classes[0]?.id ?? null) : st.drawClassId,
  }));
  forgetCachedDetails();
  if (getState().filters.classId === classId) setFilters({ classId: null });
  else refreshList();
  await reloadCurrent();
  done(
    into
      ? `Deleted class ${name}; its ${res.boxes} boxes are now ${into}`
      : `Deleted class ${name} with its ${res.boxes} boxes`,
    true,
  );
}
