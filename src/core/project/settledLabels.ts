import type { Box, ClassRecord, ImageRecord } from '../../shared/project/types';
import type { ProjectDb } from '../db/projectDb';
import type { Split } from '../../shared/project/splits';

export interface SettledImage {
  image: ImageRecord;
  /** The image's labels: boxes a person confirmed (accepted or edited; imported and drawn boxes are accepted). */
  boxes: (Box & { classId: number })[];
}

/**
 * The project's settled labels, what evaluation (and training) may treat as ground truth: only
 * images that were reviewed or whose labels were imported (DESIGN.md §6), each with the boxes the
 * export calls accepted. Pending predictions are never labels; a settled image without boxes is a
 * negative. With `split`, only the images of that split.
 */
export function settledLabels(
  project: ProjectDb,
  split?: Split,
): {
  classes: ClassRecord[];
  images: SettledImage[];
} {
  const images = project.images.settled(split);
  const byPath = new Map<string, SettledImage>(
    images.map((image) => [image.path, { image, boxes: [] }]),
  );
  for (const a of project.annotations.forExport('accepted')) {
    byPath.get(a.path)?.boxes.push({ classId: a.classId, x1: a.x1, y1: a.y1, x2: a.x2, y2: a.y2 });
  }
  return { classes: project.classes.list(), images: [...byPath.values()] };
}
