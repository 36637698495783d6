import path from 'node:path';
import { ProjectDb } from '../db/projectDb';

/**
 * The project a folder of images opens as: `<folder>/<folder name>.shotbox`, created with the
 * folder as its image root when it does not exist yet. One rule for the desktop's Open Folder,
 * browser mode's dialog and `shotbox serve <folder>`; the caller imports the images.
 */
export function openFolderProject(folder: string): { project: ProjectDb; created: boolean } {
  const abs = path.resolve(folder);
  const file = path.join(abs, `${path.basename(abs) || 'images'}.shotbox`);
  return ProjectDb.openOrCreate(file, abs);
}
