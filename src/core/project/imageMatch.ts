import path from 'node:path';
import type { ImageRecord } from '../../shared/project/types';
import type { ParsedImage } from '../formats/annotationSet';
import { isAbsoluteReference } from '../formats/formatUtils';

/**
 * Which project image a label file means. Label files come from other machines and tools, so a
 * name is looked up, never opened: it is only ever compared with the paths of images the project
 * already holds (relative to its image root), which is why absolute paths, drive letters and
 * `..` in a label file are harmless here.
 *
 * In order, the first that finds something decides:
 * 1. the path itself, relative to the image root (an absolute path inside the root counts as
 *    its part under the root), with or without the image's extension (YOLO names none);
 * 2. its longest tail of folders + name that names exactly one image (`images/train/a.jpg`,
 *    `C:\Users\me\data\a.jpg`, `/data/upload/1/a.jpg` → `a.jpg`); a tail naming several images
 *    stops here as ambiguous; only where no tail matches, the same without case (`A.JPG`);
 * 3. the other names the entry has (`ParsedImage.alternatives`: a VOC file's own name), the same
 *    way;
 * 4. names other tools gave their copies: Label Studio's upload prefix (`3f2a9c1e-a.jpg` → `a.jpg`,
 *    the uploaded file unchanged), and Roboflow's export names (`a_jpg.rf.<hash>.jpg` → `a.jpg`),
 *    accepted only when the file states the copy's size and it is the project image's: Roboflow
 *    resizes, orients and augments its copies, and boxes are in the copy's pixels.
 * Several entries reaching one image by steps 2–4 are all left out (one reached by step 1 keeps
 * it): they cannot all be that image.
 */

export type MatchHow = 'path' | 'tail' | 'label-studio' | 'roboflow';

export type ImageMatch =
  { image: ImageRecord; how: MatchHow } | { image?: undefined; problem: string };

/** A Label Studio upload: an 8-hex-digit prefix and a dash before the file's own name. */
const LABEL_STUDIO_UPLOAD = /^[0-9a-f]{8}-(.+)$/;
/** A Roboflow export name: `<stem>_<ext>.rf.<hash>.<ext>` (YOLO label names lack the last `.<ext>`). */
const ROBOFLOW_COPY = /^(.+)_([A-Za-z0-9]+)\.rf\.[0-9a-f]{8,}(?:\.[A-Za-z0-9]+)?$/;

interface Reference {
  segments: string[];
  /** The segments are the whole path under the image root (not only its tail). */
  rooted: boolean;
}

type Lookup = { image: ImageRecord; exact: boolean } | { ambiguous: ImageRecord[] } | undefined;

export class ImageMatcher {
  private readonly byPath = new Map<string, ImageRecord>();
  /** Every tail (1…all segments) of every image path, as written and without its extension. */
  private readonly tails = new Map<string, ImageRecord[]>();
  private readonly stemTails = new Map<string, ImageRecord[]>();
  private roboflowNames: Map<string, ImageRecord[]> | undefined;
  private caseless: Map<string, ImageRecord[]> | undefined;
  private readonly root: string;

  constructor(
    private readonly images: readonly ImageRecord[],
    imageRoot: string,
  ) {
    this.root = imageRoot.split(path.sep).join('/').replace(/\/+$/, '');
    for (const image of images) {
      this.byPath.set(image.path, image);
      const segments = image.path.split('/');
      for (let k = 1; k <= segments.length; k++) {
        const tail = segments.slice(-k);
        push(this.tails, tail.join('/'), image);
        const stem = withoutExtension(tail[tail.length - 1] as string);
        if (stem !== tail[tail.length - 1])
          push(this.stemTails, [...tail.slice(0, -1), stem].join('/'), image);
      }
    }
  }

  /** A plain reference (a split list's line): steps 1 and 2 only. */
  matchReference(ref: string): ImageRecord | undefined {
    const found = this.lookup(this.reference(ref));
    return found && 'image' in found ? found.image : undefined;
  }

  /** Every entry of a parsed file, in order; entries that cannot be placed say why. */
  matchAll(entries: readonly ParsedImage[]): ImageMatch[] {
    const matches = entries.map((entry) => this.matchEntry(entry));
    // Several entries on one image: only one reached by its own path keeps it.
    const byImage = new Map<number, number[]>();
    matches.forEach((m, i) => {
      if (m.image) push(byImage, m.image.id, i);
    });
    for (const [, indices] of byImage) {
      if (indices.length < 2) continue;
      const exact = indices.filter(
        (i) => matches[i]!.image && (matches[i] as { how: MatchHow }).how === 'path',
      );
      const others = indices.filter((i) => !exact.includes(i));
      for (const i of others) {
        const m = matches[i] as { image: ImageRecord; how: MatchHow };
        const rivals = indices.filter((j) => j !== i).map((j) => entries[j]!.where);
        const roboflow = m.how === 'roboflow' && exact.length === 0;
        matches[i] = {
          problem: roboflow
            ? `image '${entries[i]!.file}' is one of ${indices.length} Roboflow copies of '${m.image.path}' (augmented copies hold moved boxes): none of them is taken; import the Roboflow export's own images instead`
            : `image '${entries[i]!.file}' matches '${m.image.path}' only by its name, and so does ${rivals.slice(0, 3).join(', ')}${rivals.length > 3 ? ', …' : ''}: left out (name images by their path under the image root)`,
        };
      }
    }
    return matches;
  }

  private matchEntry(entry: ParsedImage): ImageMatch {
    const names = [entry.file, ...(entry.alternatives ?? [])];
    for (const name of names) {
      const found = this.lookup(this.reference(name));
      if (found === undefined) continue;
      if ('image' in found) return { image: found.image, how: found.exact ? 'path' : 'tail' };
      return { problem: ambiguity(entry.file, found.ambiguous) };
    }
    for (const name of names) {
      const base = path.posix.basename(name.replace(/\\/g, '/'));
      const upload = LABEL_STUDIO_UPLOAD.exec(base);
      if (upload) {
        const found = this.lookup({ segments: [upload[1] as string], rooted: false });
        if (found && 'image' in found) return { image: found.image, how: 'label-studio' };
        if (found) return { problem: ambiguity(entry.file, found.ambiguous) };
      }
      const copy = ROBOFLOW_COPY.exec(base);
      if (copy) return this.roboflow(entry, `${copy[1]}.${copy[2]}`);
    }
    return { problem: `image '${entry.file}' is not in the project` };
  }

  /** A Roboflow copy: its original, when the file shows the copy has the original's size. */
  private roboflow(entry: ParsedImage, original: string): ImageMatch {
    this.roboflowNames ??= this.indexRoboflowNames();
    const candidates = this.roboflowNames.get(roboflowKey(original)) ?? [];
    const advice =
      "import the Roboflow export's own images (the folder its labels came with) instead";
    if (candidates.length === 0)
      return {
        problem: `image '${entry.file}' is a Roboflow copy of an image named like '${original}', and neither is in the project: ${advice}`,
      };
    if (candidates.length > 1) return { problem: ambiguity(entry.file, candidates) };
    const image = candidates[0] as ImageRecord;
    if (entry.width === undefined || entry.height === undefined)
      return {
        problem: `image '${entry.file}' is Roboflow's copy of '${image.path}', and this file does not say whether Roboflow resized or cropped it (its boxes are in the copy's frame): ${advice}`,
      };
    if (entry.width !== image.width || entry.height !== image.height)
      return {
        problem: `image '${entry.file}' is Roboflow's copy of '${image.path}' resized to ${entry.width}×${entry.height} (the project's is ${image.width}×${image.height}), and its boxes are in the copy's pixels: ${advice}`,
      };
    return { image, how: 'roboflow' };
  }

  private indexRoboflowNames(): Map<string, ImageRecord[]> {
    const index = new Map<string, ImageRecord[]>();
    for (const image of this.images)
      push(index, roboflowKey(path.posix.basename(image.path)), image);
    return index;
  }

  /** A label file's name as path segments, under the image root where it lies there. */
  private reference(raw: string): Reference {
    let ref = raw.replace(/\\/g, '/');
    let rooted = true;
    if (isAbsoluteReference(ref)) {
      const inside = this.root !== '' && ref.startsWith(`${this.root}/`);
      if (inside) ref = ref.slice(this.root.length + 1);
      else rooted = false;
    }
    const segments: string[] = [];
    for (const s of ref.split('/')) {
      if (s === '' || s === '.') continue;
      if (s !== '..') segments.push(s);
      else if (segments.length > 0) segments.pop();
      else rooted = false; // above the folder the file was relative to: only its tail tells
    }
    return { segments, rooted };
  }

  private lookup({ segments, rooted }: Reference): Lookup {
    if (segments.length === 0) return undefined;
    if (rooted) {
      const full = segments.join('/');
      const exact = this.byPath.get(full);
      if (exact) return { image: exact, exact: true };
      const stems = (this.stemTails.get(full) ?? []).filter(
        (i) => withoutExtension(i.path) === full,
      );
      if (stems.length === 1) return { image: stems[0] as ImageRecord, exact: true };
    }
    for (let k = segments.length; k >= 1; k--) {
      const key = segments.slice(-k).join('/');
      const list = this.tails.get(key) ?? this.stemTails.get(key);
      if (list === undefined) continue;
      if (list.length === 1) return { image: list[0] as ImageRecord, exact: false };
      return { ambiguous: list };
    }
    // Windows tools and cameras change case freely (IMG_1.JPG for img_1.jpg): the same search
    // without case, only where it finds one image.
    this.caseless ??= this.indexCaseless();
    for (let k = segments.length; k >= 1; k--) {
      const list = this.caseless.get(segments.slice(-k).join('/').toLowerCase());
      if (list === undefined) continue;
      const images = [...new Set(list)];
      if (images.length === 1) return { image: images[0] as ImageRecord, exact: false };
      return { ambiguous: images };
    }
    return undefined;
  }

  private indexCaseless(): Map<string, ImageRecord[]> {
    const index = new Map<string, ImageRecord[]>();
    for (const map of [this.tails, this.stemTails])
      for (const [key, images] of map) for (const i of images) push(index, key.toLowerCase(), i);
    return index;
  }
}

function ambiguity(file: string, images: readonly ImageRecord[]): string {
  const names = images
    .slice(0, 3)
    .map((i) => `'${i.path}'`)
    .join(', ');
  return `image '${file}' could be any of ${images.length} project images (${names}${images.length > 3 ? ', …' : ''}): name it by its path under the image root`;
}

/** Roboflow writes `a b.c.jpg` as `a-b_c_jpg`: compare names with every run of other characters as one `_`. */
function roboflowKey(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '_');
}

function withoutExtension(name: string): string {
  const ext = path.posix.extname(name);
  return ext === '' ? name : name.slice(0, -ext.length);
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
