import { ShotboxError } from '../../shared/api/errors';
import { readdirSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { isInside } from '../fs/walkFiles';

/** A path a page asked for that is not under any root (or not there at all): HTTP 403. */
export class OutsideRootsError extends ShotboxError {
  constructor() {
    super(
      'forbidden',
      'only folders under the roots given to `shotbox serve --root` can be opened',
      'OutsideRootsError',
    );
  }
}

export interface FolderEntry {
  name: string;
  /** Absolute path, as the page passes it back. */
  path: string;
  kind: 'folder' | 'project' | 'model';
}

export interface FolderListing {
  roots: string[];
  /** The folder listed; null for the list of roots itself. */
  folder: string | null;
  /** The folder above, when it is still under a root. */
  parent: string | null;
  entries: FolderEntry[];
}

/** Entries listed per folder; a page needs no more to pick one, and it bounds the answer. */
const MAX_ENTRIES = 2000;

/**
 * The folders browser mode may open, given on the command line (`shotbox serve --root <dir>`).
 * Browser mode's page is less trusted than main's native dialog: every path it names is resolved
 * to its real path (links followed) and must lie under one of these real roots, or it is refused
 * with one message that does not say whether the path exists.
 */
export class FolderRoots {
  private constructor(readonly roots: readonly string[]) {}

  /** Resolves each root to its real path; each must be an existing folder. */
  static fromCommandLine(dirs: readonly string[]): FolderRoots {
    const roots = dirs.map((d) => {
      const abs = path.resolve(d);
      let real: string;
      try {
        real = realpathSync(abs);
      } catch {
        throw new Error(`--root ${abs} does not exist`);
      }
      if (!statSync(real).isDirectory()) throw new Error(`--root ${abs} is not a folder`);
      return real;
    });
    return new FolderRoots([...new Set(roots)]);
  }

  get empty(): boolean {
    return this.roots.length === 0;
  }

  /** The real path of `requested` when it is a folder (or project file) under a root. */
  resolve(requested: string, kind: 'folder' | 'project' | 'model'): string {
    if (!path.isAbsolute(requested) || requested.includes('\0')) throw new OutsideRootsError();
    let real: string;
    try {
      real = realpathSync(requested);
    } catch {
      throw new OutsideRootsError();
    }
    if (!this.roots.some((r) => isInside(r, real))) throw new OutsideRootsError();
    const st = statSync(real);
    const fileEnding = kind === 'model' ? /\.onnx$/i : /\.shotbox$/;
    if (kind === 'folder' ? !st.isDirectory() : !st.isFile() || !fileEnding.test(real))
      throw new OutsideRootsError();
    return real;
  }

  /**
   * The roots, or the sub-folders and project files of one folder under them (with `models`,
   * its `.onnx` files instead of project files).
   */
  list(requested?: string, options: { models?: boolean } = {}): FolderListing {
    const roots = [...this.roots];
    if (requested === undefined) {
      return {
        roots,
        folder: null,
        parent: null,
        entries: roots.map((r) => ({ name: r, path: r, kind: 'folder' })),
      };
    }
    const folder = this.resolve(requested, 'folder');
    const up = path.dirname(folder);
    const parent = this.roots.some((r) => isInside(r, up) && up !== folder) ? up : null;
    const entries: FolderEntry[] = [];
    for (const e of readdirSync(folder, { withFileTypes: true })) {
      if (entries.length >= MAX_ENTRIES) break;
      if (e.name.startsWith('.')) continue;
      const full = path.join(folder, e.name);
      let kind: FolderEntry['kind'] | null = null;
      try {
        const st = statSync(full);
        const real = realpathSync(full);
        if (!this.roots.some((r) => isInside(r, real))) continue; // a link out of the roots
        if (st.isDirectory()) kind = 'folder';
        else if (st.isFile() && !options.models && e.name.endsWith('.shotbox')) kind = 'project';
        else if (st.isFile() && options.models && /\.onnx$/i.test(e.name)) kind = 'model';
      } catch {
        continue;
      }
      if (kind) entries.push({ name: e.name, path: full, kind });
    }
    entries.sort((a, b) =>
      a.kind !== b.kind ? (a.kind === 'folder' ? 1 : -1) : a.name.localeCompare(b.name),
    );
    return { roots, folder, parent, entries };
  }
}
