import { readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';

/** Every regular file under `dir` (recursive, sorted, hidden entries skipped, symlink loops cut). */
export async function walkFiles(
  dir: string,
  problems: { file: string; reason: string }[],
): Promise<string[]> {
  const files: string[] = [];
  const visited = new Set<string>();
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
        isDir = target.isDirectory();
        isFile = target.isFile();
      }
      if (isDir) await walk(full);
      else if (isFile) files.push(full);
    }
  };
  await walk(dir);
  return files;
}
