import type { RequestOf } from '../../../shared/api/contract';
import type { ImageListItem } from '../../../shared/project/types';
import { api } from '../api';
import { itemAt } from '../state/selectors';
import { PAGE_SIZE, getState, setState, type ImageFilters } from '../state/store';
import { describeError, perform } from './run';

/**
 * The image list: pages of `listImages` fetched on demand as the list scrolls (the total sizes the
 * scroll area, so 100,000 images cost only the pages looked at), a filter, and a multi-selection.
 */

/** Pages kept in memory around the viewport; farther ones are dropped and refetched if needed. */
const MAX_PAGES = 40;

const inFlight = new Map<string, Promise<readonly ImageListItem[] | undefined>>();
let visible = { start: 0, end: 0 };

export function queryOf(filters: ImageFilters): Omit<RequestOf<'listImages'>, 'offset' | 'limit'> {
  const search = filters.search.trim();
  return {
    ...(filters.review === 'pending'
      ? { annotationReview: 'pending' as const }
      : filters.review !== 'all'
        ? { status: filters.review }
        : {}),
    ...(filters.classId !== null ? { classId: filters.classId } : {}),
    ...(filters.split !== 'all' ? { split: filters.split } : {}),
    ...(search ? { search } : {}),
    // The queue measures doubt against the score threshold the person is using now.
    ...(filters.order === 'uncertain'
      ? { order: 'uncertain' as const, threshold: getState().threshold }
      : {}),
    ...(filters.band[0] > 0 || filters.band[1] < 1
      ? { scoreBand: { min: filters.band[0], max: filters.band[1] } }
      : {}),
  };
}

/** Fetches one page (deduplicated); resolves to its rows, or undefined when it failed. */
export function fetchPage(
  page: number,
  force = false,
): Promise<readonly ImageListItem[] | undefined> {
  const { listGeneration: generation, filters } = getState();
  const key = `${generation}:${page}`;
  const running = inFlight.get(key);
  if (running && !force) return running;
  const request = (async () => {
    try {
      const res = await api.listImages({
        ...queryOf(filters),
        offset: page * PAGE_SIZE,
        limit: PAGE_SIZE,
      });
      if (getState().listGeneration !== generation) return undefined;
      setState((s) => ({
        total: res.total,
        pages: trimPages(new Map(s.pages).set(page, res.items)),
        listError: null,
      }));
      return res.items;
    } catch (err) {
      if (getState().listGeneration === generation) {
        setState({ listError: describeError(err).message });
      }
      return undefined;
    } finally {
      inFlight.delete(key);
    }
  })();
  inFlight.set(key, request);
  return request;
}

function trimPages(
  pages: Map<number, readonly ImageListItem[]>,
): Map<number, readonly ImageListItem[]> {
  if (pages.size <= MAX_PAGES) return pages;
  const centre = Math.floor((visible.start + visible.end) / 2 / PAGE_SIZE);
  const far = [...pages.keys()].sort((a, b) => Math.abs(b - centre) - Math.abs(a - centre));
  for (const p of far.slice(0, pages.size - MAX_PAGES)) pages.delete(p);
  return pages;
}

/** The list shows rows start..end (inclusive): fetch the pages they fall on. */
export function ensureRange(start: number, end: number): void {
  visible = { start, end };
  const { pages } = getState();
  for (let p = Math.floor(start / PAGE_SIZE); p <= Math.floor(end / PAGE_SIZE); p++) {
    if (!pages.has(p)) void fetchPage(p);
  }
}

/** The row at a list position, fetching its page when needed. */
export async function loadItemAt(index: number): Promise<ImageListItem | undefined> {
  const loaded = itemAt(getState().pages, index);
  if (loaded) return loaded;
  const rows = await fetchPage(Math.floor(index / PAGE_SIZE));
  return rows?.[index % PAGE_SIZE];
}

/** Changes the filter: a new list generation, fetched from its first page. */
export function setFilters(patch: Partial<ImageFilters>): void {
  setState((s) => ({
    filters: { ...s.filters, ...patch },
    listGeneration: s.listGeneration + 1,
    pages: new Map(),
    total: null,
    listError: null,
    selectedImageIds: s.current ? new Set([s.current.id]) : new Set(),
    selectionAnchor: null,
    current: s.current && { ...s.current, index: null },
  }));
  void fetchPage(0);
}

/**
 * Refetches the loaded pages in place (after a detection job, an undo elsewhere): rows keep their
 * positions until the new data arrives, so the list does not flash.
 */
export function refreshList(): void {
  const pages = [...getState().pages.keys()];
  if (pages.length === 0) pages.push(0);
  for (const p of pages) void fetchPage(p, true);
}

/** Updates one row after an edit (counts, status), wherever it is loaded. */
export function patchListItem(id: number, patch: Partial<ImageListItem>): void {
  setState((s) => {
    let pages: Map<number, readonly ImageListItem[]> | undefined;
    for (const [p, rows] of s.pages) {
      const i = rows.findIndex((r) => r.id === id);
      if (i < 0) continue;
      pages ??= new Map(s.pages);
      pages.set(
        p,
        rows.map((r, j) => (j === i ? { ...r, ...patch } : r)),
      );
    }
    return pages ? { pages } : {};
  });
}

/**
 * The backend's answer to a change: the new state and counts of the images it touched (the state
 * rule lives in core). Updates their list rows and the open image.
 */
export function applyImageStates(items: readonly ImageListItem[]): void {
  for (const item of items) {
    patchListItem(item.id, {
      status: item.status,
      annotationCount: item.annotationCount,
      pendingCount: item.pendingCount,
      split: item.split,
    });
  }
  const cur = getState().current;
  const mine = cur && items.find((i) => i.id === cur.id);
  if (cur && mine)
    setState({
      current: { ...cur, image: { ...cur.image, status: mine.status, split: mine.split } },
    });
}

/** Position of an image among the loaded rows, if it is loaded. */
export function findLoadedIndex(id: number): number | null {
  for (const [p, rows] of getState().pages) {
    const i = rows.findIndex((r) => r.id === id);
    if (i >= 0) return p * PAGE_SIZE + i;
  }
  return null;
}

/** Ctrl/Cmd+click: add or remove one image from the selection. */
export function toggleImageSelected(index: number, id: number): void {
  setState((s) => {
    const next = new Set(s.selectedImageIds);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    return { selectedImageIds: next, selectionAnchor: index };
  });
}

/** Shift+click: select the rows from the anchor (or the open image) to this one. */
export async function selectImageRange(index: number): Promise<void> {
  const s = getState();
  const anchor = s.selectionAnchor ?? s.current?.index ?? index;
  const [from, to] = anchor <= index ? [anchor, index] : [index, anchor];
  const ids = await perform('select images', () => idsInRange(from, to));
  if (ids) setState({ selectedImageIds: new Set(ids) });
}

async function idsInRange(from: number, to: number): Promise<number[]> {
  const pages: number[] = [];
  for (let p = Math.floor(from / PAGE_SIZE); p <= Math.floor(to / PAGE_SIZE); p++) pages.push(p);
  await Promise.all(pages.filter((p) => !getState().pages.has(p)).map((p) => fetchPage(p)));
  const ids: number[] = [];
  const { pages: loaded } = getState();
  for (let i = from; i <= to; i++) {
    const item = itemAt(loaded, i);
    if (item) ids.push(item.id);
  }
  return ids;
}

/** Every image id matching the current filter (for "detect all"), in list order. */
export async function allFilteredIds(): Promise<number[]> {
  const query = queryOf(getState().filters);
  const ids: number[] = [];
  const limit = 500;
  for (let offset = 0; ; offset += limit) {
    const page = await api.listImages({ ...query, offset, limit });
    for (const item of page.items) ids.push(item.id);
    if (page.items.length < limit || offset + limit >= page.total) return ids;
  }
}
