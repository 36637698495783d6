import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** Fixtures tests generate (gitignored). */
export const generatedDir = path.join(repoRoot, 'test', 'fixtures', 'generated');

const require = createRequire(import.meta.url);
/** face-api's sample photos: real JPEGs with faces, shipped with the package the model comes from. */
export const faceApiDemoDir = path.join(
  path.dirname(require.resolve('@vladmandic/face-api/package.json')),
  'demo',
);
export const demoPhotos = [1, 2, 3, 4, 5, 6].map((i) =>
  path.join(faceApiDemoDir, `sample${i}.jpg`),
);
export const raccoonDir = path.resolve(repoRoot, '..', 'shared', 'datasets', 'raccoon-train');
export const shotboxBin = path.join(repoRoot, 'bin', 'shotbox.mjs');
