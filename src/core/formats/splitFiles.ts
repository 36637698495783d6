import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { load as loadYaml } from 'js-yaml';
import type { Split } from '../../shared/project/splits';
import type { AnnotationFormat, FormatProblem } from './annotationSet';
import {
  compareCodePoints,
  errorMessage,
  listFiles,
  pathKind,
  ProblemList,
  quote,
  readTextFile,
  toPosixRelative,
} from './formatUtils';
import { datasetFolders } from './yolo';

/**
 * The train/val/test split a dataset's own files give its images:
 * - Pascal VOC: `ImageSets/Main/{train,val,test,trainval}.txt` beside (or inside) the folder of
 *   XML files; one image id (file stem) a line. An id only in `trainval.txt` is `train`.
 * - COCO: one file per split, named by the file ("instances_val2017.json" → val) or, when its
 *   name says none, by its folder's name when that is a split's (Roboflow's `valid/`).
 * - YOLO: `data.yaml` (where the class list is looked for: `datasetFolders`) with
 *   `train:`/`val:`/`test:` each a folder of images, a .txt list of image paths, or a list of
 *   those, relative to `path:` (or the yaml's folder; a missing "../" path is read without its
 *   "../", as Ultralytics does).
 * An explicit split (`import --split`) overrides all of them for every image the file names.
 * Never throws for bad input: unreadable lists are warnings, the import goes on.
 */

/** One image as a split file names it: an absolute path, a relative path, or a file stem. */
export interface SplitEntry {
  ref: string;
  split: Split;
  where: string;
}

export interface SplitFileResult {
  /** How the splits were found, for the report ("ImageSets/Main", "data.yaml", …); null: none. */
  source: string | null;
  /** An explicit or file-name split applies to every image of the annotation file. */
  all?: Split;
  entries: SplitEntry[];
  problems: FormatProblem[];
}

const IMAGE_EXTENSIONS = ['.jpg', '.jpeg', '.png', '.bmp', '.webp', '.tif', '.tiff', '.gif'];

/** Words that name a split in a file name, and the split each means. */
const SPLIT_WORDS: [RegExp, Split][] = [
  [/(?:^|[^a-z])(?:train|training)(?:[^a-z]|$)/i, 'train'],
  [/(?:^|[^a-z])(?:val|valid|validation)(?:[^a-z]|$)/i, 'val'],
  [/(?:^|[^a-z])test(?:[^a-z]|$)/i, 'test'],
];

/**
 * ImageSets/Main list names (lower case, without `.txt`) and the split each holds: the devkit's
 * names, and the subset names CVAT writes its lists under (`Train.txt`, `Validation.txt`).
 */
const SUBSET_NAMES = new Map<string, Split | 'trainval'>([
  ['train', 'train'],
  ['training', 'train'],
  ['val', 'val'],
  ['valid', 'val'],
  ['validation', 'val'],
  ['test', 'test'],
  ['testing', 'test'],
  ['trainval', 'trainval'],
]);

/** The split a file's name gives ("instances_train2017.json" → train); none when 0 or 2+ match. */
export function splitFromFileName(file: string): Split | undefined {
  const name = path.basename(file);
  const found = SPLIT_WORDS.filter(([re]) => re.test(name)).map(([, s]) => s);
  return found.length === 1 ? found[0] : undefined;
}

export async function readSplitFiles(
  format: AnnotationFormat,
  source: string,
  explicit?: Split,
): Promise<SplitFileResult> {
  if (explicit) return { source: '--split', all: explicit, entries: [], problems: [] };
  if (format === 'coco') {
    const fromName = splitFromFileName(source);
    if (fromName)
      return { source: path.basename(source), all: fromName, entries: [], problems: [] };
    // Roboflow keeps one `_annotations.coco.json` in each of train/, valid/ and test/.
    const folder = path.basename(path.dirname(path.resolve(source)));
    const fromFolder = SUBSET_NAMES.get(folder.toLowerCase());
    return fromFolder && fromFolder !== 'trainval'
      ? { source: `${folder}/`, all: fromFolder, entries: [], problems: [] }
      : { source: null, entries: [], problems: [] };
  }
  const problems = new ProblemList(source);
  const found =
    format === 'voc'
      ? await readVocImageSets(source, problems)
      : await readYoloData(source, problems);
  return { ...found, problems: problems.toArray() };
}

async function readVocImageSets(
  source: string,
  problems: ProblemList,
): Promise<{ source: string | null; entries: SplitEntry[] }> {
  const dir = (await pathKind(source)) === 'directory' ? source : path.dirname(source);
  const candidates = [
    path.join(dir, 'ImageSets', 'Main'),
    path.join(dir, '..', 'ImageSets', 'Main'),
  ];
  for (const main of candidates) {
    if ((await pathKind(main)) !== 'directory') continue;
    const lists = new Map<Split | 'trainval', { ids: string[]; where: string }[]>();
    let names: string[];
    try {
      names = (await readdir(main)).sort(compareCodePoints);
    } catch (err) {
      problems.warning(
        'ImageSets/Main',
        `cannot list the folder, splits not read: ${errorMessage(err)}`,
      );
      continue;
    }
    for (const name of names) {
      // Only lists named for a split: `raccoon_train.txt` (one class's images) is none.
      const split = SUBSET_NAMES.get(name.toLowerCase().replace(/\.txt$/, ''));
      if (!name.toLowerCase().endsWith('.txt') || split === undefined) continue;
      const file = path.join(main, name);
      if ((await pathKind(file)) !== 'file') continue;
      const where = `ImageSets/Main/${name}`;
      const text = await readTextFile(file, where, problems, true);
      if (text === undefined) continue;
      const ids = text
        .split(/\r?\n/)
        .map((l) => l.trim().split(/\s+/)[0] ?? '')
        .filter((id) => id !== '');
      lists.set(split, [...(lists.get(split) ?? []), { ids, where }]);
    }
    if (lists.size === 0) continue;
    const entries: SplitEntry[] = [];
    const named = new Set<string>();
    for (const split of ['train', 'val', 'test'] as const)
      for (const { ids, where } of lists.get(split) ?? [])
        for (const id of ids) {
          entries.push({ ref: id, split, where });
          named.add(id);
        }
    // trainval = train ∪ val: an id it alone names is a training image.
    for (const { ids, where } of lists.get('trainval') ?? [])
      for (const id of ids) if (!named.has(id)) entries.push({ ref: id, split: 'train', where });
    return { source: 'ImageSets/Main', entries };
  }
  return { source: null, entries: [] };
}

async function readYoloData(
  labelsDir: string,
  problems: ProblemList,
): Promise<{ source: string | null; entries: SplitEntry[] }> {
  let yamlFile: string | undefined;
  for (const dir of datasetFolders(labelsDir))
    for (const name of ['data.yaml', 'data.yml', 'dataset.yaml'])
      if (!yamlFile && (await pathKind(path.join(dir, name))) === 'file')
        yamlFile = path.join(dir, name);
  if (!yamlFile) return { source: null, entries: [] };
  const label = path.basename(yamlFile);
  const text = await readTextFile(yamlFile, label, problems, true);
  if (text === undefined) return { source: null, entries: [] };
  let doc: unknown;
  try {
    doc = loadYaml(text);
  } catch (err) {
    problems.warning(label, `not valid YAML, splits not read: ${errorMessage(err)}`);
    return { source: null, entries: [] };
  }
  if (typeof doc !== 'object' || doc === null) return { source: null, entries: [] };
  const data = doc as Record<string, unknown>;
  const yamlDir = path.dirname(yamlFile);
  let root = yamlDir;
  if (typeof data.path === 'string') {
    const candidate = path.resolve(yamlDir, data.path);
    if ((await pathKind(candidate)) === 'directory') root = candidate;
  }
  const entries: SplitEntry[] = [];
  let any = false;
  for (const split of ['train', 'val', 'test'] as const) {
    const value = data[split];
    if (value === undefined || value === null) continue;
    const items = Array.isArray(value) ? value : [value];
    for (const item of items) {
      if (typeof item !== 'string') {
        problems.warning(`${label}: ${split}`, `expected a path, got ${quote(item)}`);
        continue;
      }
      any = true;
      // Ultralytics' rule, which Roboflow's `train: ../train/images` beside train/ relies on: a
      // "../" path that does not exist is read without its "../".
      let target = path.resolve(root, item);
      if (item.startsWith('../') && (await pathKind(target)) === 'missing')
        target = path.resolve(root, item.slice(3));
      for (const file of await imagesOf(target, `${label}: ${split}`, problems))
        entries.push({ ref: file, split, where: `${label}: ${split}` });
    }
  }
  return { source: any ? label : null, entries };
}

/** Absolute paths of the images a data.yaml entry names: a folder of them, or a .txt list. */
async function imagesOf(target: string, where: string, problems: ProblemList): Promise<string[]> {
  const kind = await pathKind(target);
  if (kind === 'directory') {
    const all: string[] = [];
    for (const ext of IMAGE_EXTENSIONS) all.push(...(await listFiles(target, ext)));
    return all;
  }
  if (kind === 'file' && target.toLowerCase().endsWith('.txt')) {
    const text = await readTextFile(target, where, problems, true);
    if (text === undefined) return [];
    return text
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter((l) => l !== '')
      .map((l) => path.resolve(path.dirname(target), l));
  }
  problems.warning(
    where,
    `${quote(toPosixRelative(process.cwd(), target))} is neither a folder of images nor a .txt list; its split is not read`,
  );
  return [];
}
