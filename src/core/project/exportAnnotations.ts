import { statSync, type Stats } from 'node:fs';
import path from 'node:path';
import type { ProjectDb } from '../db/projectDb';
import type { AnnotationFormat, ExportSet, ExportSummary } from '../formats/annotationSet';
import { exportCoco } from '../formats/coco';
import { exportVoc } from '../formats/voc';
import { exportYolo } from '../formats/yolo';

export type ExportSelection = 'accepted' | 'all';

export interface ExportOptions {
  only: ExportSelection;
  /** Also write images whose labels are not settled (default: left out, see below). */
  includeUnreviewed?: boolean;
}

export interface ProjectExport {
  set: ExportSet;
  /** Images left out because their labels are not settled (paths, in project order). */
  leftOut: string[];
}

/**
 * The project's labels as an ExportSet, classes in project order. By default only images whose
 * labels are settled (reviewed, or labels imported: `SETTLED_IMAGE`) are written: an image nobody
 * reviewed would otherwise say "no object here" for every object it holds (a false negative in
 * the training set). Settled images without boxes are written: they are true negatives.
 * `accepted` keeps labels (accepted or edited; imported and drawn boxes are accepted); `all` adds
 * pending predictions with their scores. Rejected boxes are never exported.
 */
export function projectExportSet(project: ProjectDb, options: ExportOptions): ProjectExport {
  const classes = project.classes.list();
  const classIndex = new Map(classes.map((c, i) => [c.id, i]));
  const boxesByPath = new Map<string, ExportSet['images'][number]['boxes']>();
  for (const a of project.annotations.forExport(options.only)) {
    const list = boxesByPath.get(a.path) ?? [];
    list.push({
      classIndex: classIndex.get(a.classId)!,
      x1: a.x1,
      y1: a.y1,
      x2: a.x2,
      y2: a.y2,
      ...(a.review === 'pending' && a.score !== null ? { score: a.score } : {}),
    });
    boxesByPath.set(a.path, list);
  }
  const settled = options.includeUnreviewed ? undefined : project.images.settledIds();
  const images = project.images.all();
  const kept = settled ? images.filter((i) => settled.has(i.id)) : images;
  return {
    set: {
      classes: classes.map((c) => c.name),
      images: kept.map((img) => ({
        file: img.path,
        width: img.width,
        height: img.height,
        boxes: boxesByPath.get(img.path) ?? [],
      })),
    },
    leftOut: settled ? images.filter((i) => !settled.has(i.id)).map((i) => i.path) : [],
  };
}

/** An export refused before anything is written (the reason says what to do instead). */
export class ExportRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExportRefusedError';
  }
}

const EXPORT_NAMES: Record<AnnotationFormat, string> = { coco: 'COCO', voc: 'VOC', yolo: 'YOLO' };

function statOrUndefined(p: string): Stats | undefined {
  try {
    return statSync(p);
  } catch {
    return undefined;
  }
}

/** The nearest existing path at or above `p` (the root always exists). */
function nearestExisting(p: string): { path: string; stats: Stats } {
  for (let at = path.resolve(p); ; at = path.dirname(at)) {
    const stats = statOrUndefined(at);
    if (stats || at === path.dirname(at)) return { path: at, stats: stats ?? statSync(at) };
  }
}

/**
 * Why `out` cannot take an export in `format`, or undefined when it can: COCO writes one file,
 * VOC and YOLO a folder (an existing folder is written into: files of the same name are
 * replaced, others kept). Checked before anything is written, so a wrong kind of path gets a
 * message instead of EISDIR / EEXIST / ENOTDIR part-way.
 */
export function exportTargetProblem(format: AnnotationFormat, out: string): string | undefined {
  const name = EXPORT_NAMES[format];
  const target = statOrUndefined(out);
  if (format === 'coco') {
    if (target?.isDirectory())
      return `${out} is a folder; ${name} export writes one .json file (e.g. ${path.join(out, 'labels.json')})`;
    if (target && !target.isFile())
      return `${out} is not a regular file; ${name} export writes one`;
  } else if (target && !target.isDirectory()) {
    return `${out} is a file; ${name} export writes a folder`;
  }
  if (target) return undefined;
  const above = nearestExisting(path.dirname(path.resolve(out)));
  if (!above.stats.isDirectory())
    return `${out} cannot be made: ${above.path} is a file, not a folder`;
  return undefined;
}

/**
 * Writes the project's labels in a standard format: a VOC or YOLO folder's files all or none
 * (`writeFileSet`), so a failure leaves no export that looks complete. VOC has no
 * score field: pending predictions written there would come back from an import as labels, so
 * `only: 'all'` is refused for VOC.
 */
export async function exportProject(
  project: ProjectDb,
  format: AnnotationFormat,
  out: string,
  options: ExportOptions,
): Promise<ExportSummary & { leftOut: string[] }> {
  if (format === 'voc' && options.only === 'all')
    throw new ExportRefusedError(
      'Pascal VOC has no score field, so pending predictions written there would be read back as ' +
        'labels; export --only accepted to VOC, or use COCO or YOLO, which keep the scores',
    );
  const targetProblem = exportTargetProblem(format, out);
  if (targetProblem) throw new ExportRefusedError(targetProblem);
  const { set, leftOut } = projectExportSet(project, options);
  const write = format === 'coco' ? exportCoco : format === 'voc' ? exportVoc : exportYolo;
  return { ...(await write(set, out)), leftOut };
}
