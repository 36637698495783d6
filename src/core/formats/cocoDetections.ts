import path from 'node:path';
import { roundPixels } from './formatUtils';
import type { Detection } from '../detector/detector';

/** COCO "results with images" document: what `shotbox detect` writes. */
export interface CocoDetectionsDocument {
  info: { description: string; model: string; date_created: string };
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

  toJSON(): CocoDetectionsDocument {
    return this.doc;
  }
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
