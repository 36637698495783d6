import { naturalSortKey } from '../../shared/project/naturalSort';
import type { Split } from '../../shared/project/splits';
import type {
  ImageListItem,
  ImageRecord,
  ImageStatus,
  ReviewState,
} from '../../shared/project/types';
import { SETTLED_IMAGE } from './imageState';
import type { Db } from './openDatabase';
import { IMAGE_COLUMNS, now, toImage, type ImageRow } from './rows';

export interface NewImage {
  path: string;
  sha256: string;
  bytes: number;
  mtimeMs: number;
  width: number;
  height: number;
  format: string;
}

export interface ImageQuery {
  /** One image only. */
  id?: number;
  status?: ImageStatus;
  /** Only images that have at least one annotation in this review state. */
  annotationReview?: ReviewState;
  /** Only images with an annotation of this class. */
  classId?: number;
  /** Substring of the path (case-insensitive). */
  search?: string;
  /** Only images of this split. */
  split?: Split;
  /**
   * 'uncertain': the review queue — images with pending boxes first, the one whose pending score
   * lies nearest `threshold` first, then more pending boxes, then the least confident; default
   * by path.
   */
  order?: 'path' | 'uncertain';
  /** The score the model's doubt is measured against (default 0.5). */
  threshold?: number;
  /** Only images with a pending box scoring within [min, max]. */
  scoreBand?: { min: number; max: number };
  offset?: number;
  limit?: number;
}

/** Images of a project. */
export class ImageRepo {
  constructor(private readonly db: Db) {}

  get(id: number): ImageRecord | undefined {
    const row = this.db.prepare(`SELECT ${IMAGE_COLUMNS} FROM images WHERE id = ?`).get(id) as
      ImageRow | undefined;
    return row && toImage(row);
  }

  byPath(path: string): ImageRecord | undefined {
    const row = this.db.prepare(`SELECT ${IMAGE_COLUMNS} FROM images WHERE path = ?`).get(path) as
      ImageRow | undefined;
    return row && toImage(row);
  }

  bySha256(sha256: string): ImageRecord | undefined {
    const row = this.db
      .prepare(`SELECT ${IMAGE_COLUMNS} FROM images WHERE sha256 = ?`)
      .get(sha256) as ImageRow | undefined;
    return row && toImage(row);
  }

  /** path → size and mtime of every image: lets a re-import skip known files without reading them. */
  fingerprints(): Map<string, { bytes: number; mtimeMs: number }> {
    const rows = this.db.prepare('SELECT path, bytes, mtime_ms FROM images').all() as {
      path: string;
      bytes: number;
      mtime_ms: number;
    }[];
    return new Map(rows.map((r) => [r.path, { bytes: r.bytes, mtimeMs: r.mtime_ms }]));
  }

  insert(image: NewImage): number {
    const info = this.db
      .prepare(
        `INSERT INTO images (path, sort_key, sha256, bytes, mtime_ms, width, height, format, added_at)
         VALUES (@path, @sortKey, @sha256, @bytes, @mtimeMs, @width, @height, @format, @addedAt)`,
      )
      .run({ ...image, sortKey: naturalSortKey(image.path), addedAt: now() });
    return Number(info.lastInsertRowid);
  }

  /**
   * Overwrites a state without the rule: only for the query benchmark's synthetic projects. Every
   * real change derives the state (imageState.ts).
   */
  setStatusForBenchmark(id: number, status: ImageStatus): void {
    this.db.prepare('UPDATE images SET status = ? WHERE id = ?').run(status, id);
  }

  /**
   * Gives the reviewed mark to those of these images that hold no box at all: a label file that
   * lists an image without objects says "nothing here" (a negative). An image with boxes keeps
   * its state (pending predictions stay an open question). Returns the ids marked. Call inside
   * the transaction that imports, then refresh their states.
   */
  markImportedNegatives(ids: Iterable<number>): number[] {
    const mark = this.db.prepare('UPDATE images SET reviewed_mark = 1 WHERE id = ?');
    return this.unmarkedWithoutBoxes(ids).filter((id) => mark.run(id).changes > 0);
  }

  /** Those of these images that hold no box and lack the reviewed mark: negatives to mark. */
  unmarkedWithoutBoxes(ids: Iterable<number>): number[] {
    const check = this.db.prepare(
      `SELECT 1 FROM images WHERE id = ? AND reviewed_mark = 0
         AND NOT EXISTS (SELECT 1 FROM annotations a WHERE a.image_id = images.id)`,
    );
    return [...new Set(ids)].filter((id) => check.get(id) !== undefined);
  }

  /** Ids of the images whose labels are settled (reviewed, or labels imported). */
  settledIds(): Set<number> {
    const rows = this.db.prepare(`SELECT i.id FROM images i WHERE ${SETTLED_IMAGE}`).all() as {
      id: number;
    }[];
    return new Set(rows.map((r) => r.id));
  }

  /** One image as the list shows it (state and counts), or undefined. */
  listItem(id: number): ImageListItem | undefined {
    return this.list({ id, limit: 1 })[0];
  }

  count(query: ImageQuery = {}): number {
    const { where, params } = imageFilter(query);
    return (
      this.db.prepare(`SELECT count(*) AS n FROM images i ${where}`).get(params) as { n: number }
    ).n;
  }

  /** One page of images in natural order of their paths, with their annotation counts. */
  list(query: ImageQuery = {}): ImageListItem[] {
    const { where, params } = imageFilter(query);
    const rows = this.db
      .prepare(
        `SELECT ${IMAGE_COLUMNS.split(', ')
          .map((c) => `i.${c}`)
          .join(', ')},
           (SELECT count(*) FROM annotations a WHERE a.image_id = i.id AND a.review <> 'rejected') AS annotation_count,
           (SELECT count(*) FROM annotations a WHERE a.image_id = i.id AND a.review = 'pending') AS pending_count
         FROM images i ${where}
         ORDER BY ${query.order === 'uncertain' ? UNCERTAIN_ORDER : 'i.sort_key, i.path'}
         LIMIT @limit OFFSET @offset`,
      )
      .all({
        ...params,
        ...(query.order === 'uncertain' ? { threshold: query.threshold ?? 0.5 } : {}),
        limit: query.limit ?? 100,
        offset: query.offset ?? 0,
      }) as (ImageRow & {
      annotation_count: number;
      pending_count: number;
    })[];
    return rows.map((r) => ({
      ...toImage(r),
      annotationCount: r.annotation_count,
      pendingCount: r.pending_count,
    }));
  }

  /**
   * Images whose labels are settled (DESIGN.md §6): a person reviewed them, or their labels were
   * imported. In natural order of their paths.
   */
  /** Settled images (of one split when given). */
  settled(split?: Split): ImageRecord[] {
    return (
      this.db
        .prepare(
          `SELECT ${IMAGE_COLUMNS} FROM images i
           WHERE ${SETTLED_IMAGE} AND (? IS NULL OR i.split = ?)
           ORDER BY i.sort_key, i.path`,
        )
        .all(split ?? null, split ?? null) as ImageRow[]
    ).map(toImage);
  }

  /** Where an image stands in the unfiltered list (0-based), or null when it does not exist. */
  positionOf(id: number): number | null {
    const at = this.db.prepare('SELECT sort_key, path FROM images WHERE id = ?').get(id) as
      { sort_key: string; path: string } | undefined;
    if (!at) return null;
    return (
      this.db
        .prepare(
          'SELECT count(*) AS n FROM images WHERE sort_key < @k OR (sort_key = @k AND path < @p)',
        )
        .get({ k: at.sort_key, p: at.path }) as { n: number }
    ).n;
  }

  /** Each image's content hash, split, and the classes of its accepted boxes (for assigning splits). */
  splitInfo(): { id: number; sha256: string; split: Split | null; classIds: number[] }[] {
    const rows = this.db
      .prepare(
        `SELECT i.id, i.sha256, i.split,
           (SELECT group_concat(DISTINCT a.class_id) FROM annotations a
            WHERE a.image_id = i.id AND a.review IN ('accepted', 'edited')) AS classes
         FROM images i ORDER BY i.id`,
      )
      .all() as { id: number; sha256: string; split: Split | null; classes: string | null }[];
    return rows.map((r) => ({
      id: r.id,
      sha256: r.sha256,
      split: r.split,
      classIds: r.classes ? r.classes.split(',').map(Number) : [],
    }));
  }

  setSplit(id: number, split: Split): void {
    this.db.prepare('UPDATE images SET split = ? WHERE id = ?').run(split, id);
  }

  splitCounts(): Record<Split | 'none', number> {
    const counts = { train: 0, val: 0, test: 0, none: 0 };
    for (const r of this.db
      .prepare('SELECT split, count(*) AS n FROM images GROUP BY split')
      .all() as { split: Split | null; n: number }[])
      counts[r.split ?? 'none'] = r.n;
    return counts;
  }

  /** Every image in natural order of their paths (for exports and detection runs). */
  all(): ImageRecord[] {
    return (
      this.db
        .prepare(`SELECT ${IMAGE_COLUMNS} FROM images ORDER BY sort_key, path`)
        .all() as ImageRow[]
    ).map(toImage);
  }
}

/** The review queue's order (see ImageQuery.order); ties end by path so pages are stable. */
const UNCERTAIN_ORDER = `pending_count = 0,
  (SELECT min(abs(a.score - @threshold)) FROM annotations a
   WHERE a.image_id = i.id AND a.review = 'pending' AND a.score IS NOT NULL) ASC NULLS LAST,
  pending_count DESC,
  (SELECT max(a.score) FROM annotations a WHERE a.image_id = i.id AND a.review = 'pending') ASC,
  i.sort_key, i.path`;

function imageFilter(q: ImageQuery): { where: string; params: Record<string, unknown> } {
  const clauses: string[] = [];
  const params: Record<string, unknown> = {};
  if (q.id !== undefined) {
    clauses.push('i.id = @id');
    params.id = q.id;
  }
  if (q.status) {
    clauses.push('i.status = @status');
    params.status = q.status;
  }
  if (q.annotationReview) {
    clauses.push(
      'EXISTS (SELECT 1 FROM annotations a WHERE a.image_id = i.id AND a.review = @review)',
    );
    params.review = q.annotationReview;
  }
  if (q.scoreBand) {
    clauses.push(
      "EXISTS (SELECT 1 FROM annotations a WHERE a.image_id = i.id AND a.review = 'pending' AND a.score BETWEEN @bandMin AND @bandMax)",
    );
    params.bandMin = q.scoreBand.min;
    params.bandMax = q.scoreBand.max;
  }
  if (q.split) {
    clauses.push('i.split = @split');
    params.split = q.split;
  }
  if (q.classId !== undefined) {
    clauses.push(
      "EXISTS (SELECT 1 FROM annotations a WHERE a.image_id = i.id AND a.class_id = @classId AND a.review <> 'rejected')",
    );
    params.classId = q.classId;
  }
  if (q.search) {
    clauses.push("i.path LIKE @search ESCAPE '\\'");
    params.search = `%${q.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  }
  return { where: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', params };
}
