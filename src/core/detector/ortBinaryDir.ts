import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const ortPackageJson = (): string =>
  createRequire(import.meta.url).resolve('onnxruntime-node/package.json');

/** Folder holding onnxruntime-node's native binaries for this platform. */
export function ortBinaryDir(platform: NodeJS.Platform = process.platform): string {
  return path.join(path.dirname(ortPackageJson()), 'bin', 'napi-v6', platform, process.arch);
}

/** onnxruntime-node's version, read without loading it (its native part takes ~50 ms). */
export function ortVersion(): string {
  return (JSON.parse(readFileSync(ortPackageJson(), 'utf8')) as { version: string }).version;
}
