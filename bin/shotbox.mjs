#!/usr/bin/env node
// Entry point of the `shotbox` command: runs the CLI built at install (out/cli/shotbox.mjs, see
// scripts/build-cli.mjs). In a source checkout whose sources changed since that build, it
// rebuilds first (about a second, said on stderr); if it cannot, it runs the TypeScript sources
// through tsx and says so.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { builtCli, buildCli, staleReason } = await import(
  pathToFileURL(path.join(root, 'scripts', 'build-cli.mjs')).href
);

async function loadMain() {
  // A packaged install has no sources to compare with: use what was built.
  const stale = existsSync(path.join(root, 'src', 'cli')) ? staleReason() : undefined;
  if (stale) {
    try {
      await buildCli();
      process.stderr.write(`shotbox: ${stale}; rebuilt ${path.relative(root, builtCli)}\n`);
    } catch (err) {
      process.stderr.write(
        `shotbox: ${stale} and rebuilding failed (${err instanceof Error ? err.message.split('\n')[0] : err}); ` +
          'running the TypeScript sources through tsx (slower start)\n',
      );
      const { register } = await import('tsx/esm/api');
      register();
      return import(pathToFileURL(path.join(root, 'src', 'cli', 'main.ts')).href);
    }
  }
  return import(pathToFileURL(builtCli).href);
}

const { main } = await loadMain();
process.exitCode = await main(process.argv);
