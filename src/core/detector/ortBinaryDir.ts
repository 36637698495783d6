import { createRequire } from 'node:module';
import path from 'node:path';

/** Folder holding onnxruntime-node's native binaries for this platform. */
export function ortBinaryDir(platform: NodeJS.Platform = process.platform): string {
  const require = createRequire(import.meta.url);
  const pkgDir = path.dirname(require.resolve('onnxruntime-node/package.json'));
  return path.join(pkgDir, 'bin', 'napi-v6', platform, process.arch);
}
