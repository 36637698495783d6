import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, utimes } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import envPaths from 'env-paths';
import type ort from 'onnxruntime-node';
import { writeFileAtomic } from '../fs/atomicWrite';
import { loadOrt } from './loadOrt';
import { ortBinaryDir, ortVersion } from './ortBinaryDir';

/**
 * ONNX Runtime's optimised CPU graph of a model, saved once per machine so later sessions load it
 * with graph optimisation off: session creation drops from ~100–200 ms to ~20 ms on the embedded
 * model (2 cores), and the outputs are bit-identical (the same kernels run on the same graph).
 *
 * The saved graph is not portable: level 'all' rewrites convolutions into NCHWc blocks sized for
 * this CPU's vector width. So the key is everything the graph depends on: the model file as it is
 * now (device, inode, size, mtime and ctime, which no user-space copy can set back), ONNX
 * Runtime's version and native files, the platform, and the CPU's model and feature flags. Any
 * change is a new key; old entries are pruned, least recently used first.
 */
export interface GraphCacheSlot {
  /** The saved graph for this key (may not exist yet). */
  file: string;
  /** Whether `file` existed when the slot was looked up. */
  hit: boolean;
  /** A temp path for ONNX Runtime to write a fresh graph to; {@link commitGraph} renames it. */
  tempFile: string;
  /** The model file, and its identity when the slot was looked up (see fileIdentity). */
  onnxPath: string;
  identity: string;
}

/** Models larger than this are not cached (see graphCacheSlot). */
export const MAX_CACHED_MODEL_BYTES = 1 << 30;

/** Entries kept; each is about the size of its model. */
const GRAPH_CACHE_ENTRIES = 8;

/**
 * The cache folder: `SHOTBOX_CACHE_DIR` when set ("off" turns the cache off; tests point it at a
 * temp folder), else the platform's per-user cache folder. Never the repository or a project.
 */
export function graphCacheDir(): string | undefined {
  const fromEnv = process.env.SHOTBOX_CACHE_DIR;
  if (fromEnv === 'off') return undefined;
  if (fromEnv) return path.join(path.resolve(fromEnv), 'ort-graphs');
  // The platform's cache folder, as the demo project finds its data folder (env-paths).
  return path.join(envPaths('shotbox', { suffix: '' }).cache, 'ort-graphs');
}

/**
 * The cache slot of the model at `onnxPath` on this machine, or undefined when there is no cache
 * (turned off) or the model cannot be stat'ed (the caller's own read reports why).
 */
export function graphCacheSlot(onnxPath: string): GraphCacheSlot | undefined {
  const dir = graphCacheDir();
  if (!dir) return undefined;
  const model = fileIdentity(onnxPath);
  // A graph this large would need its weights saved as external data (protobuf stops at 2 GB);
  // a save that fails on every load would double each load instead of saving time.
  if (!model || model.size > MAX_CACHED_MODEL_BYTES) return undefined;
  const { identity } = model;
  const key = createHash('sha256')
    .update([identity, runtimeIdentity(), cpuIdentity()].join('\n'))
    .digest('hex')
    .slice(0, 32);
  const file = path.join(dir, `${key}.onnx`);
  let hit = false;
  try {
    hit = statSync(file).isFile();
  } catch {
    // Not saved yet.
  }
  const tempFile = path.join(dir, `.${key}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  return { file, hit, tempFile, onnxPath, identity };
}

/**
 * The file as it is now: which file (device, inode) and its size, mtime and ctime. Any write
 * changes the ctime, and user space cannot set it back (a copy that restores the mtime still
 * gets a new one). Undefined when the file cannot be stat'ed.
 */
function fileIdentity(file: string): { identity: string; size: number } | undefined {
  try {
    const real = realpathSync(file);
    const s = statSync(real, { bigint: true });
    const identity = [real, s.dev, s.ino, s.size, s.mtimeNs, s.ctimeNs].join('\0');
    return { identity, size: Number(s.size) };
  } catch {
    return undefined;
  }
}

const HASH_SUFFIX = '.sha256';
/**
 * The model file's sha256 as remembered for this slot (the project's model identity), so a load
 * from the saved graph need not read and hash 22 MB; undefined when not remembered yet.
 */
export async function rememberedModelHash(slot: GraphCacheSlot): Promise<string | undefined> {
  try {
    const text = (await readFile(slot.file + HASH_SUFFIX, 'utf8')).trim();
    return /^[0-9a-f]{64}$/.test(text) ? text : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Remembers the sha256 read from the model file, only while the file is still the one the slot
 * was made for (it may have been replaced since the session loaded). Failures are swallowed.
 */
export async function rememberModelHash(slot: GraphCacheSlot, sha256: string): Promise<void> {
  if (fileIdentity(slot.onnxPath)?.identity !== slot.identity) return;
  await writeFileAtomic(slot.file + HASH_SUFFIX, `${sha256}\n`).catch(() => undefined);
}

/** Makes the slot's folder, so ONNX Runtime can write into it; false when it cannot be made. */
async function prepareGraphSlot(slot: GraphCacheSlot): Promise<boolean> {
  try {
    await mkdir(path.dirname(slot.file), { recursive: true });
    return true;
  } catch {
    return false;
  }
}

/**
 * Publishes the graph ONNX Runtime wrote to `slot.tempFile` (atomic rename: a reader sees a whole
 * graph or none) and prunes old entries. A cache that cannot be written costs speed, never a
 * load, so every failure here is swallowed.
 */
async function commitGraph(slot: GraphCacheSlot): Promise<boolean> {
  try {
    await rename(slot.tempFile, slot.file);
  } catch {
    await rm(slot.tempFile, { force: true }).catch(() => undefined);
    return false;
  }
  await pruneGraphCache(path.dirname(slot.file), GRAPH_CACHE_ENTRIES).catch(() => undefined);
  return true;
}

/** Marks a hit as recently used, so pruning keeps it. */
async function touchGraph(slot: GraphCacheSlot): Promise<void> {
  const now = new Date();
  await utimes(slot.file, now, now).catch(() => undefined);
}

/** Removes a saved graph ONNX Runtime refused, so the next load saves a good one. */
async function discardGraph(slot: GraphCacheSlot): Promise<void> {
  await rm(slot.file, { force: true }).catch(() => undefined);
}

/** Keeps the `keep` most recently used graphs; also removes temp files an old crash left. */
export async function pruneGraphCache(dir: string, keep: number): Promise<void> {
  const names = new Set(await readdir(dir));
  const entries: { file: string; mtimeMs: number }[] = [];
  const dayAgo = Date.now() - 24 * 3600_000;
  for (const name of names) {
    const file = path.join(dir, name);
    const s = await stat(file).catch(() => undefined);
    if (!s?.isFile()) continue;
    if (name.endsWith('.tmp')) {
      if (s.mtimeMs < dayAgo) await rm(file, { force: true }).catch(() => undefined);
    } else if (name.endsWith('.onnx')) {
      entries.push({ file, mtimeMs: s.mtimeMs });
    } else if (name.endsWith(HASH_SUFFIX) && !names.has(name.slice(0, -HASH_SUFFIX.length))) {
      await rm(file, { force: true }).catch(() => undefined);
    }
  }
  entries.sort((a, b) => b.mtimeMs - a.mtimeMs);
  for (const old of entries.slice(keep)) {
    await rm(old.file, { force: true }).catch(() => undefined);
    await rm(old.file + HASH_SUFFIX, { force: true }).catch(() => undefined);
  }
}

let runtimeId: string | undefined;
/** ONNX Runtime's version and its native files as installed (`setup:gpu` replaces them). */
function runtimeIdentity(): string {
  if (runtimeId !== undefined) return runtimeId;
  const parts = [ortVersion(), process.platform, process.arch];
  try {
    const dir = ortBinaryDir();
    for (const name of readdirSync(dir).sort()) {
      const s = statSync(path.join(dir, name));
      parts.push(`${name}:${s.size}:${s.mtimeMs}`);
    }
  } catch {
    // An unusual install; the version still keys it.
  }
  return (runtimeId = parts.join('|'));
}

let cpuId: string | undefined;
/** The CPU model and its feature flags: what ONNX Runtime's kernels choose their blocking by. */
export function cpuIdentity(): string {
  if (cpuId !== undefined) return cpuId;
  const parts = [os.cpus()[0]?.model ?? 'unknown cpu'];
  if (process.platform === 'linux') {
    try {
      // The first processor's block: model name and flags (every core of a machine has the same).
      const info = readFileSync('/proc/cpuinfo', 'utf8');
      const first = info.split(/\n\s*\n/, 1)[0] ?? '';
      for (const line of first.split('\n')) {
        if (/^(flags|features|model name|cpu family|model|CPU part)\s*:/i.test(line)) {
          parts.push(line.replace(/\s+/g, ' ').trim());
        }
      }
    } catch {
      // No /proc: the model name above is what there is.
    }
  }
  return (cpuId = parts.join('|'));
}

/** What the cache did for one session: loaded the saved graph, saved a new one, or nothing. */
export type GraphCacheUse = 'hit' | 'saved' | 'none';

/**
 * A CPU session on the saved graph with optimisation off, or undefined when there is none or
 * ONNX Runtime refuses it (then it is removed, and the caller optimises the model afresh).
 */
export async function openCachedGraph(
  slot: GraphCacheSlot,
  options: ort.InferenceSession.SessionOptions,
): Promise<ort.InferenceSession | undefined> {
  if (!slot.hit) return undefined;
  const { InferenceSession } = await loadOrt();
  try {
    const session = await InferenceSession.create(slot.file, {
      ...options,
      graphOptimizationLevel: 'disabled',
    });
    await touchGraph(slot);
    return session;
  } catch {
    await discardGraph(slot);
    return undefined;
  }
}

/**
 * Creates a session from the model's bytes and has ONNX Runtime save its optimised graph into the
 * slot. Saving is a side effect that must not cost the load: if the session cannot be made with
 * it, it is made without, and only that attempt's error counts.
 */
export async function createAndSaveGraph(
  bytes: Uint8Array,
  options: ort.InferenceSession.SessionOptions,
  slot: GraphCacheSlot | undefined,
): Promise<{ session: ort.InferenceSession; use: GraphCacheUse }> {
  const { InferenceSession } = await loadOrt();
  if (slot && (await prepareGraphSlot(slot))) {
    try {
      const session = await InferenceSession.create(bytes, {
        ...options,
        optimizedModelFilePath: slot.tempFile,
      });
      return { session, use: (await commitGraph(slot)) ? 'saved' : 'none' };
    } catch {
      await rm(slot.tempFile, { force: true }).catch(() => undefined);
    }
  }
  return { session: await InferenceSession.create(bytes, options), use: 'none' };
}
