import { existsSync, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { ProjectStats } from '../../shared/project/types';
import { AnnotationRepo } from './annotationRepo';
import { ClassRepo } from './classRepo';
import { EditHistory } from './editHistory';
import { EvaluationRepo } from './evaluationRepo';
import { ImageRepo } from './imageRepo';
import { JobRepo } from './jobRepo';
import { refreshImageStates } from './imageState';
import { openDatabase, ProjectFileError, quickCheck, type Db } from './openDatabase';
import { nameFileInErrors } from './namedErrors';
import { damagedMessage, ProjectDamagedError } from './projectErrors';
import { now } from './rows';
import { RunRepo } from './runRepo';
import { projectStats } from './stats';

export { ProjectFileError } from './openDatabase';

export interface OpenProjectOptions {
  /** Never write into the file (read-only commands: stats, export, …). */
  readOnly?: boolean;
  /**
   * What a damaged file (quick_check fails) gives: 'refuse' throws ProjectDamagedError (the
   * CLI's writing commands); 'read-only' opens it read-only with `readOnlyReason` saying why
   * (the UI shows it as a banner). Read-only opens always proceed and record the damage.
   */
  onDamage?: 'refuse' | 'read-only';
}

/**
 * Why `dir` cannot be a project's image root, or undefined when it can: anything but a folder
 * (a file as the root, `import photo.jpg`, made a project every later import refused). A folder
 * not made yet is allowed here; the commands that read it say when it is missing.
 */
export function imageRootProblem(dir: string): string | undefined {
  const abs = path.resolve(dir);
  const stats = statSync(abs, { throwIfNoEntry: false });
  if (stats === undefined || stats.isDirectory()) return undefined;
  return `${abs} is a file, not a folder: a project's image root is the folder that holds its images`;
}

function assertImageRoot(dir: string): void {
  const problem = imageRootProblem(dir);
  if (problem) throw new ProjectFileError(problem);
}

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
  readonly evaluations: EvaluationRepo;

  private constructor(
    readonly file: string,
    private readonly db: Db,
    /** Null when writable; else why not (damaged, or opened by a read-only command). */
    readonly readOnlyReason: string | null = null,
    /** True when quick_check found damage (the file is then open read-only). */
    readonly damaged = false,
  ) {
    nameFileInErrors(db, file, readOnlyReason, readOnlyReason === null);
    this.images = new ImageRepo(db);
    this.classes = new ClassRepo(db);
    this.annotations = new AnnotationRepo(db);
    this.history = new EditHistory(db);
    this.runs = new RunRepo(db);
    this.jobs = new JobRepo(db);
    this.evaluations = new EvaluationRepo(db);
  }

  /** Opens an existing project (checked with quick_check first; see OpenProjectOptions). */
  static open(file: string, options: OpenProjectOptions = {}): ProjectDb {
    const abs = path.resolve(file);
    let db: Db;
    let reason: string | null = null;
    let damaged = false;
    if (options.readOnly) {
      db = openDatabase(abs, { create: false, readOnly: true });
      const check = quickCheck(db);
      damaged = check !== 'ok';
      reason = damaged ? damagedMessage(abs, check) : `${abs} was opened read-only`;
    } else {
      try {
        db = openDatabase(abs, { create: false });
      } catch (err) {
        if (!(err instanceof ProjectDamagedError) || options.onDamage !== 'read-only') throw err;
        db = openDatabase(abs, { create: false, readOnly: true });
        reason = err.message;
        damaged = true;
      }
    }
    const project = new ProjectDb(abs, db, reason, damaged);
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
    assertImageRoot(imageRoot);
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
    const db = openDatabase(abs, { create: true });
    const unfinished =
      !db.prepare('SELECT 1 FROM project').get() &&
      !db.prepare('SELECT 1 FROM images LIMIT 1').get();
    if (unfinished) {
      const problem = imageRootProblem(imageRoot);
      if (problem) {
        db.close();
        throw new ProjectFileError(problem);
      }
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

  /**
   * SQLite's `PRAGMA data_version`: changes when another connection (the CLI, another window)
   * commits to the file, never for this connection's own writes.
   */
  dataVersion(): number {
    return this.db.pragma('data_version', { simple: true }) as number;
  }

  /** The image last opened in the workbench, if it still exists. */
  get lastImageId(): number | null {
    const row = this.db
      .prepare('SELECT i.id FROM project p JOIN images i ON i.id = p.last_image_id')
      .get() as { id: number } | undefined;
    return row?.id ?? null;
  }

  /**
   * Remembers the image open in the workbench. Where the person is, not what the project holds:
   * no edit history, and undo never moves it.
   */
  rememberImage(imageId: number): void {
    this.db.prepare('UPDATE project SET last_image_id = ?').run(imageId);
  }

  /** Points the project at its images' new location (after the images moved). */
  setImageRoot(root: string): void {
    assertImageRoot(root);
    this.db.prepare('UPDATE project SET image_root = ?').run(this.storedRoot(path.resolve(root)));
  }

  /** Absolute path of an image given its stored relative path. */
  imagePath(relative: string): string {
    return path.join(this.imageRoot, ...relative.split('/'));
  }

  /** True when a change could be written (not damaged, not opened read-only). */
  get writable(): boolean {
    return this.readOnlyReason === null;
  }

  /**
   * How long a write waits for another program's lock before SQLITE_BUSY. The driver is
   * synchronous, so a server keeps this short: a wait blocks every request, reads included.
   */
  setBusyTimeout(ms: number): void {
    this.db.pragma(`busy_timeout = ${Math.max(0, Math.round(ms))}`);
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
