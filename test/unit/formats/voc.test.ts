import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExportSet } from '../../../src/core/formats/annotationSet';
import { exportVoc, parseVoc } from '../../../src/core/formats/voc';

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'shotbox-voc-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

async function write(rel: string, text: string | Uint8Array): Promise<string> {
  const file = path.join(tmp, rel);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, text);
  return file;
}

function object(name: string, box: [string, string, string, string], difficult = '0'): string {
  const [xmin, ymin, xmax, ymax] = box;
  return `<object><name>${name}</name><difficult>${difficult}</difficult><bndbox><xmin>${xmin}</xmin><ymin>${ymin}</ymin><xmax>${xmax}</xmax><ymax>${ymax}</ymax></bndbox></object>`;
}

function annotation(filename: string, objects: string, prolog = ''): string {
  return `${prolog}<annotation><folder>x</folder><filename>${filename}</filename><path>C:\\x\\${filename}</path><size><width>640</width><height>480</height><depth>3</depth></size>${objects}</annotation>`;
}

describe('parseVoc', () => {
  it('reads a file with one object and a file with many', async () => {
    await write('count/one.xml', annotation('one.jpg', object('cat', ['1', '2', '3', '4'])));
    await write(
      'count/many.xml',
      annotation(
        'many.jpg',
        [object('dog', ['1', '2', '3', '4']), object('cat', ['5', '6', '7', '8'])].join(''),
      ),
    );
    const { annotations, problems } = await parseVoc(path.join(tmp, 'count'));
    expect(problems).toEqual([]);
    // Files sorted by path; classes in first-seen order.
    expect(annotations.images.map((i) => [i.file, i.boxes.map((b) => b.label)])).toEqual([
      ['many.jpg', ['dog', 'cat']],
      ['one.jpg', ['cat']],
    ]);
    expect(annotations.classes).toEqual(['dog', 'cat']);
    expect(annotations.images[0]?.boxes[1]?.where).toBe('many.xml: object 2');
  });

  it('keeps float coordinates as written, and keeps difficult boxes', async () => {
    const file = await write(
      'floats.xml',
      annotation('f.jpg', object('cat', ['10.5', '20.25', '100.75', '200.125'], '1')),
    );
    const { annotations, problems } = await parseVoc(file);
    expect(problems).toEqual([]);
    expect(annotations.images[0]).toMatchObject({ file: 'f.jpg', width: 640, height: 480 });
    expect(annotations.images[0]?.boxes[0]).toMatchObject({
      x1: 10.5,
      y1: 20.25,
      x2: 100.75,
      y2: 200.125,
    });
  });

  it('decodes entities, numeric references, BOM and an XML declaration', async () => {
    const file = await write(
      'entities.xml',
      annotation(
        'caf&#233; &amp; &lt;1&gt;.jpg',
        object('a&lt;b&amp;c &#x1F99D;', ['1', '2', '3', '4']),
        '\uFEFF<?xml version="1.0" encoding="utf-8"?>\n',
      ),
    );
    const { annotations, problems } = await parseVoc(file);
    expect(problems).toEqual([]);
    expect(annotations.images[0]?.file).toBe('café & <1>.jpg');
    expect(annotations.classes).toEqual(['a<b&c 🦝']);
  });

  it('places images in the XML subfolder, skips hidden files, refuses two XMLs for one image', async () => {
    await write('tree/sub/a.xml', annotation('a.jpg', ''));
    await write('tree/._a.xml', 'macOS resource fork, not XML');
    await write('tree/a.xml', annotation('sub/a.jpg', ''));
    await write('tree/notes.txt', 'ignored');
    const { annotations, problems } = await parseVoc(path.join(tmp, 'tree'));
    expect(annotations.images.map((i) => i.file)).toEqual(['sub/a.jpg']);
    expect(problems).toEqual([
      expect.objectContaining({
        severity: 'error',
        where: 'sub/a.xml: filename',
        message: expect.stringMatching(/also annotated by a\.xml/),
      }),
    ]);
  });

  it('reports a missing path and a folder without XML files', async () => {
    const missing = await parseVoc(path.join(tmp, 'nope'));
    expect(missing.problems[0]).toMatchObject({
      severity: 'error',
      message: expect.stringMatching(/no such file or folder/),
    });
    await mkdir(path.join(tmp, 'bare'));
    const bare = await parseVoc(path.join(tmp, 'bare'));
    expect(bare.problems[0]).toMatchObject({
      severity: 'error',
      message: expect.stringMatching(/no \.xml annotation files/),
    });
  });

  it('collects problems from every object of every file', async () => {
    await write(
      'multi/a.xml',
      annotation(
        'a.jpg',
        object('cat', ['x', '2', '3', '4']) + object('cat', ['1', '2', '3', 'y']),
      ),
    );
    await write('multi/b.xml', '<annotation><filename>b.jpg</filename>');
    const { problems } = await parseVoc(path.join(tmp, 'multi'));
    expect(problems.map((p) => p.where)).toEqual([
      'a.xml: object 1 bndbox/xmin',
      'a.xml: object 2 bndbox/ymax',
      expect.stringMatching(/^b\.xml:\d+(:\d+)?$/),
    ]);
  });
});

describe('parseVoc: encodings, references and DOCTYPEs', () => {
  const one = (name: string, prolog = ''): string =>
    annotation('a.jpg', object(name, ['1', '2', '3', '4']), prolog);
  const errors = (problems: { severity: string }[]): unknown[] =>
    problems.filter((p) => p.severity === 'error');

  it('decodes the bytes by the declared encoding, a BOM winning over the declaration', async () => {
    const dir = 'encodings';
    await write(
      `${dir}/latin1.xml`,
      Buffer.from(one('café', '<?xml version="1.0" encoding="ISO-8859-1"?>\n'), 'latin1'),
    );
    // windows-1252 puts € at 0x80, where ISO-8859-1 has a control.
    const cp1252 = one('x€', "<?xml version='1.0' encoding='windows-1252'?>\n");
    await write(
      `${dir}/cp1252.xml`,
      Buffer.from(cp1252.replace('€', '\x80').replace('a.jpg', 'b.jpg'), 'latin1'),
    );
    // UTF-16 with a BOM, little and big endian.
    const utf16 = one('Waschbär 🦝', '<?xml version="1.0" encoding="UTF-16"?>\n');
    const le = Buffer.from(`\uFEFF${utf16.replace('a.jpg', 'c.jpg')}`, 'utf16le');
    await write(`${dir}/utf16le.xml`, le);
    await write(
      `${dir}/utf16be.xml`,
      Buffer.from(`\uFEFF${utf16.replace('a.jpg', 'd.jpg')}`, 'utf16le').swap16(),
    );
    // A UTF-8 BOM wins over a declaration that says otherwise.
    await write(
      `${dir}/bom.xml`,
      Buffer.from(
        `\uFEFF${one('naïve', '<?xml version="1.0" encoding="ISO-8859-1"?>').replace('a.jpg', 'e.jpg')}`,
      ),
    );
    const { annotations, problems } = await parseVoc(path.join(tmp, dir));
    expect(problems).toEqual([]);
    expect(annotations.images.map((i) => [i.file, i.boxes[0]?.label])).toEqual([
      ['e.jpg', 'naïve'],
      ['b.jpg', 'x€'],
      ['a.jpg', 'café'],
      ['d.jpg', 'Waschbär 🦝'],
      ['c.jpg', 'Waschbär 🦝'],
    ]);
  });

  it('refuses bytes that are not valid in the encoding, naming the file and line', async () => {
    // Latin-1 bytes without a declaration: XML reads UTF-8, and é (0xE9) is not UTF-8.
    const undeclared = await write(
      'bad-default.xml',
      Buffer.from(
        `<annotation>\n<filename>a.jpg</filename>\n${object('café', ['1', '2', '3', '4'])}</annotation>`,
        'latin1',
      ),
    );
    const a = await parseVoc(undeclared);
    expect(a.annotations.images).toEqual([]);
    expect(errors(a.problems)).toEqual([
      {
        severity: 'error',
        where: 'bad-default.xml:3',
        message: expect.stringMatching(
          /not valid UTF-8, the encoding XML assumes when none is declared/,
        ),
      },
    ]);
    const declared = await write(
      'bad-declared.xml',
      Buffer.from(one('café', '<?xml version="1.0" encoding="UTF-8"?>'), 'latin1'),
    );
    expect(errors((await parseVoc(declared)).problems)).toEqual([
      expect.objectContaining({
        where: 'bad-declared.xml:1',
        message: expect.stringMatching(/not valid UTF-8, the encoding it declares/),
      }),
    ]);
    const unknown = await write(
      'unknown.xml',
      one('cat', '<?xml version="1.0" encoding="x-klingon"?>'),
    );
    expect(errors((await parseVoc(unknown)).problems)).toEqual([
      {
        severity: 'error',
        where: 'unknown.xml',
        message: 'declares encoding "x-klingon", which is not known',
      },
    ]);
  });

  it("decodes XML's entities and numeric references, and refuses any other reference", async () => {
    const ok = await write(
      'refs-ok.xml',
      one('&quot;&apos;&lt;&gt;&amp; caf&#233; &#xE9;&#x1F99D;'),
    );
    const good = await parseVoc(ok);
    expect(good.problems).toEqual([]);
    expect(good.annotations.classes).toEqual([`"'<>& café é🦝`]);
    for (const [name, ref, why] of [
      ['undefined', '&foo;', /undefined entity &foo;/],
      ['html', '&nbsp;', /undefined entity &nbsp;/],
      ['nul', '&#0;', /&#0; is not a character XML allows/],
      ['surrogate', '&#xD800;', /&#xD800; is not a character XML allows/],
      ['too-big', '&#x110000;', /&#x110000; is not a character XML allows/],
    ] as const) {
      const file = await write(`refs-${name}.xml`, one(`cat${ref}`));
      const { annotations, problems } = await parseVoc(file);
      expect(annotations.images, name).toEqual([]);
      expect(errors(problems), name).toEqual([
        { severity: 'error', where: `refs-${name}.xml`, message: expect.stringMatching(why) },
      ]);
    }
  });

  it('refuses a DOCTYPE that declares entities or names an external DTD; reads a bare one', async () => {
    const laughs =
      '<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">';
    for (const [name, doctype, name2, why] of [
      [
        'internal',
        '<!DOCTYPE annotation [<!ENTITY cls "cat">]>',
        '&cls;',
        /declares entities \(&cls;\)/,
      ],
      ['laughs', `<!DOCTYPE annotation [\n${laughs}\n]>`, '&c;', /declares entities \(&a;\)/],
      [
        'system',
        '<!DOCTYPE annotation [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
        '&x;',
        /external entity \(&x; SYSTEM\)/,
      ],
      [
        'public',
        '<!DOCTYPE annotation [<!ENTITY x PUBLIC "-//x" "http://x/">]>',
        '&x;',
        /external entity \(&x; PUBLIC\)/,
      ],
      [
        'parameter',
        '<!DOCTYPE annotation [<!ENTITY % p SYSTEM "http://x/">%p;]>',
        'cat',
        /external entity \(%p; SYSTEM\)/,
      ],
      ['dtd', '<!DOCTYPE annotation SYSTEM "http://x/voc.dtd">', 'cat', /names an external DTD/],
    ] as const) {
      const file = await write(
        `doctype-${name}.xml`,
        one(name2, `<?xml version="1.0"?>\n${doctype}\n`),
      );
      const { annotations, problems } = await parseVoc(file);
      expect(annotations.images, name).toEqual([]);
      expect(errors(problems), name).toEqual([
        {
          severity: 'error',
          where: `doctype-${name}.xml:${name === 'laughs' ? 3 : 2}`,
          message: expect.stringMatching(why),
        },
      ]);
    }
    const bare = await parseVoc(
      await write('doctype-bare.xml', one('cat', '<!DOCTYPE annotation>\n')),
    );
    expect(bare.problems).toEqual([]);
    expect(bare.annotations.classes).toEqual(['cat']);
  });
});

describe('exportVoc', () => {
  const set: ExportSet = {
    classes: ['a<b&c', 'Waschbär 🦝'],
    images: [
      {
        file: 'sub dir/x & <y>.jpg',
        width: 640,
        height: 480,
        boxes: [
          { classIndex: 0, x1: 10, y1: 20, x2: 30, y2: 40 },
          { classIndex: 1, x1: 10.5, y1: 20.25, x2: 30.125, y2: 40.0625, score: 0.5 },
        ],
      },
      { file: 'neg.png', width: 100, height: 50, boxes: [] },
    ],
  };

  it('writes LabelImg-style XML, mirroring subfolders, integers as integers', async () => {
    const out = path.join(tmp, 'export');
    expect(await exportVoc(set, out)).toEqual({ files: 2, images: 2, boxes: 2 });
    const xml = await readFile(path.join(out, 'sub dir', 'x & <y>.xml'), 'utf8');
    expect(xml).toContain('<folder>sub dir</folder>');
    expect(xml).toContain('<filename>x &amp; &lt;y&gt;.jpg</filename>');
    expect(xml).toContain('<name>a&lt;b&amp;c</name>');
    expect(xml).toContain('<xmin>10</xmin>');
    expect(xml).toContain('<ymax>40.0625</ymax>');
    expect(xml).toContain('<depth>3</depth>');
    expect(xml).toContain('<pose>Unspecified</pose>');
    const neg = await readFile(path.join(out, 'neg.xml'), 'utf8');
    expect(neg).not.toContain('<object>');
  });

  it('writes coordinates to 4 decimals', async () => {
    const out = path.join(tmp, 'export-decimals');
    await exportVoc(
      {
        classes: ['a'],
        images: [
          {
            file: 'a.jpg',
            width: 100,
            height: 100,
            boxes: [{ classIndex: 0, x1: 1 / 3, y1: 0.1 + 0.2, x2: 50.123456, y2: 60 }],
          },
        ],
      },
      out,
    );
    const xml = await readFile(path.join(out, 'a.xml'), 'utf8');
    expect(xml).toContain('<xmin>0.3333</xmin>');
    expect(xml).toContain('<ymin>0.3</ymin>');
    expect(xml).toContain('<xmax>50.1235</xmax>');
  });

  it('round-trips names, file names and numbers exactly', async () => {
    const out = path.join(tmp, 'export2');
    await exportVoc(set, out);
    const { annotations, problems } = await parseVoc(out);
    expect(problems).toEqual([]);
    expect(annotations.images.map((i) => [i.file, i.width, i.height])).toEqual([
      ['neg.png', 100, 50],
      ['sub dir/x & <y>.jpg', 640, 480],
    ]);
    expect(annotations.images[1]?.boxes.map((b) => [b.label, b.x1, b.y1, b.x2, b.y2])).toEqual([
      ['a<b&c', 10, 20, 30, 40],
      ['Waschbär 🦝', 10.5, 20.25, 30.125, 40.0625],
    ]);
  });

  it('refuses, before writing anything, two images that map to one XML', async () => {
    const out = path.join(tmp, 'collide');
    const clash: ExportSet = {
      classes: ['a'],
      images: [
        { file: 'a.jpg', width: 1, height: 1, boxes: [] },
        { file: 'A.png', width: 1, height: 1, boxes: [] },
      ],
    };
    await expect(exportVoc(clash, out)).rejects.toThrow(/would both be written/);
    await expect(readFile(path.join(out, 'a.xml'))).rejects.toThrow();
  });
});
