import { cp, mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProjectDb } from '../../../src/core/db/projectDb';
import { parseVoc } from '../../../src/core/formats/voc';
import { importParsedAnnotations } from '../../../src/core/project/importAnnotations';
import { importFolder } from '../../../src/core/project/importFolder';
import { demoPhotos, generatedDir } from '../../helpers/paths';

// A file that gives one box twice: stored once, and said so as the file's own repeat, so that
// "already present" keeps meaning "imported before". A real photo, a real project file.

const work = path.join(generatedDir, 'repeated-boxes');

function object(name: string, [x1, y1, x2, y2]: number[]): string {
  return `<object><name>${name}</name><bndbox><xmin>${x1}</xmin><ymin>${y1}</ymin><xmax>${x2}</xmax><ymax>${y2}</ymax></bndbox></object>`;
}

describe('a box repeated within one file', () => {
  let project: ProjectDb;
  let xml: string;

  beforeAll(async () => {
    await rm(work, { recursive: true, force: true });
    await mkdir(path.join(work, 'images'), { recursive: true });
    await cp(demoPhotos[0]!, path.join(work, 'images', 'a.jpg'));
    project = ProjectDb.create(path.join(work, 'p.shotbox'), path.join(work, 'images'));
    await importFolder(project, path.join(work, 'images'));
    xml = path.join(work, 'a.xml');
    const box = [10, 20, 60, 80];
    await writeFile(
      xml,
      `<annotation><filename>a.jpg</filename>${object('cat', box)}${object('dog', box)}${object('cat', box)}</annotation>`,
    );
  });
  afterAll(() => project.close());

  it('is stored once and reported as a repeat in the file, not as already present', async () => {
    const report = importParsedAnnotations(project, await parseVoc(xml));
    expect(report).toMatchObject({ boxes: 2, alreadyPresent: 0 });
    expect(report.warnings).toEqual([
      {
        severity: 'warning',
        where: 'a.xml: object 3',
        message:
          'the same box as a.xml: object 1 (class and coordinates) in the same file: kept once',
      },
    ]);
    const image = project.images.all()[0]!;
    expect(project.annotations.ofImage(image.id)).toHaveLength(2);

    // Imported again: now both boxes are already present, and the repeat is still the file's.
    const again = importParsedAnnotations(project, await parseVoc(xml));
    expect(again).toMatchObject({ boxes: 0, alreadyPresent: 2 });
    expect(again.warnings.map((w) => w.where)).toEqual(['a.xml: object 3']);
    expect(project.annotations.ofImage(image.id)).toHaveLength(2);
  });
});
