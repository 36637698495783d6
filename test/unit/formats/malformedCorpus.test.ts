// Table-driven test over test/fixtures/malformed: each file (YOLO: each folder) holds one
// problem; the parser must report it at the right place with a message that says what is wrong.
// JSON and YAML files here stay valid for Prettier (which formats them); syntax errors live in
// files Prettier does not read.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ParseResult } from '../../../src/core/formats/annotationSet';
import { parseCoco } from '../../../src/core/formats/coco';
import { parseVoc } from '../../../src/core/formats/voc';
import { parseYolo } from '../../../src/core/formats/yolo';
import { repoRoot } from '../../helpers/paths';

const corpus = path.join(repoRoot, 'test', 'fixtures', 'malformed');

interface Case {
  severity: 'error' | 'warning';
  where: RegExp;
  message: RegExp;
  /** Warning cases: boxes that must survive (the skipped one excluded). */
  boxesLeft?: number;
}

const err = (where: RegExp, message: RegExp): Case => ({ severity: 'error', where, message });
const warn = (where: RegExp, message: RegExp, boxesLeft: number): Case => ({
  severity: 'warning',
  where,
  message,
  boxesLeft,
});

const cocoCases: Record<string, Case> = {
  'bbox-three-numbers.json': err(/: annotations\[0\]\.bbox$/, /expected 4 numbers.*got 3/),
  // .txt: Prettier formats .json files and would "repair" the trailing comma.
  'broken-syntax.json.txt': err(
    /^broken-syntax\.json\.txt:4:3$/,
    /broken JSON: Unexpected token '\]'$/,
  ),
  'category-without-name.json': err(/: categories\[0\]\.name$/, /missing required field/),
  'dangling-category-id.json': err(/: annotations\[0\]\.category_id$/, /category_id 9 matches no/),
  'dangling-image-id.json': err(/: annotations\[0\]\.image_id$/, /image_id 7 matches no image/),
  'duplicate-annotation-id.json': err(/: annotations\[1\]\.id$/, /duplicate id 1/),
  'duplicate-category-name.json': err(/: categories\[1\]\.name$/, /duplicate category name "cat"/),
  'duplicate-image-id.json': err(/: images\[1\]\.id$/, /duplicate id 1 \(also images\[0\]\)/),
  'empty.json': err(/^empty\.json$/, /empty/),
  'fractional-id.json': err(/: images\[0\]\.id$/, /expected an integer, got 1\.5/),
  'huge-number.json': err(/: annotations\[0\]\.bbox\[2\]$/, /3000000000 is out of range/),
  'infinity.json': err(/: annotations\[0\]\.bbox\[2\]$/, /Infinity is not a finite number/),
  'missing-bbox.json': err(/: annotations\[0\]\.bbox$/, /missing required field/),
  'missing-images.json': err(/^missing-images\.json: images$/, /missing required field/),
  'nan-string-bbox.json': err(/: annotations\[0\]\.bbox\[0\]$/, /expected number, got "NaN"/),
  'negative-id.json': err(/: images\[0\]\.id$/, /-1 is out of range/),
  'nul-file-name.json': err(/: images\[0\]\.file_name$/, /NUL/),
  'results-array.json': err(/^results-array\.json$/, /results-only/),
  'wrong-type-width.json': err(/: images\[0\]\.width$/, /expected number, got "640"/),
  'warn-crowd.json': warn(/: annotations\[0\]\.iscrowd$/, /crowd/, 1),
  'warn-empty-box.json': warn(/: annotations\[0\]\.bbox$/, /empty or negative box/, 1),
  'warn-negative-box.json': warn(/: annotations\[0\]\.bbox$/, /width -5/, 1),
  'warn-segmentation-only.json': warn(/: annotations\[0\]\.bbox$/, /segmentation-only/, 1),
};

const vocCases: Record<string, Case> = {
  'broken-xml.xml': err(/^broken-xml\.xml:8:2$/, /broken XML: Expected closing tag 'size'/),
  'duplicate-filename-tag.xml': err(/: filename$/, /<filename> appears 2 times/),
  'empty-name.xml': err(/: object 1 name$/, /empty class name/),
  'empty.xml': err(/^empty\.xml$/, /empty/),
  'huge-coordinate.xml': err(/: object 1 bndbox\/xmax$/, /1e9 is out of range/),
  'missing-bndbox.xml': err(/: object 1 bndbox$/, /missing required field <bndbox>/),
  'missing-filename.xml': err(/: filename$/, /missing required field <filename>/),
  'missing-xmin.xml': err(/: object 1 bndbox\/xmin$/, /missing required field <xmin>/),
  'nan-coordinate.xml': err(/: object 1 bndbox\/xmin$/, /"NaN" is not a number/),
  'non-numeric-width.xml': err(/: size\/width$/, /"wide" is not a number/),
  'wrong-root.xml': err(/^wrong-root\.xml$/, /root element is <annotations>/),
  'warn-empty-box.xml': warn(/: object 1 bndbox$/, /empty or negative box/, 1),
  'warn-negative-box.xml': warn(/: object 1 bndbox$/, /xmin 110, xmax 10/, 1),
  'warn-zero-size.xml': warn(/: size$/, /0x0 ignored/, 1),
};

const yoloCases: Record<string, Case> = {
  'blank-line-in-class-list': err(/^classes\.txt:2$/, /empty class name/),
  'duplicate-class-names': err(/^classes\.txt$/, /duplicate class name "cat"/),
  // An empty class list is a list (an export without classes writes one); a box cannot use it.
  'empty-class-list': err(
    /^labels\/a\.txt:1$/,
    /unknown class index 0 \(the class list is empty\)/,
  ),
  'fractional-class': err(/^labels\/a\.txt:1$/, /"1\.5" is not a class index/),
  'huge-value': err(/^labels\/a\.txt:1$/, /h: 5e9 is out of range/),
  'infinity-value': err(/^labels\/a\.txt:1$/, /w: "Infinity" is not a number/),
  'nan-value': err(/^labels\/a\.txt:1$/, /cy: "NaN" is not a number/),
  'negative-class': err(/^labels\/a\.txt:1$/, /"-1" is not a class index/),
  'no-class-list': err(/no-class-list[/\\]labels$/, /no class list/),
  'no-label-files': err(/no-label-files[/\\]labels$/, /no \.txt label files/),
  'non-numeric': err(/^labels\/a\.txt:1$/, /cx: "abc" is not a number/),
  'too-few-fields': err(/^labels\/a\.txt:1$/, /expected 5 fields.*got 4/),
  'bad-confidence': err(/^labels\/a\.txt:1$/, /confidence: "1\.5" is not a number from 0 to 1/),
  'unknown-class-index': err(
    /^labels\/a\.txt:2$/,
    /unknown class index 3 \(the class list has 2\)/,
  ),
  'yaml-key-gap': err(/^data\.yaml:3$/, /keys must be 0\.\.1/),
  'yaml-no-names': err(/^data\.yaml$/, /no top-level "names:"/),
  'yaml-scalar-names': err(/^data\.yaml:2$/, /names must be a list/),
  'warn-empty-box': warn(/^labels\/a\.txt:1$/, /empty or negative box \(w 0,/, 1),
  'warn-negative-box': warn(/^labels\/a\.txt:1$/, /h -0\.2/, 1),
  'warn-outside-image': warn(/^labels\/a\.txt:1$/, /outside \[0,1\]; kept/, 2),
};

const formats: {
  name: string;
  cases: Record<string, Case>;
  parse: (p: string) => Promise<ParseResult>;
}[] = [
  { name: 'coco', cases: cocoCases, parse: parseCoco },
  { name: 'voc', cases: vocCases, parse: parseVoc },
  { name: 'yolo', cases: yoloCases, parse: (p) => parseYolo(path.join(p, 'labels')) },
];

function boxCount(result: ParseResult): number {
  return result.annotations.images.reduce((n, image) => n + image.boxes.length, 0);
}

describe.each(formats)('malformed $name corpus', ({ name, cases, parse }) => {
  const dir = path.join(corpus, name);

  it('has an expectation for every file in the corpus, and a file for every expectation', () => {
    expect(readdirSync(dir).sort()).toEqual(Object.keys(cases).sort());
  });

  it.each(Object.entries(cases))('%s', async (file, expected) => {
    const result = await parse(path.join(dir, file));
    const match = result.problems.find(
      (p) =>
        p.severity === expected.severity &&
        expected.where.test(p.where) &&
        expected.message.test(p.message),
    );
    expect(match, JSON.stringify(result.problems, null, 2)).toBeDefined();
    if (expected.severity === 'warning') {
      // A warning skips the entry (or, for YOLO out-of-range, keeps it); the rest goes on.
      expect(result.problems.filter((p) => p.severity === 'error')).toEqual([]);
      expect(boxCount(result)).toBe(expected.boxesLeft);
    }
  });
});
