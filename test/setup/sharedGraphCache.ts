import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// One optimised-graph cache for the whole run, never the user's own: made before
// the test processes fork, so they and every CLI they spawn inherit it through the environment.
export function setup(): () => void {
  if (process.env.SHOTBOX_CACHE_DIR) return () => undefined;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'shotbox-test-cache-'));
  process.env.SHOTBOX_CACHE_DIR = dir;
  return () => rmSync(dir, { recursive: true, force: true });
}
