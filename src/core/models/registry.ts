import { existsSync, readdirSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseModelManifest, type ModelManifest } from '../../shared/models/manifest';
import { MODEL_NAME } from '../../shared/models/modelName';
import { readBoundedFile, UnreadableFileError } from '../fs/readBoundedFile';

/** The embedded default model. */
export const DEFAULT_MODEL = 'ssd-mobilenetv1-face';

/** Where a registered model lives: shipped with Shotbox, or added by the user (per-user folder). */
export type ModelSource = 'bundled' | 'user';

/** A manifest found on disk, with the ONNX file it points to. */
export interface ModelEntry {
  manifest: ModelManifest;
  manifestPath: string;
  onnxPath: string;
  /** False when the manifest exists but its ONNX file does not (e.g. `npm run models` not run). */
  ready: boolean;
  /** Set by the listings of registered models; absent for a manifest read by path. */
  source?: ModelSource;
}

export class ModelNotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelNotFoundError';
  }
}

/**
 * The folder of bundled model manifests: `SHOTBOX_MODELS_DIR` when set (the Electron shell sets
 * it to its resources path), else `resources/models` of the project this file belongs to.
 */
export function modelsDir(): string {
  const fromEnv = process.env.SHOTBOX_MODELS_DIR;
  if (fromEnv) return path.resolve(fromEnv);
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = path.join(dir, 'resources', 'models');
    if (existsSync(path.join(dir, 'package.json')) && existsSync(candidate)) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) throw new ModelNotFoundError('cannot find the resources/models folder');
    dir = parent;
  }
}

/**
 * The per-user models folder (models added with `shotbox models add`, "Add model…", or trained
 * by training): `SHOTBOX_USER_MODELS_DIR` when set (tests isolate themselves with it), else the
 * platform's per-user data folder — the same one for the CLI, browser mode and the Electron shell,
 * so a model added in one is listed by the others. Never the repository: a user's models must
 * survive a reinstall and must not dirty a checkout.
 */
export function userModelsDir(): string {
  const fromEnv = process.env.SHOTBOX_USER_MODELS_DIR;
  if (fromEnv) return path.resolve(fromEnv);
  const home = os.homedir();
  if (process.platform === 'win32') {
    return path.join(
      process.env.APPDATA ?? path.join(home, 'AppData', 'Roaming'),
      'Shotbox',
      'models',
    );
  }
  if (process.platform === 'darwin') {
    return path.join(home, 'Library', 'Application Support', 'Shotbox', 'models');
  }
  const dataHome = process.env.XDG_DATA_HOME || path.join(home, '.local', 'share');
  return path.join(dataHome, 'shotbox', 'models');
}

/** A manifest is a few kilobytes; anything far larger is not one. */
export const MAX_MANIFEST_BYTES = 1 << 20;

/**
 * Reads and validates one manifest file: a regular file under the size cap. Errors name the
 * file but never quote its contents (JSON.parse's messages do: that leaked /etc/shadow).
 */
export function readManifest(manifestPath: string): ModelEntry {
  let json: unknown;
  try {
    json = JSON.parse(readBoundedFile(manifestPath, MAX_MANIFEST_BYTES).toString('utf8'));
  } catch (err) {
    const why = err instanceof UnreadableFileError ? err.message : 'not valid JSON';
    throw new ModelNotFoundError(`${manifestPath}: cannot read manifest (${why})`);
  }
  const manifest = parseModelManifest(json, manifestPath);
  const onnxPath = path.resolve(path.dirname(manifestPath), manifest.file);
  return { manifest, manifestPath, onnxPath, ready: existsSync(onnxPath) };
}

/** Every manifest in one folder, sorted by name. Invalid manifests are reported, not hidden. */
export function listModelsIn(dir: string): { models: ModelEntry[]; errors: string[] } {
  const models: ModelEntry[] = [];
  const errors: string[] = [];
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()) {
    try {
      models.push(readManifest(path.join(dir, file)));
    } catch (err) {
      errors.push((err as Error).message);
    }
  }
  models.sort((a, b) => a.manifest.name.localeCompare(b.manifest.name));
  return { models, errors };
}

/**
 * The registered models: the bundled folder, then the per-user folder (absent = empty). With
 * `dir`, that folder alone (`shotbox models --dir`). A user model may not take a bundled model's
 * name: it is reported and left out, so a name always means one file.
 */
export function listModels(dir?: string): { models: ModelEntry[]; errors: string[] } {
  if (dir !== undefined) return listModelsIn(dir);
  const bundled = listModelsIn(modelsDir());
  const models: ModelEntry[] = bundled.models.map((m) => ({ ...m, source: 'bundled' }));
  const errors = [...bundled.errors];
  const userDir = userModelsDir();
  if (existsSync(userDir)) {
    const user = listModelsIn(userDir);
    errors.push(...user.errors);
    for (const m of user.models) {
      if (models.some((b) => b.manifest.name === m.manifest.name)) {
        errors.push(`${m.manifestPath}: name '${m.manifest.name}' is already registered`);
      } else {
        models.push({ ...m, source: 'user' });
      }
    }
  }
  models.sort((a, b) => a.manifest.name.localeCompare(b.manifest.name));
  return { models, errors };
}

/**
 * A registered model by name only: what the API accepts (a page names a model, never a file).
 * The error does not repeat what was asked for.
 */
export function resolveRegisteredModel(name: string = DEFAULT_MODEL, dir?: string): ModelEntry {
  const { models } = listModels(dir);
  const entry = MODEL_NAME.test(name) ? models.find((m) => m.manifest.name === name) : undefined;
  if (!entry) {
    const known = models.map((m) => m.manifest.name).join(', ') || 'none';
    throw new ModelNotFoundError(`unknown model (registered: ${known})`);
  }
  return entry;
}

/**
 * Resolves what a user typed after `--model`: a registered name, a manifest path, or an ONNX
 * path with its manifest beside it (same base name, `.json`).
 */
export function resolveModel(ref: string = DEFAULT_MODEL, dir?: string): ModelEntry {
  const looksLikePath = ref.includes('/') || ref.includes('\\') || /\.(json|onnx)$/i.test(ref);
  if (looksLikePath) {
    const abs = path.resolve(ref);
    if (!existsSync(abs)) throw new ModelNotFoundError(`model file not found: ${abs}`);
    if (statSync(abs).isDirectory())
      throw new ModelNotFoundError(`${abs} is a folder, not a model`);
    if (/\.onnx$/i.test(abs)) {
      const manifestPath = abs.replace(/\.onnx$/i, '.json');
      if (!existsSync(manifestPath)) {
        throw new ModelNotFoundError(
          `${abs} has no manifest: write ${path.basename(manifestPath)} beside it ` +
            '(classes, input size, normalisation, outputs, priors; see docs/models.md)',
        );
      }
      return readManifest(manifestPath);
    }
    return readManifest(abs);
  }
  const { models, errors } = listModels(dir);
  const entry = models.find((m) => m.manifest.name === ref);
  if (!entry) {
    const known = models.map((m) => m.manifest.name).join(', ') || 'none';
    const extra = errors.length ? ` (invalid manifests: ${errors.join('; ')})` : '';
    throw new ModelNotFoundError(`unknown model '${ref}' (registered: ${known})${extra}`);
  }
  return entry;
}
