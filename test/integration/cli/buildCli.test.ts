import { existsSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { runShotbox } from '../../helpers/cli';
import { repoRoot } from '../../helpers/paths';

// The real build script over the real out/cli: each build leaves the chunks of the one before, so
// without pruning the folder grows with every edit of a checkout.
it('a build removes chunks of earlier builds once they are a day old, and the CLI still runs', async () => {
  const { buildCli } = (await import(path.join(repoRoot, 'scripts', 'build-cli.mjs'))) as {
    buildCli: () => Promise<void>;
  };
  const chunks = path.join(repoRoot, 'out', 'cli', 'chunks');
  const old = path.join(chunks, 'chunk-TESTOLD0.mjs');
  const recent = path.join(chunks, 'chunk-TESTNEW0.mjs');
  await buildCli();
  writeFileSync(old, 'export {};\n');
  const twoDaysAgo = (Date.now() - 2 * 24 * 3600_000) / 1000;
  utimesSync(old, twoDaysAgo, twoDaysAgo);
  writeFileSync(recent, 'export {};\n');
  try {
    await buildCli();
    expect(existsSync(old)).toBe(false);
    // A CLI started before this build may still import a chunk this young.
    expect(existsSync(recent)).toBe(true);
    const r = await runShotbox(['--version']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
  } finally {
    for (const f of [old, recent]) rmSync(f, { force: true });
  }
});
