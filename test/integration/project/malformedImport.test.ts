import { cp, mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProjectDb } from '../../../src/core/db/projectDb';
import type { AnnotationFormat, ParseResult } from '../../../src/core/formats/annotationSet';
import { parseCoco } from '../../../src/core/formats/coco';
import { parseVoc } from '../../../src/core/formats/voc';
import { parseYolo } from '../../../src/core/formats/yolo';
import {
  AnnotationImportError,
  importParsedAnnotations,
} from '../../../src/core/project/importAnnotations';
import { importFolder } from '../../../src/core/project/importFolder';
import { runShotbox } from '../../helpers/cli';
import { demoPhotos, generatedDir, raccoonDir, repoRoot } from '../../helpers/paths';

const corpus = path.join(repoRoot, 'test', 'fixtures', 'malformed');
const parse: Record<AnnotationFormat, (p: string) => Promise<ParseResult>> = {
  coco: parseCoco,
  voc: parseVoc,
  yolo: (p) => parseYolo(p),
};

/** Everything a person could lose: every class and annotation row, and the counts. */
function snapshot(project: ProjectDb): string {
  const rows = project.images.all().map((i) => [i.path, project.annotations.ofImage(i.id)]);
  return JSON.stringify({ stats: project.stats(), classes: project.classes.list(), rows });
}

describe('malformed label files are refused and leave the project unchanged', () => {
  const work = path.join(generatedDir, 'malformed');
  const file = path.join(work, 'p.shotbox');
  let project: ProjectDb;
  let before: string;

  beforeAll(async () => {
    await rm(work, { recursive: true, force: true });
    await mkdir(path.join(work, 'images'), { recursive: true });
    for (const p of demoPhotos.slice(0, 2))
      await cp(p, path.join(work, 'images', path.basename(p)));
    project = ProjectDb.create(file, path.join(work, 'images'));
    await importFolder(project, path.join(work, 'images'));
    // Real labels already in the project: a failed import must not touch them.
    const voc = await parseVoc(path.join(raccoonDir, 'annotations', 'raccoon-1.xml'));
    voc.annotations.images[0]!.file = 'sample1.jpg';
    importParsedAnnotations(project, voc);
    before = snapshot(project);
  });
  afterAll(() => project.close());

  for (const format of ['coco', 'voc', 'yolo'] as const) {
    it(`${format}: every error case is refused with a message naming the file`, async () => {
      const cases = (await readdir(path.join(corpus, format))).filter(
        (n) => !n.startsWith('warn-'),
      );
      expect(cases.length).toBeGreaterThan(10);
      for (const name of cases) {
        const result = await parse[format](path.join(corpus, format, name));
        let error: unknown;
        try {
          importParsedAnnotations(project, result);
        } catch (err) {
          error = err;
        }
        expect(error, name).toBeInstanceOf(AnnotationImportError);
        const message = (error as Error).message;
        expect(message, name).toMatch(/import refused, the project is unchanged/);
        expect(message, name).toContain(
          name
            .replace(/\.txt$/, '')
            .split('/')[0]!
            .replace(/\.(json|xml)$/, ''),
        );
        expect(snapshot(project), `${name} changed the project`).toBe(before);
      }
      expect(project.integrityCheck()).toBe('ok');
    });
  }

  it('through the CLI: exit 1, every problem listed, nothing written', async () => {
    project.close();
    const run = await runShotbox([
      'import',
      path.join(work, 'images'),
      '--project',
      file,
      '--annotations',
      path.join(corpus, 'coco', 'dangling-image-id.json'),
      '--format',
      'coco',
    ]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/import refused, the project is unchanged: 1 error/);
    expect(run.stderr).toMatch(/dangling-image-id\.json: annotations\[\d+\]\.image_id/);
    project = ProjectDb.open(file);
    expect(snapshot(project)).toBe(before);
  });

  it('broken XML names the line; a file name with a NUL character is refused', async () => {
    const broken = await parseVoc(path.join(corpus, 'voc', 'broken-xml.xml'));
    expect(broken.problems.find((p) => p.severity === 'error')?.where).toMatch(
      /broken-xml\.xml:\d+:\d+/,
    );
    const nul = await parseCoco(path.join(corpus, 'coco', 'nul-file-name.json'));
    expect(nul.problems.some((p) => p.severity === 'error' && /NUL/.test(p.message))).toBe(true);
  });
});
