import type { ImageDetail } from '../../../shared/api/contract';
import type { ImageRecord } from '../../../shared/project/types';
import { api } from '../api';
import { loadImage, prefetchImage } from '../canvas/imageCache';
import { getState, setState } from '../state/store';
import { findLoadedIndex, loadItemAt } from './imageList';
import { done, perform } from './run';

/**
 * Opening images. The list row already has the image's size and path, so the canvas starts
 * loading pixels at once; the boxes follow from `getImage` (or instantly from the neighbour cache,
 * then revalidated). The next and previous images are prefetched after each open.
 */

/** Recently fetched details of neighbours (not of edited images: edits drop their entry). */
const detailCache = new Map<number, ImageDetail>();
const MAX_CACHED = 8;

/** Bumped by every edit: a `getImage` that started before an edit must not overwrite it. */
let editSeq = 0;

export function noteEdit(imageId: number): void {
  editSeq++;
  detailCache.delete(imageId);
}

export function forgetCachedDetails(): void {
  detailCache.clear();
}

function cacheDetail(detail: ImageDetail): void {
  detailCache.delete(detail.image.id);
  detailCache.set(detail.image.id, detail);
  if (detailCache.size > MAX_CACHED) detailCache.delete(detailCache.keys().next().value as number);
}

/** Shows an image (from a list row or any record) and loads its boxes. */
export function openImage(image: ImageRecord, index: number | null): void {
  const s = getState();
  if (s.current?.id === image.id) {
    if (index !== null && s.current.index !== index) {
      setState({ current: { ...s.current, index } });
    }
    return;
  }
  const cached = detailCache.get(image.id);
  setState({
    current: {
      id: image.id,
      index,
      image: cached?.image ?? image,
      annotations: cached?.annotations ?? null,
      loadError: null,
    },
    imageFailed: false,
    selectedBoxIds: new Set(),
    fitRequest: s.fitRequest + 1,
  });
  probePixels(image.id);
  // Reopening the project returns here. Best effort: a failure only loses that convenience.
  api.rememberImage({ imageId: image.id }).catch(() => undefined);
  void reloadCurrent();
  if (index !== null) void prefetchNeighbours(index);
}

/** Loads the pixels through the canvas's cache (the canvas then finds them decoded) to learn
 * whether they load at all: a broken file gets the "image failed to load" state. */
function probePixels(imageId: number): void {
  loadImage(api.imageUrl(imageId)).catch(() => reportImageFailed(imageId));
}

/** (Re)loads the open image's record and boxes from the backend. */
export async function reloadCurrent(): Promise<void> {
  const cur = getState().current;
  if (!cur) return;
  const seq = editSeq;
  try {
    const detail = await api.getImage({ imageId: cur.id });
    cacheDetail(detail);
    const now = getState().current;
    if (now?.id !== cur.id || seq !== editSeq) return;
    setState((s) => ({
      current: { ...now, image: detail.image, annotations: detail.annotations, loadError: null },
      // Keep only selected boxes that still exist.
      selectedBoxIds: new Set(
        detail.annotations.filter((a) => s.selectedBoxIds.has(a.id)).map((a) => a.id),
      ),
    }));
  } catch (err) {
    const now = getState().current;
    if (now?.id !== cur.id) return;
    setState({
      current: { ...now, loadError: err instanceof Error ? err.message : String(err) },
    });
  }
}

async function prefetchNeighbours(index: number): Promise<void> {
  for (const i of [index + 1, index - 1, index + 2]) {
    if (i < 0 || i >= (getState().total ?? 0)) continue;
    const item = await loadItemAt(i);
    if (!item || getState().current?.index !== index) return;
    prefetchImage(api.imageUrl(item.id));
    if (!detailCache.has(item.id)) {
      api.getImage({ imageId: item.id }).then(cacheDetail, () => undefined);
    }
  }
}

/** D / →: the next image of the filtered list. */
export function nextImage(): Promise<void> {
  return step(1);
}

/** A / ←: the previous image. */
export function prevImage(): Promise<void> {
  return step(-1);
}

async function step(delta: 1 | -1): Promise<void> {
  const { current, total } = getState();
  if (total === null || total === 0) return;
  const from = current ? (current.index ?? findLoadedIndex(current.id)) : null;
  const target = from === null ? 0 : from + delta;
  if (target < 0) return done('This is the first image');
  if (target >= total) return done('This is the last image');
  const item = await perform('open image', async () => {
    const row = await loadItemAt(target);
    if (!row) throw new Error(`could not load the list around image ${target + 1}`);
    return row;
  });
  if (!item) return;
  selectOnly(item.id, target);
  openImage(item, target);
}

/** Plain click on a list row. */
export function openRow(image: ImageRecord, index: number): void {
  selectOnly(image.id, index);
  openImage(image, index);
}

function selectOnly(id: number, index: number | null): void {
  setState({ selectedImageIds: new Set([id]), selectionAnchor: index });
}

/**
 * Opens an image known only by id (undo/redo of an edit made on another image, the image last
 * worked on); `knownIndex` is its place in the list when the caller knows it.
 */
export async function openImageById(imageId: number, knownIndex?: number): Promise<void> {
  const detail = await api.getImage({ imageId });
  cacheDetail(detail);
  const index = knownIndex ?? findLoadedIndex(imageId);
  selectOnly(imageId, index);
  openImage(detail.image, index);
}

/** Marks the image's pixels as failed (the canvas or the preloader reported it). */
export function reportImageFailed(imageId: number): void {
  if (getState().current?.id === imageId) setState({ imageFailed: true });
}

export function retryImage(): void {
  const cur = getState().current;
  if (!cur) return;
  setState((s) => ({ imageFailed: false, imageAttempt: s.imageAttempt + 1 }));
  probePixels(cur.id);
}
