import {
  IMAGE_STATUSES,
  ORIGINS,
  REVIEW_STATES,
  type ImageStatus,
  type Origin,
  type ProjectStats,
  type ReviewState,
} from '../../shared/project/types';
import { SETTLED_IMAGE } from './imageState';
import type { Db } from './openDatabase';

function countBy<K extends string>(db: Db, sql: string, keys: readonly K[]): Record<K, number> {
  const out = Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;
  for (const r of db.prepare(sql).all() as { k: K; n: number }[]) out[r.k] = r.n;
  return out;
}

/** Counts for `shotbox stats` and the UI's overview. */
export function projectStats(db: Db): ProjectStats {
  const images = (db.prepare('SELECT count(*) AS n FROM images').get() as { n: number }).n;
  const annotations = (db.prepare('SELECT count(*) AS n FROM annotations').get() as { n: number })
    .n;
  const neverReviewed = (
    db.prepare(`SELECT count(*) AS n FROM images i WHERE NOT ${SETTLED_IMAGE}`).get() as {
      n: number;
    }
  ).n;
  const byClass = db
    .prepare(
      `SELECT c.name AS name, count(a.id) AS count FROM classes c
       LEFT JOIN annotations a ON a.class_id = c.id AND a.review <> 'rejected'
       GROUP BY c.id ORDER BY c.sort_order, c.id`,
    )
    .all() as { name: string; count: number }[];
  return {
    images,
    imagesByStatus: countBy<ImageStatus>(
      db,
      'SELECT status AS k, count(*) AS n FROM images GROUP BY status',
      IMAGE_STATUSES,
    ),
    imagesNeverReviewed: neverReviewed,
    annotations,
    byClass,
    byOrigin: countBy<Origin>(
      db,
      'SELECT origin AS k, count(*) AS n FROM annotations GROUP BY origin',
      ORIGINS,
    ),
    byReview: countBy<ReviewState>(
      db,
      'SELECT review AS k, count(*) AS n FROM annotations GROUP BY review',
      REVIEW_STATES,
    ),
    runs: (db.prepare('SELECT count(*) AS n FROM detection_runs').get() as { n: number }).n,
  };
}
