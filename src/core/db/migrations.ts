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
  // 2: ids are never reused (AUTOINCREMENT: an undo step can never restore a box or class under
  // an id that meanwhile meant something else); images get the person's "reviewed" mark and a
  // "the model ran on it" flag, from which core derives the image state (`imageState.ts`), and the
  // state 'nothing-found'; the edit history records classes and images as well as annotations.
  // Tables are rebuilt (SQLite cannot add AUTOINCREMENT or change a CHECK in place); the runner
  // turns foreign keys off around migrations and checks them before committing.
  `
  CREATE TABLE images_v2 (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    path TEXT NOT NULL UNIQUE,
    sha256 TEXT NOT NULL,
    bytes INTEGER NOT NULL,
    mtime_ms INTEGER NOT NULL,
    width INTEGER NOT NULL CHECK (width > 0),
    height INTEGER NOT NULL CHECK (height > 0),
    format TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'unreviewed'
      CHECK (status IN ('unreviewed', 'nothing-found', 'predicted', 'reviewed')),
    -- A person said "this image is done" (Ctrl+Enter); the state rule reads it.
    reviewed_mark INTEGER NOT NULL DEFAULT 0 CHECK (reviewed_mark IN (0, 1)),
    -- A detection finished on this image at least once (distinguishes "nothing found").
    detected INTEGER NOT NULL DEFAULT 0 CHECK (detected IN (0, 1)),
    added_at TEXT NOT NULL
  );
  INSERT INTO images_v2 (id, path, sha256, bytes, mtime_ms, width, height, format, status, reviewed_mark, detected, added_at)
    SELECT id, path, sha256, bytes, mtime_ms, width, height, format, status,
      status = 'reviewed',
      EXISTS (SELECT 1 FROM run_images r WHERE r.image_id = images.id AND r.detections >= 0),
      added_at
    FROM images;
  DROP TABLE images;
  ALTER TABLE images_v2 RENAME TO images;
  CREATE INDEX images_status_path ON images (status, path);
  CREATE INDEX images_sha256 ON images (sha256);

  CREATE TABLE classes_v2 (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    color TEXT NOT NULL,
    sort_order INTEGER NOT NULL
  );
  INSERT INTO classes_v2 SELECT id, name, color, sort_order FROM classes;
  DROP TABLE classes;
  ALTER TABLE classes_v2 RENAME TO classes;

  CREATE TABLE annotations_v2 (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
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
  INSERT INTO annotations_v2 SELECT id, image_id, class_id, x1, y1, x2, y2, origin, model_id, run_id,
    score, review, created_at, updated_at FROM annotations;
  DROP TABLE annotations;
  ALTER TABLE annotations_v2 RENAME TO annotations;
  CREATE INDEX annotations_image_review ON annotations (image_id, review);
  CREATE INDEX annotations_class_review ON annotations (class_id, review);
  CREATE INDEX annotations_review_origin ON annotations (review, origin);
  CREATE INDEX annotations_model_image ON annotations (model_id, image_id) WHERE model_id IS NOT NULL;

  -- Ids used before this migration (also by boxes only the history remembers) stay used.
  INSERT INTO sqlite_sequence (name, seq)
    SELECT 'annotations', 0 WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'annotations');
  UPDATE sqlite_sequence SET seq = max(seq, (SELECT coalesce(max(annotation_id), 0) FROM edits))
    WHERE name = 'annotations';

  -- History rows name what they change: kind 'annotation' | 'class' | 'image', and its id.
  ALTER TABLE edits RENAME COLUMN annotation_id TO row_id;
  ALTER TABLE edits ADD COLUMN kind TEXT NOT NULL DEFAULT 'annotation'
    CHECK (kind IN ('annotation', 'class', 'image'));
  CREATE INDEX edits_undone_batch ON edits (undone, batch);

  -- The state of every image under the rule of imageState.ts (a frozen copy: migrations never change).
  UPDATE images SET status = CASE
    WHEN EXISTS (SELECT 1 FROM annotations a WHERE a.image_id = images.id AND a.review = 'pending') THEN 'predicted'
    WHEN reviewed_mark = 1 OR EXISTS (SELECT 1 FROM annotations a WHERE a.image_id = images.id) THEN 'reviewed'
    WHEN detected = 1 THEN 'nothing-found'
    ELSE 'unreviewed' END;
  `,
  // 3: image lists in natural order (raccoon-2 before raccoon-10): a stored sort key
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
  // 4: persistent jobs (src/core/jobs): what was asked (kind, params), where it stands (state,
  // progress), the detection run it feeds, and every file that failed with its reason, so a job
  // killed at any moment can be listed and resumed by the next process. Images get a split
  // (train/val/test; NULL until assigned by src/core/project/splits.ts).
  `
  ALTER TABLE images ADD COLUMN split TEXT CHECK (split IN ('train', 'val', 'test'));
  CREATE INDEX images_split ON images (split);

  CREATE TABLE jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL CHECK (kind IN ('detect', 'import', 'evaluate', 'train')),
    params TEXT NOT NULL,
    -- 'running' in the file while no process runs it: the process was killed (interrupted).
    state TEXT NOT NULL CHECK (state IN ('running', 'paused', 'cancelled', 'done', 'failed')),
    run_id INTEGER REFERENCES detection_runs (id) ON DELETE SET NULL,
    done INTEGER NOT NULL DEFAULT 0,
    total INTEGER NOT NULL DEFAULT 0,
    failed INTEGER NOT NULL DEFAULT 0,
    result TEXT,
    message TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    finished_at TEXT
  );
  CREATE INDEX jobs_state ON jobs (state);

  CREATE TABLE job_errors (
    job_id INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    file TEXT NOT NULL,
    reason TEXT NOT NULL,
    PRIMARY KEY (job_id, file)
  ) WITHOUT ROWID;
  `,
  // 5: stored evaluations (src/core/db/evaluationRepo.ts): one row per evaluate job — model name
  // and ONNX hash, split (NULL: every settled image), the summary numbers, per-class AP and PR
  // curves (at most 101 points each) as JSON — and every wrong detection and missed box of it.
  // Derived data, not labels: not in the edit history, deleted with their evaluation or image.
  `
  CREATE TABLE evaluations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id INTEGER REFERENCES jobs (id) ON DELETE SET NULL,
    model TEXT NOT NULL,
    model_sha256 TEXT NOT NULL,
    split TEXT CHECK (split IN ('train', 'val', 'test')),
    params TEXT NOT NULL,
    created_at TEXT NOT NULL,
    images INTEGER NOT NULL,
    ground_truth INTEGER NOT NULL,
    detections INTEGER NOT NULL,
    summary TEXT NOT NULL,
    error_counts TEXT NOT NULL,
    classes TEXT NOT NULL
  );

  CREATE TABLE evaluation_records (
    evaluation_id INTEGER NOT NULL REFERENCES evaluations (id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    image_id INTEGER NOT NULL REFERENCES images (id) ON DELETE CASCADE,
    class_name TEXT NOT NULL,
    x1 REAL NOT NULL,
    y1 REAL NOT NULL,
    x2 REAL NOT NULL,
    y2 REAL NOT NULL,
    kind TEXT NOT NULL
      CHECK (kind IN ('duplicate', 'wrongClass', 'localisation', 'background', 'missed')),
    score REAL,
    iou REAL,
    PRIMARY KEY (evaluation_id, seq)
  ) WITHOUT ROWID;
  CREATE INDEX evaluation_records_kind ON evaluation_records (evaluation_id, kind, score);
  CREATE INDEX evaluation_records_image ON evaluation_records (image_id);
  `,
  // 6: who runs a 'running' job (src/core/jobs/jobOwner.ts): the process (pid, host, a token of
  // its runner) and a heartbeat it refreshes every few seconds, so another process can tell a
  // job live elsewhere (refused, not resumed) from one whose process died (resumed). A pause or
  // cancel asked by another process is left in stop_request for the owner to act on.
  `
  ALTER TABLE jobs ADD COLUMN owner_pid INTEGER;
  ALTER TABLE jobs ADD COLUMN owner_host TEXT;
  ALTER TABLE jobs ADD COLUMN owner_token TEXT;
  -- Milliseconds since the epoch of the owner's last sign of life.
  ALTER TABLE jobs ADD COLUMN heartbeat_at INTEGER;
  ALTER TABLE jobs ADD COLUMN stop_request TEXT CHECK (stop_request IN ('paused', 'cancelled'));
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;
