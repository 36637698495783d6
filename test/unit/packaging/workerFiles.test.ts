import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { builderConfig } from '../../../scripts/packaging/builderConfig';
import { WORKER_NAMES } from '../../../src/core/detector/workerThreads';
import { runShotbox } from '../../helpers/cli';
import { repoRoot } from '../../helpers/paths';

// The packaged app once shipped out/main only, so its batches found no worker thread entry and
// ran decode and inference on one thread. The Electron binary cannot be downloaded here, so this
// checks what the package would hold: every file each worker entry loads, followed through its
// relative imports in the real CLI build, is matched by the packaging config's `files`.

/** electron-builder's `files` as used here: exact paths, `dir/**`, `!**\/*.ext` exclusions. */
function packaged(file: string, patterns: readonly string[]): boolean {
  const matches = (p: string): boolean =>
    p.endsWith('/**') ? file.startsWith(p.slice(0, -2)) : p === file;
  const excluded = patterns
    .filter((p) => p.startsWith('!**/*'))
    .some((p) => file.endsWith(p.slice('!**/*'.length)));
  return !excluded && patterns.some((p) => !p.startsWith('!') && matches(p));
}

/** The entry and every bundle file it imports, transitively (repo-relative, '/' separators). */
function importGraph(entry: string): string[] {
  const seen = new Set<string>();
  const visit = (rel: string): void => {
    if (seen.has(rel)) return;
    seen.add(rel);
    const text = readFileSync(path.join(repoRoot, rel), 'utf8');
    for (const m of text.matchAll(/(?:from|import)\s*\(?\s*["'](\.{1,2}\/[^"']+)["']/g)) {
      visit(path.posix.normalize(path.posix.join(path.posix.dirname(rel), m[1]!)));
    }
  };
  visit(entry);
  return [...seen];
}

describe('the packaged app ships the detector worker threads', () => {
  beforeAll(async () => {
    // bin/shotbox.mjs rebuilds out/cli when the sources changed since the last build.
    const run = await runShotbox(['--version']);
    expect(run.code, run.stderr).toBe(0);
  }, 120_000);

  it.each(WORKER_NAMES)('%s and every chunk it imports are in the package', (name) => {
    const entry = `out/cli/${name}.mjs`;
    expect(existsSync(path.join(repoRoot, entry))).toBe(true);
    const files = importGraph(entry);
    expect(files.length).toBeGreaterThan(1);
    expect(files.filter((f) => !packaged(f, builderConfig.files))).toEqual([]);
  });
});
