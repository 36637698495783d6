import { copyFile, mkdir, readdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import envPaths from 'env-paths';
import { ProjectDb } from '../db/projectDb';
import { importFolder } from './importFolder';

/**
 * The demo project `npm start` opens: face-api's sample photos (shipped with the package the
 * embedded model comes from) — the photos only, not the package's UI screenshots — copied into a
 * folder of their own, with the project file beside them in the user's data folder (or
 * `SHOTBOX_DEMO_DIR`). Not under `out/`: a build empties that folder, and the labels a person made
 * on the demo must survive it.
 */
export function demoProjectDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.SHOTBOX_DEMO_DIR
    ? path.resolve(env.SHOTBOX_DEMO_DIR)
    : path.join(envPaths('shotbox', { suffix: '' }).data, 'demo');
}

/** face-api's sample photos (sample1.jpg …), the demo's images. */
export async function demoPhotoFiles(): Promise<string[]> {
  const require = createRequire(import.meta.url);
  const dir = path.join(path.dirname(require.resolve('@vladmandic/face-api/package.json')), 'demo');
  const names = (await readdir(dir)).filter((f) => /^sample\d+\.jpe?g$/i.test(f)).sort();
  return names.map((n) => path.join(dir, n));
}

/** Opens the demo project, making it (and putting back any photo that went missing) first. */
export async function openDemoProject(dir = demoProjectDir()): Promise<ProjectDb> {
  const images = path.join(dir, 'images');
  await mkdir(images, { recursive: true });
  for (const photo of await demoPhotoFiles()) {
    const target = path.join(images, path.basename(photo));
    if (!existsSync(target)) await copyFile(photo, target);
  }
  const { project } = ProjectDb.openOrCreate(path.join(dir, 'faces.shotbox'), images);
  // Known files are skipped quickly; a photo put back is re-recorded under its path.
  await importFolder(project, images);
  return project;
}
