import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { roundPixels } from './formatUtils';
import type { Detection } from '../detector/detector';

/** COCO "results with images" document: what `shotbox detect` writes. */
export interface CocoDetectionsDocument {
  info: {
    description: string;
    model: string;
    date_created: string;
    /**
     * Present only in a file written by an interrupted run: the settings it ran with, so the
     * same command can continue it (and a different one does not).
     */
    incomplete?: { settings: string };
  };
  images: { id: number; file_name: string; width: number; height: number }[];
  annotations: {
    id: number;
    image_id: number;
    category_id: number;
    /** [x, y, width, height] in image pixels. */
    bbox: [number, number, number, number];
    area: number;
    score: number;
    iscrowd: 0;
  }[];
  categories: { id: number; name: string }[];
}

/**
 * Builds COCO JSON incrementally. Category ids are the manifest class index + 1 (COCO reserves
 * 0); file names are relative to `root` with forward slashes so the file is portable.
 */
export class CocoDetectionsBuilder {
  private readonly doc: CocoDetectionsDocument;

  constructor(
    classes: readonly string[],
    modelName: string,
    private readonly root: string,
  ) {
    this.doc = {
      info: {
        description: 'Shotbox detections',
        model: modelName,
        date_created: new Date().toISOString(),
      },
      images: [],
      annotations: [],
      categories: classes.map((name, i) => ({ id: i + 1, name })),
    };
  }

  addImage(file: string, width: number, height: number, detections: readonly Detection[]): void {
    const id = this.doc.images.length + 1;
    const rel = path.relative(this.root, file) || path.basename(file);
    this.doc.images.push({ id, file_name: rel.split(path.sep).join('/'), width, height });
    for (const d of detections) {
      const [x1, y1, x2, y2] = d.box;
      const w = x2 - x1;
      const h = y2 - y1;
      this.doc.annotations.push({
        id: this.doc.annotations.length + 1,
        image_id: id,
        category_id: d.classIndex + 1,
        bbox: [roundPixels(x1), roundPixels(y1), roundPixels(w), roundPixels(h)],
        area: roundPixels(w * h),
        score: Math.round(d.score * 1e6) / 1e6,
        iscrowd: 0,
      });
    }
  }

  /** Takes over the images and boxes of an interrupted run's file (ids continue after them). */
  resume(previous: CocoDetectionsDocument): void {
    this.doc.images.push(...previous.images);
    this.doc.annotations.push(...previous.annotations);
  }

  /** Whether `file` (absolute) is in the document already. */
  has(file: string): boolean {
    const rel = (path.relative(this.root, file) || path.basename(file)).split(path.sep).join('/');
    return this.doc.images.some((i) => i.file_name === rel);
  }

  /** Marks the document as written by an interrupted run with `settings` (undefined: complete). */
  markIncomplete(settings: string | undefined): void {
    if (settings === undefined) delete this.doc.info.incomplete;
    else this.doc.info.incomplete = { settings };
  }

  toJSON(): CocoDetectionsDocument {
    return this.doc;
  }
}

/**
 * The document an interrupted `detect --out` left in `file`, when it ran with the same
 * `settings`; 'other' when it was interrupted under other settings; undefined when there is
 * nothing to continue (no file, a finished run, not ours).
 */
export async function readInterruptedDetections(
  file: string,
  settings: string,
): Promise<CocoDetectionsDocument | 'other' | undefined> {
  let doc: unknown;
  try {
    doc = JSON.parse(await readFile(file, 'utf8'));
  } catch {
    return undefined;
  }
  if (!isDetectionsDocument(doc) || !doc.info.incomplete) return undefined;
  if (doc.info.incomplete.settings !== settings) return 'other';
  // Ids must run 1..n, as this builder writes them, for new ones to continue after them.
  const sequential = (items: readonly { id: number }[]): boolean =>
    items.every((item, i) => item.id === i + 1);
  if (!sequential(doc.images) || !sequential(doc.annotations)) return undefined;
  return doc;
}

function isDetectionsDocument(doc: unknown): doc is CocoDetectionsDocument {
  if (typeof doc !== 'object' || doc === null) return false;
  const d = doc as Record<string, unknown>;
  const info = d.info as Record<string, unknown> | undefined;
  const incomplete = info?.incomplete as Record<string, unknown> | undefined;
  return (
    typeof info === 'object' &&
    (incomplete === undefined || typeof incomplete.settings === 'string') &&
    Array.isArray(d.images) &&
    d.images.every(
      (i: unknown) =>
        typeof i === 'object' &&
        i !== null &&
        typeof (i as Record<string, unknown>).id === 'number' &&
        typeof (i as Record<string, unknown>).file_name === 'string',
    ) &&
    Array.isArray(d.annotations) &&
    d.annotations.every(
      (a: unknown) =>
        typeof a === 'object' &&
        a !== null &&
        typeof (a as Record<string, unknown>).id === 'number',
    )
  );
}

/** The deepest folder containing every path (used to make COCO file names relative). */
export function commonRoot(files: readonly string[]): string {
  if (files.length === 0) return process.cwd();
  let root = path.dirname(files[0]!);
  for (const f of files) {
    while (!(f === root || f.startsWith(root.endsWith(path.sep) ? root : root + path.sep))) {
      const parent = path.dirname(root);
      if (parent === root) return root;
      root = parent;
    }
  }
  return root;
}
