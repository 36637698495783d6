import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/** The Electron executable when its binary was downloaded, else the reason it is not there. */
export function electronBinary(): { path: string } | { missing: string } {
  const require = createRequire(import.meta.url);
  let dir: string;
  try {
    dir = path.dirname(require.resolve('electron/package.json'));
  } catch {
    return { missing: 'the electron package is not installed' };
  }
  const pathTxt = path.join(dir, 'path.txt');
  if (!existsSync(pathTxt)) {
    return {
      missing:
        'the Electron binary is not installed (its download needs more than the npm registry; npm run setup:electron)',
    };
  }
  const exe = path.join(dir, 'dist', readFileSync(pathTxt, 'utf8').trim());
  return existsSync(exe) ? { path: exe } : { missing: `the Electron binary ${exe} is missing` };
}
