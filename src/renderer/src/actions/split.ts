import type { Split } from '../../../shared/project/splits';
import { api } from '../api';
import { getState } from '../state/store';
import { applyImageStates, refreshList } from './imageList';
import { noteEdit } from './navigation';
import { done, perform, plural } from './run';

/** Puts the open image in a split: one undo step; its identical twins go along (core's rule). */
export async function setCurrentSplit(split: Split): Promise<void> {
  const cur = getState().current;
  if (!cur || cur.image.split === split) return;
  noteEdit(cur.id);
  await perform(
    'set split',
    async () => {
      const res = await api.setImageSplit({ imageIds: [cur.id], split });
      applyImageStates(res.images);
      // Filtered by split, the image may have left (or joined) the list.
      if (getState().filters.split !== 'all') refreshList();
      done(
        `Moved image to ${split}` +
          (res.twins ? ` (with ${plural(res.twins, 'identical file')})` : '') +
          ' · Ctrl+Z to undo',
        true,
      );
    },
    { edit: true },
  );
}
