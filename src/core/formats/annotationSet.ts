import { checkClassName } from '../../shared/text/unsafeChars';

/**
 * The format-neutral shape annotation files are parsed into and exported from. Parsers
 * (coco.ts, voc.ts, yolo.ts) check structure and report problems; the project importer
 * (src/core/project/importAnnotations.ts) matches images, converts to pixels with the project's
 * real image sizes, clips, and writes everything in one transaction.
 */

/** One box as read from an annotation file. */
export interface ParsedBox {
  label: string;
  /**
   * x1, y1, x2, y2. In image pixels when `normalized` is false (COCO, VOC), in [0,1] of the
   * image size when true (YOLO). Not yet clipped.
   */
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  normalized: boolean;
  /** A model's confidence, when the file carries one: the box is a prediction, not a label. */
  score?: number;
  /** Where it came from, for messages: "annotations.json: annotations[12]", "a.xml: object 2". */
  where: string;
}

/** The annotations of one image as read from a file. */
export interface ParsedImage {
  /**
   * The image as the file names it, forward slashes, e.g. "raccoon-1.jpg", "sub/a.jpg",
   * "/data/upload/1/a.jpg" or "C:/Users/me/a.jpg": a name to look up among the project's images
   * (src/core/project/imageMatch.ts), never a path that is opened.
   */
  file: string;
  /** Other names the file gives the same image, tried when `file` names none (a VOC file's own name). */
  alternatives?: string[];
  /** Size the annotation file claims (COCO, VOC), if any. */
  width?: number;
  height?: number;
  boxes: ParsedBox[];
  /**
   * Boxes of this image left out with a warning (crowd, empty, refused class name, too many):
   * an entry without boxes is a negative ("nothing here") only when none were left out.
   */
  dropped?: number;
  where: string;
}

export type AnnotationFormat = 'coco' | 'voc' | 'yolo';

export interface ParsedAnnotations {
  format: AnnotationFormat;
  /** Class names in the file's order (COCO categories by id order, YOLO list, VOC first seen). */
  classes: string[];
  images: ParsedImage[];
}

/** A problem found in an input file. Any `error` refuses the whole import. */
export interface FormatProblem {
  severity: 'error' | 'warning';
  /** File and field or line: "train.json: annotations[3].bbox", "labels/a.txt:4". */
  where: string;
  message: string;
  /**
   * A warning that left boxes of the file out because they cannot be used (empty, without a box,
   * on an image the project does not have): how many. Not set for boxes left out by design (crowd
   * regions, boxes already present). The CLI's import exits 3 when any were.
   */
  skippedBoxes?: number;
}

export interface ParseResult {
  annotations: ParsedAnnotations;
  problems: FormatProblem[];
}

/** What exporters write: boxes in image pixels, x1,y1,x2,y2. */
export interface ExportImage {
  /** Path relative to the project's image root, forward slashes. */
  file: string;
  width: number;
  height: number;
  boxes: { classIndex: number; x1: number; y1: number; x2: number; y2: number; score?: number }[];
}

export interface ExportSet {
  classes: string[];
  images: ExportImage[];
}

/** Summary an exporter returns (for the CLI's one-line report). */
export interface ExportSummary {
  files: number;
  images: number;
  boxes: number;
}

/**
 * Most boxes one image may bring in an import. Far above any real dataset (COCO's densest image
 * has under 100), low enough that one image's boxes stay a small API response and a quick draw.
 */
export const MAX_BOXES_PER_IMAGE = 10_000;

/**
 * Drops the boxes of any image that brings more than `max`, with a warning naming the image: a
 * hostile or broken label file (10⁶ boxes on one image) costs nothing, the rest imports.
 */
export function capBoxesPerImage(result: ParseResult, max = MAX_BOXES_PER_IMAGE): ParseResult {
  const problems = [...result.problems];
  const images = result.annotations.images.map((image) => {
    if (image.boxes.length <= max) return image;
    problems.push({
      severity: 'warning',
      where: image.where,
      message: `${image.boxes.length} boxes for one image (at most ${max}): none of them imported`,
    });
    return { ...image, boxes: [], dropped: (image.dropped ?? 0) + image.boxes.length };
  });
  return { annotations: { ...result.annotations, images }, problems };
}

/**
 * Keeps one of each set of boxes an image gives twice (same class and coordinates as written),
 * with a warning naming the repeat and the box it repeats: the import would store them once
 * anyway, and a file's own repeat is not a box "already present" from an earlier import.
 */
export function dropRepeatedBoxes(result: ParseResult): ParseResult {
  const problems = [...result.problems];
  const images = result.annotations.images.map((image) => {
    const first = new Map<string, ParsedBox>();
    const boxes = image.boxes.filter((b) => {
      const key = JSON.stringify([b.label, b.normalized, b.x1, b.y1, b.x2, b.y2]);
      const earlier = first.get(key);
      if (earlier === undefined) {
        first.set(key, b);
        return true;
      }
      problems.push({
        severity: 'warning',
        where: b.where,
        message: `the same box as ${earlier.where} (class and coordinates) in the same file: kept once`,
      });
      return false;
    });
    return boxes.length === image.boxes.length ? image : { ...image, boxes };
  });
  return { annotations: { ...result.annotations, images }, problems };
}

/**
 * Applies the shared class-name rule to parsed labels: names are NFC-normalised (two spellings
 * of "é" become one class), boxes whose class name is refused (controls, bidi overrides, line
 * separators) are dropped with a warning, and invisible characters are warned about. One
 * message per name, not per box.
 */
export function checkParsedClassNames(result: ParseResult): ParseResult {
  const problems = [...result.problems];
  const verdicts = new Map<string, string | null>();
  const verdict = (label: string, where: string): string | null => {
    let v = verdicts.get(label);
    if (v !== undefined) return v;
    const check = checkClassName(label);
    if (check.ok) {
      v = check.name;
      for (const w of check.warnings) problems.push({ severity: 'warning', where, message: w });
    } else {
      v = null;
      problems.push({
        severity: 'warning',
        where,
        message: `${check.reason}: its boxes were not imported`,
      });
    }
    verdicts.set(label, v);
    return v;
  };
  // Boxes first, so a refused name is reported where a box of it is (file and object).
  const images = result.annotations.images.map((image) => {
    const boxes = image.boxes.flatMap((b) => {
      const label = verdict(b.label, b.where);
      return label === null ? [] : [{ ...b, label }];
    });
    const refused = image.boxes.length - boxes.length;
    return refused > 0
      ? { ...image, boxes, dropped: (image.dropped ?? 0) + refused }
      : { ...image, boxes };
  });
  const classes = [
    ...new Set(result.annotations.classes.flatMap((c) => verdict(c, 'class list') ?? [])),
  ];
  return { annotations: { ...result.annotations, classes, images }, problems };
}
