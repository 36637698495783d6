import type { Db } from './openDatabase';
import { now } from './rows';

/** Models used on a project and their detection runs (resumable: see `doneImageIds`). */
export class RunRepo {
  constructor(private readonly db: Db) {}

  /** The id of this model version (name + ONNX hash), registering it on first use. */
  ensureModel(name: string, sha256: string, manifest: unknown): number {
    const row = this.db
      .prepare('SELECT id FROM models WHERE name = ? AND sha256 = ?')
      .get(name, sha256) as { id: number } | undefined;
    if (row) return row.id;
    return Number(
      this.db
        .prepare('INSERT INTO models (name, sha256, manifest) VALUES (?, ?, ?)')
        .run(name, sha256, JSON.stringify(manifest)).lastInsertRowid,
    );
  }

  /** The newest unfinished run of this model with these parameters, if a previous one stopped. */
  findUnfinished(modelId: number, params: string): number | undefined {
    const row = this.db
      .prepare(
        "SELECT id FROM detection_runs WHERE model_id = ? AND params = ? AND status = 'running' ORDER BY id DESC LIMIT 1",
      )
      .get(modelId, params) as { id: number } | undefined;
    return row?.id;
  }

  /** True when run `runId` of this model exists and has not finished. */
  isUnfinished(runId: number, modelId: number): boolean {
    return (
      this.db
        .prepare(
          "SELECT 1 FROM detection_runs WHERE id = ? AND model_id = ? AND status = 'running'",
        )
        .get(runId, modelId) !== undefined
    );
  }

  create(modelId: number, params: string): number {
    return Number(
      this.db
        .prepare(
          "INSERT INTO detection_runs (model_id, params, status, started_at) VALUES (?, ?, 'running', ?)",
        )
        .run(modelId, params, now()).lastInsertRowid,
    );
  }

  finish(runId: number): void {
    this.db
      .prepare("UPDATE detection_runs SET status = 'done', finished_at = ? WHERE id = ?")
      .run(now(), runId);
  }

  doneImageIds(runId: number): Set<number> {
    const rows = this.db.prepare('SELECT image_id FROM run_images WHERE run_id = ?').all(runId) as {
      image_id: number;
    }[];
    return new Set(rows.map((r) => r.image_id));
  }

  markImageDone(runId: number, imageId: number, detections: number): void {
    this.db
      .prepare('INSERT OR REPLACE INTO run_images (run_id, image_id, detections) VALUES (?, ?, ?)')
      .run(runId, imageId, detections);
  }
}
