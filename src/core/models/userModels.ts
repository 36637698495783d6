import { copyFile, mkdir, rename, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { writeFileAtomic } from '../fs/atomicWrite';
import { readBoundedFile } from '../fs/readBoundedFile';
import {
  listModels,
  MAX_MANIFEST_BYTES,
  ModelNotFoundError,
  readManifest,
  userModelsDir,
  type ModelEntry,
} from './registry';

export interface RegisterOptions {
  /** Replace a user model of the same name (never a bundled one). */
  replace?: boolean;
}

/**
 * Registers a model by copying its ONNX file and manifest into the per-user models folder as
 * `<name>.onnx` + `<name>.json`, so that it is listed by `shotbox models` and the model picker
 * from then on, whatever happens to the files it came from. The manifest is copied as written
 * (presets, provenance and all), with only `file` pointed at the copy. The ONNX file lands first
 * and the manifest last, each by rename: a crash leaves either nothing listed or a whole model.
 */
export async function registerUserModel(
  manifestPath: string,
  options: RegisterOptions = {},
): Promise<ModelEntry> {
  const source = readManifest(manifestPath);
  if (!source.ready) throw new ModelNotFoundError(`${source.onnxPath}: ONNX file not found`);
  const name = source.manifest.name;
  const dir = userModelsDir();
  const existing = listModels().models.find((m) => m.manifest.name === name);
  if (existing?.source === 'bundled') {
    throw new ModelNotFoundError(
      `'${name}' is a bundled model's name; give the model another name`,
    );
  }
  if (existing && !options.replace) {
    throw new ModelNotFoundError(`a model named '${name}' is already registered (use replace)`);
  }
  const raw = JSON.parse(
    readBoundedFile(manifestPath, MAX_MANIFEST_BYTES).toString('utf8'),
  ) as Record<string, unknown>;
  await mkdir(dir, { recursive: true });
  const onnxTarget = path.join(dir, `${name}.onnx`);
  const tmp = path.join(dir, `.${name}.onnx.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await copyFile(source.onnxPath, tmp);
    await rename(tmp, onnxTarget);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  const manifestTarget = path.join(dir, `${name}.json`);
  await writeFileAtomic(
    manifestTarget,
    `${JSON.stringify({ ...raw, file: `${name}.onnx` }, null, 2)}\n`,
  );
  return { ...readManifest(manifestTarget), source: 'user' };
}

/** Removes a user model (manifest first, so it is never listed without its file). */
export async function removeUserModel(name: string): Promise<ModelEntry> {
  const entry = listModels().models.find((m) => m.manifest.name === name);
  if (!entry) throw new ModelNotFoundError(`no model named '${name}' is registered`);
  if (entry.source !== 'user') {
    throw new ModelNotFoundError(`'${name}' is bundled with Shotbox and cannot be removed`);
  }
  await rm(entry.manifestPath, { force: true });
  await rm(entry.onnxPath, { force: true });
  return entry;
}
