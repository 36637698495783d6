import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { ProjectStats } from '../../shared/project/types';
import { AnnotationRepo } from './annotationRepo';
import { ClassRepo } from './classRepo';
import { EditHistory } from './editHistory';
import { ImageRepo } from './imageRepo';
import { JobRepo } from './jobRepo';
import { refreshImageStates } from './imageState';
import { openDatabase, ProjectFileError, type Db } from './openDatabase';
import { now } from './rows';
import { RunRepo } from './runRepo';
import { projectStats } from './stats';

export { ProjectFileError } from './openDatabase';

/**
 * One project: an SQLite file holding images (by path relative to the image root), classes,
 * annotations, detection runs, jobs and the edit history. All SQL lives under src/core/db.
 */
export class ProjectDb {
  readonly images: ImageRepo;
  readonly classes: ClassRepo;
  readonly annotations: AnnotationRepo;
  readonly history: EditHistory;
  readonly runs: RunRepo;
  readonly jobs: JobRepo;

  private constructor(
    readonly file: string,
    private readonly db: Db,
  ) {
    this.images = new ImageRepo(db);
    this.classes = new ClassRepo(db);
    this.annotations = new AnnotationRepo(db);
    this.history = new EditHistory(db);
    this.runs = new RunRepo(db);
    this.jobs = new JobRepo(db);
  }

  /** Opens an existing project. */
  static open(file: string): ProjectDb {
    const abs = path.resolve(file);
    const db = openDatabase(abs, { create: false });
    const project = new ProjectDb(abs, db);
    if (!db.prepare('SELECT 1 FROM project').get()) {
      db.close();
      throw new ProjectFileError(`${abs} has no project record (was its creation interrupted?)`);
    }
    return project;
  }

  /** Creates a project whose images live under `imageRoot`; refuses to overwrite a file. */
  static create(file: string, imageRoot: string): ProjectDb {
    const abs = path.resolve(file);
    if (existsSync(abs)) throw new ProjectFileError(`${abs} already exists`);
    mkdirSync(path.dirname(abs), { recursive: true });
    const db = openDatabase(abs, { create: true });
    const project = new ProjectDb(abs, db);
    db.prepare('INSERT INTO project (id, image_root, created_at) VALUES (1, ?, ?)').run(
      project.storedRoot(path.resolve(imageRoot)),
      now(),
    );
    return project;
  }

  /** Opens `file`, or creates it with `imageRoot` when it does not exist yet. */
  static openOrCreate(file: string, imageRoot: string): { project: ProjectDb; created: boolean } {
    const abs = path.resolve(file);
    if (!existsSync(abs)) return { project: ProjectDb.create(abs, imageRoot), created: true };
    // A creation killed between the schema and the project row leaves an empty project file:
    // finish it rather than refusing the command that made it.
    const db = openDatabase(abs, { create: false });
    const unfinished =
      !db.prepare('SELECT 1 FROM project').get() &&
      !db.prepare('SELECT 1 FROM images LIMIT 1').get();
    if (unfinished) {
      const project = new ProjectDb(abs, db);
      db.prepare('INSERT INTO project (id, image_root, created_at) VALUES (1, ?, ?)').run(
        project.storedRoot(path.resolve(imageRoot)),
        now(),
      );
      return { project, created: true };
    }
    db.close();
    return { project: ProjectDb.open(abs), created: false };
  }

  /**
   * The absolute image root. Stored relative to the project file's folder when it is inside it,
   * so moving the project folder with its images keeps working.
   */
  get imageRoot(): string {
    const { image_root } = this.db.prepare('SELECT image_root FROM project').get() as {
      image_root: string;
    };
    return path.resolve(path.dirname(this.file), image_root);
  }

  /** Points the project at its images' new location (after the images moved). */
  setImageRoot(root: string): void {
    this.db.prepare('UPDATE project SET image_root = ?').run(this.storedRoot(path.resolve(root)));
  }

  /** Absolute path of an image given its stored relative path. */
  imagePath(relative: string): string {
    return path.join(this.imageRoot, ...relative.split('/'));
  }

  /** Runs `fn` in one transaction: all of it is written, or none of it. */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  /** Re-derives these images' states (imageState.ts), inside the caller's transaction. */
  refreshImageStates(imageIds: Iterable<number>): void {
    refreshImageStates(this.db, imageIds);
  }

  stats(): ProjectStats {
    return projectStats(this.db);
  }

  /** SQLite's own consistency check: "ok" when the file is sound. */
  integrityCheck(): string {
    const rows = this.db.pragma('integrity_check') as { integrity_check: string }[];
    return rows.map((r) => r.integrity_check).join('; ');
  }

  /** Rows violating a foreign key (should always be empty). */
  foreignKeyViolations(): number {
    return (this.db.pragma('foreign_key_check') as unknown[]).length;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  private storedRoot(absRoot: string): string {
    const rel = path.relative(path.dirname(this.file), absRoot);
    const inside = rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
    return inside ? rel.split(path.sep).join('/') || '.' : absRoot;
  }
}
