import type { ProjectDb } from '../db/projectDb';
import type { AnnotationFormat, ExportSet, ExportSummary } from '../formats/annotationSet';
import { exportCoco } from '../formats/coco';
import { exportVoc } from '../formats/voc';
import { exportYolo } from '../formats/yolo';

export type ExportSelection = 'accepted' | 'all';

/**
 * The project's labels as an ExportSet: every image (also those without boxes: they are
 * negatives), classes in project order. `accepted` keeps boxes a person confirmed (accepted or
 * edited; imported and drawn boxes are accepted); `all` adds pending predictions. Rejected boxes
 * are never exported.
 */
export function projectExportSet(project: ProjectDb, only: ExportSelection): ExportSet {
  const classes = project.classes.list();
  const classIndex = new Map(classes.map((c, i) => [c.id, i]));
  const boxesByPath = new Map<string, ExportSet['images'][number]['boxes']>();
  for (const a of project.annotations.forExport(only)) {
    const list = boxesByPath.get(a.path) ?? [];
    list.push({
      classIndex: classIndex.get(a.classId)!,
      x1: a.x1,
      y1: a.y1,
      x2: a.x2,
      y2: a.y2,
      ...(a.origin === 'model' && a.review === 'pending' && a.score !== null
        ? { score: a.score }
        : {}),
    });
    boxesByPath.set(a.path, list);
  }
  return {
    classes: classes.map((c) => c.name),
    images: project.images.all().map((img) => ({
      file: img.path,
      width: img.width,
      height: img.height,
      boxes: boxesByPath.get(img.path) ?? [],
    })),
  };
}

/** Writes the project's labels in a standard format (each file written atomically). */
export async function exportProject(
  project: ProjectDb,
  format: AnnotationFormat,
  out: string,
  only: ExportSelection,
): Promise<ExportSummary> {
  const set = projectExportSet(project, only);
  if (format === 'coco') return exportCoco(set, out);
  if (format === 'voc') return exportVoc(set, out);
  return exportYolo(set, out);
}
