/**
 * Pascal VOC XML: one file per image (LabelImg, CVAT, Roboflow). Coordinates are kept exactly
 * as written (x1 = xmin, x2 = xmax, no ±1), so exporting reproduces each box; see
 * docs/formats.md.
 */
import path from 'node:path';
import { XMLBuilder, XMLParser, XMLValidator } from 'fast-xml-parser';
import { writeFileSet } from '../fs/atomicWrite';
import type {
  ExportImage,
  ExportSet,
  ExportSummary,
  ParsedBox,
  ParsedImage,
  ParseResult,
} from './annotationSet';
import {
  ProblemList,
  assertExportableBox,
  assertExportableSize,
  checkImageReference,
  errorMessage,
  isAbsoluteReference,
  listFiles,
  outputPathsWithoutCollision,
  parseCoordinate,
  pathKind,
  perImageFiles,
  quote,
  readTextFile,
  toPosixRelative,
  withoutExtension,
  roundPixels,
} from './formatUtils';
import { XmlEntities, decodeXmlBytes, doctypeProblem } from './xmlText';

const xmlParser = new XMLParser({
  // Values stay strings: numbers are parsed strictly here ("NaN", "0x10" are errors).
  parseTagValue: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  // XML's five entities and numeric references (&#233;); any other reference is an error.
  entityDecoder: new XmlEntities(),
  isArray: (_name, jpath) => String(jpath) === 'annotation.object',
});

const xmlBuilder = new XMLBuilder({ format: true, indentBy: '\t' });

interface VocSource {
  full: string;
  /** For messages: path relative to the folder given, or the file's name. */
  label: string;
  /** Folder of the XML relative to the folder given ("" at the top); images mirror it. */
  relDir: string;
}

type XmlNode = Record<string, unknown>;

/**
 * Parses one VOC XML file, or every `.xml` file under a folder (recursively). Never throws for
 * bad input: problems are returned.
 */
export async function parseVoc(dirOrFile: string): Promise<ParseResult> {
  const problems = new ProblemList(dirOrFile);
  const classes: string[] = [];
  const images: ParsedImage[] = [];
  const sources = await listVocSources(dirOrFile, problems);
  const labelByImage = new Map<string, string>();
  for (const source of sources) {
    const image = await parseVocFile(source, problems);
    if (image === undefined) continue;
    const other = labelByImage.get(image.file);
    if (other !== undefined) {
      problems.error(
        `${source.label}: filename`,
        `image ${quote(image.file)} is also annotated by ${other}`,
      );
      continue;
    }
    labelByImage.set(image.file, source.label);
    for (const box of image.boxes) if (!classes.includes(box.label)) classes.push(box.label);
    images.push(image);
  }
  return { annotations: { format: 'voc', classes, images }, problems: problems.toArray() };
}

async function listVocSources(dirOrFile: string, problems: ProblemList): Promise<VocSource[]> {
  const kind = await pathKind(dirOrFile);
  if (kind === 'file') return [{ full: dirOrFile, label: path.basename(dirOrFile), relDir: '' }];
  if (kind !== 'directory') {
    problems.error(dirOrFile, 'no such file or folder');
    return [];
  }
  let files: string[];
  try {
    files = await listFiles(dirOrFile, '.xml');
  } catch (err) {
    problems.error(dirOrFile, `cannot list the folder: ${errorMessage(err)}`);
    return [];
  }
  if (files.length === 0) problems.error(dirOrFile, 'no .xml annotation files in this folder');
  return files.map((full) => {
    const label = toPosixRelative(dirOrFile, full);
    const relDir = path.posix.dirname(label);
    return { full, label, relDir: relDir === '.' ? '' : relDir };
  });
}

async function parseVocFile(
  source: VocSource,
  problems: ProblemList,
): Promise<ParsedImage | undefined> {
  const { label } = source;
  const text = await readTextFile(source.full, label, problems, false, decodeXmlBytes);
  if (text === undefined) return undefined;
  const annotation = parseAnnotationElement(text, label, problems);
  if (annotation === undefined) return undefined;

  const file = readImageFile(annotation, source, problems);
  const size = readSize(annotation, label, problems);
  const { boxes, dropped } = readObjects(annotation, label, problems);
  if (file === undefined || size === 'invalid') return undefined;
  // The devkit pairs Annotations/<id>.xml with JPEGImages/<id>.jpg whatever <filename> says: a
  // stale <filename> (an image renamed after labelling) still finds the image by the XML's name.
  const own = withoutExtension(source.label);
  return {
    file,
    ...(own !== withoutExtension(file) ? { alternatives: [own] } : {}),
    ...size,
    boxes,
    ...(dropped > 0 ? { dropped } : {}),
    where: label,
  };
}

function lineWhere(label: string, line: number | undefined, col?: number): string {
  return `${label}${line !== undefined ? `:${line}` : ''}${col ? `:${col}` : ''}`;
}

/**
 * Validates the XML (for line and column of syntax errors), refuses entity definitions, and
 * returns <annotation>.
 */
function parseAnnotationElement(
  text: string,
  label: string,
  problems: ProblemList,
): XmlNode | undefined {
  const valid = XMLValidator.validate(text);
  if (valid !== true) {
    const { line, col, msg } = valid.err;
    problems.error(lineWhere(label, line, col), `broken XML: ${msg}`);
    return undefined;
  }
  const doctype = doctypeProblem(text);
  if (doctype !== undefined) {
    problems.error(lineWhere(label, doctype.line), doctype.problem);
    return undefined;
  }
  let doc: unknown;
  try {
    doc = xmlParser.parse(text);
  } catch (err) {
    problems.error(label, `broken XML: ${errorMessage(err)}`);
    return undefined;
  }
  const root = isNode(doc) ? doc.annotation : undefined;
  if (root === '') return {};
  if (isNode(root)) return root;
  const roots = isNode(doc) ? Object.keys(doc).map((k) => `<${k}>`) : [];
  problems.error(
    label,
    `not a Pascal VOC file: the root element is ${roots.join(', ') || 'missing'}, expected <annotation>`,
  );
  return undefined;
}

/**
 * `filename`, placed in the XML's folder (relative to the folder given) unless it is absolute;
 * a name to look up among the project's images, never opened (src/core/project/imageMatch.ts).
 */
function readImageFile(
  annotation: XmlNode,
  source: VocSource,
  problems: ProblemList,
): string | undefined {
  const where = `${source.label}: filename`;
  const name = readText(annotation, 'filename', where, problems);
  if (name === undefined) return undefined;
  const own = checkImageReference(name);
  if ('problem' in own) {
    problems.error(where, own.problem);
    return undefined;
  }
  return source.relDir === '' || isAbsoluteReference(own.path)
    ? own.path
    : `${source.relDir}/${own.path}`;
}

/**
 * `size/width,height`: optional (the importer reads real sizes). LabelImg sometimes writes
 * 0x0, which is ignored with a warning; other bad values are errors.
 */
function readSize(
  annotation: XmlNode,
  label: string,
  problems: ProblemList,
): { width?: number; height?: number } | 'invalid' {
  if (annotation.size === undefined) return {};
  const size = childNode(annotation, 'size', `${label}: size`, problems);
  if (size === undefined) return 'invalid';
  const width = readNumber(size, 'width', `${label}: size/width`, problems);
  const height = readNumber(size, 'height', `${label}: size/height`, problems);
  if (width === undefined || height === undefined) return 'invalid';
  if (width < 0 || height < 0) {
    problems.error(`${label}: size`, `negative image size ${width}x${height}`);
    return 'invalid';
  }
  if (width === 0 || height === 0) {
    problems.warning(
      `${label}: size`,
      `image size ${width}x${height} ignored; the real size is used`,
    );
    return {};
  }
  return { width, height };
}

/** The file's boxes, and how many objects were left out (each with its problem). */
function readObjects(
  annotation: XmlNode,
  label: string,
  problems: ProblemList,
): { boxes: ParsedBox[]; dropped: number } {
  const objects = annotation.object;
  if (objects === undefined) return { boxes: [], dropped: 0 };
  const list = Array.isArray(objects) ? objects : [objects];
  const boxes: ParsedBox[] = [];
  list.forEach((object: unknown, i) => {
    const box = readObject(object === '' ? {} : object, `${label}: object ${i + 1}`, problems);
    if (box !== undefined) boxes.push(box);
  });
  return { boxes, dropped: list.length - boxes.length };
}

/** One <object>: name and bndbox. `difficult` and `truncated` are not carried over. */
function readObject(object: unknown, where: string, problems: ProblemList): ParsedBox | undefined {
  if (!isNode(object)) {
    problems.error(where, '<object> holds text instead of elements');
    return undefined;
  }
  const name = readText(object, 'name', `${where} name`, problems);
  if (name === '') problems.error(`${where} name`, 'empty class name');
  const bndbox = childNode(object, 'bndbox', `${where} bndbox`, problems);
  if (bndbox === undefined) return undefined;
  const [x1, y1, x2, y2] = (['xmin', 'ymin', 'xmax', 'ymax'] as const).map((key) =>
    readNumber(bndbox, key, `${where} bndbox/${key}`, problems),
  );
  if (name === undefined || name === '') return undefined;
  if (x1 === undefined || y1 === undefined || x2 === undefined || y2 === undefined)
    return undefined;
  if (!(x2 > x1 && y2 > y1)) {
    problems.skippedBoxes(
      `${where} bndbox`,
      `empty or negative box (xmin ${x1}, xmax ${x2}, ymin ${y1}, ymax ${y2}) skipped`,
    );
    return undefined;
  }
  return { label: name, x1, y1, x2, y2, normalized: false, where };
}

/** The one child `key` of `node`; missing or repeated is an error (undefined is returned). */
function onlyChild(node: XmlNode, key: string, where: string, problems: ProblemList): unknown {
  const value = node[key];
  if (value === undefined) {
    problems.error(where, `missing required field <${key}>`);
    return undefined;
  }
  if (Array.isArray(value)) {
    problems.error(where, `<${key}> appears ${value.length} times, expected once`);
    return undefined;
  }
  return value;
}

/** Text of a child element that must appear once. */
function readText(
  node: XmlNode,
  key: string,
  where: string,
  problems: ProblemList,
): string | undefined {
  const value = onlyChild(node, key, where, problems);
  if (value === undefined) return undefined;
  if (typeof value !== 'string') {
    problems.error(where, `<${key}> holds elements instead of text`);
    return undefined;
  }
  return value;
}

function readNumber(
  node: XmlNode,
  key: string,
  where: string,
  problems: ProblemList,
): number | undefined {
  const text = readText(node, key, where, problems);
  if (text === undefined) return undefined;
  const parsed = parseCoordinate(text);
  if ('problem' in parsed) {
    problems.error(where, parsed.problem);
    return undefined;
  }
  return parsed.value;
}

function childNode(
  node: XmlNode,
  key: string,
  where: string,
  problems: ProblemList,
): XmlNode | undefined {
  const value = onlyChild(node, key, where, problems);
  if (value === undefined) return undefined;
  if (value === '') return {};
  if (!isNode(value)) {
    problems.error(where, `<${key}> holds text instead of elements`);
    return undefined;
  }
  return value;
}

function isNode(value: unknown): value is XmlNode {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// Characters XML 1.0 cannot hold, even escaped.
// eslint-disable-next-line no-control-regex
const XML_FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;

function assertXmlText(text: string, what: string): void {
  if (XML_FORBIDDEN.test(text))
    throw new Error(`export: ${what} ${quote(text)} has a character XML cannot hold`);
}

/**
 * Writes `<outDir>/<image path without extension>.xml` for every image (subfolders mirrored),
 * also for images without boxes. Checks everything before writing anything.
 */
export async function exportVoc(set: ExportSet, outDir: string): Promise<ExportSummary> {
  set.classes.forEach((name, i) => assertXmlText(name, `class ${i}`));
  const outPaths = outputPathsWithoutCollision(
    set.images.map((image) => image.file),
    (file) => `${withoutExtension(file)}.xml`,
  );
  for (const image of set.images) assertExportableImage(image, set.classes.length);

  // All files or none: a half-written folder would pass for a complete export.
  await writeFileSet(
    perImageFiles(set.images, outDir, outPaths, (image) => buildVocXml(image, set.classes)),
  );
  const boxes = set.images.reduce((n, image) => n + image.boxes.length, 0);
  return { files: set.images.length, images: set.images.length, boxes };
}

function assertExportableImage(image: ExportImage, classCount: number): void {
  assertXmlText(image.file, 'image path');
  assertExportableSize(image.file, image.width, image.height);
  for (const box of image.boxes) assertExportableBox(image.file, classCount, box);
}

/** LabelImg's layout; coordinates to 4 decimals at most (81, 81.5, 81.1235). */
export function buildVocXml(image: ExportImage, classes: readonly string[]): string {
  const file = image.file.replace(/\\/g, '/');
  const folder = path.posix.dirname(file);
  const annotation: XmlNode = {
    folder: folder === '.' ? '' : folder,
    filename: path.posix.basename(file),
    size: { width: String(image.width), height: String(image.height), depth: '3' },
    segmented: '0',
  };
  if (image.boxes.length > 0) {
    annotation.object = image.boxes.map((box) => ({
      name: classes[box.classIndex],
      pose: 'Unspecified',
      truncated: '0',
      difficult: '0',
      bndbox: {
        xmin: String(roundPixels(box.x1)),
        ymin: String(roundPixels(box.y1)),
        xmax: String(roundPixels(box.x2)),
        ymax: String(roundPixels(box.y2)),
      },
    }));
  }
  return String(xmlBuilder.build({ annotation }));
}
