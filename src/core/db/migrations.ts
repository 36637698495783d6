/**
 * Schema migrations, applied in order inside one transaction each; `PRAGMA user_version` holds
 * the number of migrations applied. Never edit a released migration: add the next one.
 *
 * Boxes are x1,y1,x2,y2 in image pixels (DESIGN.md §11). Image paths are relative to the
 * project's image root with '/' separators, so a project can move (DESIGN.md §6).
 */
export const MIGRATIONS: readonly string[] = [
  // 1: the first schema
  `
  CREATE TABLE project (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    image_root TEXT NOT NULL,
    settings TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL
  );

  CREATE TABLE images (
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL UNIQUE,
    -- Not unique: identical files under two names can carry different labels (the raccoon data
    -- has four such pairs); duplicates are reported at import instead.
    sha256 TEXT NOT NULL,
    bytes INTEGER NOT NULL,
    mtime_ms INTEGER NOT NULL,
    width INTEGER NOT NULL CHECK (width > 0),
    height INTEGER NOT NULL CHECK (height > 0),
    format TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'unreviewed' CHECK (status IN ('unreviewed', 'predicted', 'reviewed')),
    added_at TEXT NOT NULL
  );
  CREATE INDEX images_status_path ON images (status, path);
  CREATE INDEX images_sha256 ON images (sha256);

  CREATE TABLE classes (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    color TEXT NOT NULL,
    sort_order INTEGER NOT NULL
  );

  CREATE TABLE models (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    manifest TEXT NOT NULL,
    UNIQUE (name, sha256)
  );

  CREATE TABLE detection_runs (
    id INTEGER PRIMARY KEY,
    model_id INTEGER NOT NULL REFERENCES models (id),
    params TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('running', 'done')),
    started_at TEXT NOT NULL,
    finished_at TEXT
  );

  -- Which images a run has finished: what makes a killed run resumable.
  CREATE TABLE run_images (
    run_id INTEGER NOT NULL REFERENCES detection_runs (id) ON DELETE CASCADE,
    image_id INTEGER NOT NULL REFERENCES images (id) ON DELETE CASCADE,
    detections INTEGER NOT NULL, -- -1: the image could not be read
    PRIMARY KEY (run_id, image_id)
  ) WITHOUT ROWID;

  CREATE TABLE annotations (
    id INTEGER PRIMARY KEY,
    image_id INTEGER NOT NULL REFERENCES images (id) ON DELETE CASCADE,
    class_id INTEGER NOT NULL REFERENCES classes (id),
    x1 REAL NOT NULL,
    y1 REAL NOT NULL,
    x2 REAL NOT NULL,
    y2 REAL NOT NULL,
    origin TEXT NOT NULL CHECK (origin IN ('manual', 'model', 'imported')),
    model_id INTEGER REFERENCES models (id),
    run_id INTEGER REFERENCES detection_runs (id),
    score REAL,
    review TEXT NOT NULL CHECK (review IN ('pending', 'accepted', 'rejected', 'edited')),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CHECK (x2 > x1 AND y2 > y1),
    CHECK (origin <> 'model' OR model_id IS NOT NULL)
  );
  CREATE INDEX annotations_image_review ON annotations (image_id, review);
  -- Counts by class, review and origin (stats, filters) without scanning every box.
  CREATE INDEX annotations_class_review ON annotations (class_id, review);
  CREATE INDEX annotations_review_origin ON annotations (review, origin);
  CREATE INDEX annotations_model_image ON annotations (model_id, image_id) WHERE model_id IS NOT NULL;

  -- Edit history behind undo/redo. One user action = one batch; 'before'/'after' are full
  -- annotation rows as JSON (null: did not exist). Undone batches stay until a new edit.
  CREATE TABLE edits (
    id INTEGER PRIMARY KEY,
    batch INTEGER NOT NULL,
    label TEXT NOT NULL,
    annotation_id INTEGER NOT NULL,
    before TEXT,
    after TEXT,
    at TEXT NOT NULL,
    undone INTEGER NOT NULL DEFAULT 0 CHECK (undone IN (0, 1))
  );
  CREATE INDEX edits_batch ON edits (batch);
  `,
  // 2: image lists in natural order (raccoon-2 before raccoon-10): a stored sort key
  // (shared/project/naturalSort.ts; natural_sort_key() is registered by openDatabase), indexed
  // so a page is still read in index order, filtered by status or not.
  `
  ALTER TABLE images ADD COLUMN sort_key TEXT NOT NULL DEFAULT '';
  UPDATE images SET sort_key = natural_sort_key(path);
  CREATE INDEX images_sort_key ON images (sort_key, path);
  CREATE INDEX images_status_sort_key ON images (status, sort_key, path);
  -- The image last opened in the workbench, reopened with the project (no FK: a stale id reads
  -- as none).
  ALTER TABLE project ADD COLUMN last_image_id INTEGER;
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;
