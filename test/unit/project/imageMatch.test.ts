import { describe, expect, it } from 'vitest';
import type { ParsedImage } from '../../../src/core/formats/annotationSet';
import { ImageMatcher, type ImageMatch } from '../../../src/core/project/imageMatch';
import type { ImageRecord } from '../../../src/shared/project/types';

const root = '/data/photos';
const images: ImageRecord[] = [
  'raccoon-1.jpg',
  'raccoon-2.jpg',
  'train/a.jpg',
  'val/a.jpg',
  'train/b.png',
].map((p, i) => ({
  id: i + 1,
  path: p,
  sha256: '',
  bytes: 1,
  width: 650,
  height: 417,
  format: 'jpeg',
  status: 'unreviewed',
  addedAt: '',
  split: null,
}));
const matcher = new ImageMatcher(images, root);

const entry = (file: string, extra: Partial<ParsedImage> = {}): ParsedImage => ({
  file,
  boxes: [],
  where: `f: ${file}`,
  ...extra,
});
const paths = (matches: ImageMatch[]): (string | undefined)[] => matches.map((m) => m.image?.path);
const one = (e: ParsedImage): ImageMatch => matcher.matchAll([e])[0]!;

describe('ImageMatcher: the project image a label file names', () => {
  it('by its path under the image root, with or without extension, or inside the root when absolute', () => {
    expect(
      paths(matcher.matchAll([entry('train/a.jpg'), entry('train/b'), entry(`${root}/val/a.jpg`)])),
    ).toEqual(['train/a.jpg', 'train/b.png', 'val/a.jpg']);
    expect(one(entry('train/a.jpg'))).toMatchObject({ how: 'path' });
  });

  it('by the longest tail of folders and name that names one image', () => {
    expect(
      paths(
        matcher.matchAll([
          entry('images/raccoon-1.jpg'),
          entry('C:/Users/me/data/raccoon-2.jpg'),
          entry('/home/me/dataset/train/a.jpg'),
          entry('../../val/a.jpg'),
        ]),
      ),
    ).toEqual(['raccoon-1.jpg', 'raccoon-2.jpg', 'train/a.jpg', 'val/a.jpg']);
  });

  it('without case only where nothing matches with it, and only when one image is meant', () => {
    expect(paths(matcher.matchAll([entry('RACCOON-1.JPG'), entry('C:\\data\\Train\\B')]))).toEqual([
      'raccoon-1.jpg',
      'train/b.png',
    ]);
    // A.JPG: train/a.jpg or val/a.jpg; TRAIN/A.JPG: only one.
    expect(one(entry('A.JPG')).image).toBeUndefined();
    expect(one(entry('TRAIN/A.JPG')).image?.path).toBe('train/a.jpg');
  });

  it('a name several images share is ambiguous, and says which', () => {
    expect(one(entry('other/a.jpg'))).toEqual({
      problem: expect.stringMatching(
        /could be any of 2 project images \('train\/a\.jpg', 'val\/a\.jpg'\)/,
      ),
    });
  });

  it('hostile names are looked up, not opened: they find nothing', () => {
    for (const name of ['/etc/passwd', '../../etc/passwd', 'C:/Windows/win.ini'])
      expect(one(entry(name)), name).toEqual({ problem: `image '${name}' is not in the project` });
  });

  it("a VOC file's own name is tried when its <filename> names nothing", () => {
    expect(one(entry('IMG_0001.JPG', { alternatives: ['raccoon-2'] })).image?.path).toBe(
      'raccoon-2.jpg',
    );
  });

  it("Label Studio's upload prefix and Roboflow's export names find the original", () => {
    expect(one(entry('/data/upload/3/1f2e3d4c-raccoon-1.jpg'))).toMatchObject({
      how: 'label-studio',
      image: { path: 'raccoon-1.jpg' },
    });
    const rf = 'raccoon-1_jpg.rf.0123456789abcdef0123456789abcdef.jpg';
    expect(one(entry(rf, { width: 650, height: 417 }))).toMatchObject({
      how: 'roboflow',
      image: { path: 'raccoon-1.jpg' },
    });
  });

  it('a Roboflow copy of another size, or of unknown size, is refused saying why', () => {
    const rf = 'raccoon-1_jpg.rf.0123456789abcdef0123456789abcdef.jpg';
    expect(one(entry(rf, { width: 416, height: 416 })).image).toBeUndefined();
    expect((one(entry(rf, { width: 416, height: 416 })) as { problem: string }).problem).toMatch(
      /Roboflow's copy of 'raccoon-1\.jpg' resized to 416×416 \(the project's is 650×417\)/,
    );
    expect((one(entry(rf.replace(/\.jpg$/, ''))) as { problem: string }).problem).toMatch(
      /does not say whether Roboflow resized or cropped it/,
    );
  });

  it('several entries reaching one image by name are all left out; one naming its path keeps it', () => {
    const copies = [1, 2].map((k) =>
      entry(`raccoon-2_jpg.rf.${String(k).repeat(32)}.jpg`, { width: 650, height: 417 }),
    );
    const byName = [entry('x/raccoon-1.jpg'), entry('y/raccoon-1.jpg'), entry('raccoon-1.jpg')];
    const matches = matcher.matchAll([...copies, ...byName]);
    expect(paths(matches)).toEqual([undefined, undefined, undefined, undefined, 'raccoon-1.jpg']);
    expect((matches[0] as { problem: string }).problem).toMatch(
      /one of 2 Roboflow copies of 'raccoon-2\.jpg'/,
    );
    expect((matches[2] as { problem: string }).problem).toMatch(
      /matches 'raccoon-1\.jpg' only by its name, and so does/,
    );
  });

  it('split list references: ids and absolute paths', () => {
    expect(matcher.matchReference('raccoon-1')?.path).toBe('raccoon-1.jpg');
    expect(matcher.matchReference(`${root}/train/a.jpg`)?.path).toBe('train/a.jpg');
    expect(matcher.matchReference('/elsewhere/export/train/images/raccoon-2.jpg')?.path).toBe(
      'raccoon-2.jpg',
    );
  });
});
