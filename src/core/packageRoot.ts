import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

let cached: string | undefined;

/**
 * The folder of Shotbox's own package.json, found by walking up from this file: the same answer
 * whether the code runs from src/ (tsx, tests) or from a bundle in out/ (the built CLI).
 */
export function packageRoot(): string {
  if (cached) return cached;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'shotbox')
          return (cached = dir);
      } catch {
        // unreadable package.json: not ours, keep walking up
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error("cannot find Shotbox's package.json above " + dir);
    dir = parent;
  }
}

/**
 * Node arguments that let a child process or worker thread run our TypeScript sources: tsx's
 * loader by absolute URL. A bare `--import tsx` is resolved from the current directory, so it
 * failed whenever a user ran `shotbox train` outside the checkout.
 */
export function tsxExecArgv(): string[] {
  const requireHere = createRequire(path.join(packageRoot(), 'package.json'));
  return ['--import', pathToFileURL(requireHere.resolve('tsx')).href];
}
