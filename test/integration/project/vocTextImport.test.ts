import { cp, mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProjectDb } from '../../../src/core/db/projectDb';
import { parseVoc } from '../../../src/core/formats/voc';
import {
  AnnotationImportError,
  importParsedAnnotations,
} from '../../../src/core/project/importAnnotations';
import { importFolder } from '../../../src/core/project/importFolder';
import { runShotbox } from '../../helpers/cli';
import { demoPhotos, generatedDir } from '../../helpers/paths';

// Class and file names in VOC XML reach the project as the file spells them: decoded by the
// file's encoding, entities as XML defines them, and a file that cannot be read so is refused
// by name, leaving the project as it was. Real photos, a real project file, the real CLI.

const work = path.join(generatedDir, 'voc-text-import');
const images = path.join(work, 'images');
const projectFile = path.join(work, 'p.shotbox');

function xml(file: string, name: string, prolog = ''): string {
  return `${prolog}<annotation><filename>${file}</filename><object><name>${name}</name><bndbox><xmin>10</xmin><ymin>10</ymin><xmax>60</xmax><ymax>50</ymax></bndbox></object></annotation>`;
}

async function labels(dir: string, files: Record<string, Uint8Array | string>): Promise<string> {
  const out = path.join(work, dir);
  await rm(out, { recursive: true, force: true });
  await mkdir(out, { recursive: true });
  for (const [name, bytes] of Object.entries(files)) await writeFile(path.join(out, name), bytes);
  return out;
}

function classNames(project: ProjectDb): string[] {
  return project.classes.list().map((c) => c.name);
}

describe('VOC text reaches the project as the file means it', () => {
  let project: ProjectDb;

  beforeAll(async () => {
    await rm(work, { recursive: true, force: true });
    await mkdir(images, { recursive: true });
    await cp(demoPhotos[0]!, path.join(images, 'café.jpg'));
    await cp(demoPhotos[1]!, path.join(images, 'b.jpg'));
    project = ProjectDb.create(projectFile, images);
    await importFolder(project, images);
  });
  afterAll(() => project.close());

  it('Latin-1, windows-1252 and UTF-16 files import with their accents intact', async () => {
    const dir = await labels('encoded', {
      // The file name is Latin-1 too: it must still find café.jpg.
      'a.xml': Buffer.from(
        xml('café.jpg', 'Waschbär', '<?xml version="1.0" encoding="ISO-8859-1"?>\n'),
        'latin1',
      ),
      'b.xml': Buffer.concat([
        Buffer.from([0xff, 0xfe]),
        Buffer.from(
          xml('b.jpg', 'naïve 🦝', '<?xml version="1.0" encoding="UTF-16"?>\n'),
          'utf16le',
        ),
      ]),
    });
    const report = importParsedAnnotations(project, await parseVoc(dir));
    expect(report).toMatchObject({ images: 2, boxes: 2, warnings: [] });
    expect(classNames(project)).toEqual(['Waschbär', 'naïve 🦝']);
    const cafe = project.images.all().find((i) => i.path === 'café.jpg')!;
    expect(project.annotations.ofImage(cafe.id)).toHaveLength(1);
  });

  it('invalid UTF-8, an undefined entity, a DOCTYPE with entities: refused, naming the file', async () => {
    const before = JSON.stringify([classNames(project), project.stats()]);
    const cases: [string, Uint8Array | string, RegExp][] = [
      [
        'latin1-undeclared.xml',
        Buffer.from(xml('b.jpg', 'Dackel süß'), 'latin1'),
        /latin1-undeclared\.xml:1: not valid UTF-8, the encoding XML assumes when none is declared/,
      ],
      ['entity.xml', xml('b.jpg', 'dog&foo;'), /entity\.xml: broken XML: undefined entity &foo;/],
      [
        'laughs.xml',
        xml(
          'b.jpg',
          '&c;',
          '<!DOCTYPE annotation [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>',
        ),
        /laughs\.xml:1: the DOCTYPE declares entities \(&a;\)/,
      ],
      [
        'xxe.xml',
        xml('b.jpg', '&x;', '<!DOCTYPE annotation [<!ENTITY x SYSTEM "file:///etc/passwd">]>'),
        /xxe\.xml:1: the DOCTYPE declares an external entity \(&x; SYSTEM\)/,
      ],
    ];
    for (const [name, bytes, message] of cases) {
      // One bad file among good ones refuses the import, as any other error does.
      const dir = await labels(`bad-${name}`, {
        'good.xml': xml('café.jpg', 'raccoon'),
        [name]: bytes,
      });
      let error: unknown;
      try {
        importParsedAnnotations(project, await parseVoc(dir));
      } catch (err) {
        error = err;
      }
      expect(error, name).toBeInstanceOf(AnnotationImportError);
      expect((error as Error).message, name).toMatch(/import refused, the project is unchanged/);
      expect((error as Error).message, name).toMatch(message);
      expect(JSON.stringify([classNames(project), project.stats()]), name).toBe(before);
    }
  });

  it('through the CLI: a single UTF-16 file is recognised as VOC and imported', async () => {
    project.close();
    const file = path.join(work, 'utf16be.xml');
    await writeFile(file, Buffer.from(`\uFEFF${xml('b.jpg', 'Straße')}`, 'utf16le').swap16());
    const run = await runShotbox([
      'import',
      images,
      '--project',
      projectFile,
      '--annotations',
      file,
    ]);
    project = ProjectDb.open(projectFile);
    expect(run.code, run.stderr).toBe(0);
    expect(classNames(project)).toContain('Straße');
  }, 60_000);
});
