import { readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';

/** True when `target` is `root` or lies inside it (both absolute, already resolved). */
export function isInside(root: string, target: string): boolean {
  const rel = path.relative(root, target);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/**
 * Every regular file under `dir` (recursive, sorted, hidden entries skipped, symlink loops cut).
 * With `root`, a symbolic link whose real target lies outside the root is reported and not
 * followed: the project could not serve it (serving checks real paths), and a link out of an
 * image folder is worth a word. FIFOs, sockets and devices are reported, never opened.
 */
export async function walkFiles(
  dir: string,
  problems: { file: string; reason: string }[],
  options: { root?: string } = {},
): Promise<string[]> {
  const files: string[] = [];
  const visited = new Set<string>();
  const realRoot = options.root ? await realpath(options.root).catch(() => options.root!) : null;
  const walk = async (d: string): Promise<void> => {
    const real = await realpath(d);
    if (visited.has(real)) return;
    visited.add(real);
    let entries;
    try {
      entries = await readdir(d, { withFileTypes: true });
    } catch (err) {
      problems.push({
        file: d,
        reason: `cannot list folder (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
      });
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const full = path.join(d, e.name);
      let isDir = e.isDirectory();
      let isFile = e.isFile();
      if (e.isSymbolicLink()) {
        const target = await stat(full).catch(() => undefined);
        if (!target) {
          problems.push({ file: full, reason: 'broken symbolic link' });
          continue;
        }
        if (realRoot) {
          const to = await realpath(full);
          if (!isInside(realRoot, to)) {
            problems.push({
              file: full,
              reason: `symbolic link leads outside the image root (to ${to}); not imported`,
            });
            continue;
          }
        }
        isDir = target.isDirectory();
        isFile = target.isFile();
      }
      if (isDir) await walk(full);
      else if (isFile) files.push(full);
      else problems.push({ file: full, reason: 'not a regular file (a pipe, socket or device)' });
    }
  };
  await walk(dir);
  return files;
}
