import { cp, mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runShotbox } from '../../helpers/cli';
import { demoPhotos, generatedDir } from '../../helpers/paths';

// Boxes of a label file that cannot be used (empty, no bbox, on an image the project does not
// have) are inputs that failed: the import goes on with the rest, counts them in its summary and
// exits 3, as the README's exit codes say. Boxes left out by design (a crowd region, a box
// already imported) are not failures.

const work = path.join(generatedDir, 'skipped-boxes');
const images = path.join(work, 'images');

interface Annotation {
  id: number;
  image_id: number;
  category_id: number;
  bbox?: number[];
  segmentation?: number[][];
  iscrowd?: number;
  area?: number;
}

async function cocoFile(name: string, annotations: Annotation[], extraImages = 0) {
  const file = path.join(work, name);
  await writeFile(
    file,
    JSON.stringify({
      images: [
        { id: 1, file_name: 'a.jpg', width: 1920, height: 1280 },
        ...Array.from({ length: extraImages }, (_, k) => ({
          id: 100 + k,
          file_name: `missing-${k}.jpg`,
          width: 640,
          height: 480,
        })),
      ],
      categories: [{ id: 1, name: 'face' }],
      annotations,
    }),
  );
  return file;
}

const box = (id: number, bbox: number[], extra: Partial<Annotation> = {}): Annotation => ({
  id,
  image_id: 1,
  category_id: 1,
  bbox,
  area: bbox[2]! * bbox[3]!,
  iscrowd: 0,
  ...extra,
});

async function importInto(project: string, labels: string) {
  return runShotbox(['import', images, '--project', project, '--annotations', labels]);
}

describe('import: boxes that cannot be used', () => {
  beforeAll(async () => {
    await rm(work, { recursive: true, force: true });
    await mkdir(images, { recursive: true });
    await cp(demoPhotos[0]!, path.join(images, 'a.jpg'));
  });

  it('are skipped and counted, the rest is imported, and the exit code is 3', async () => {
    const labels = await cocoFile(
      'some-bad.json',
      [
        box(1, [10, 10, 50, 50]),
        box(2, [10, 10, 0, 50]), // empty
        { id: 3, image_id: 1, category_id: 1, segmentation: [[1, 1, 9, 1, 9, 9]] }, // no bbox
        box(4, [200, 200, 40, 40], { iscrowd: 1 }), // a crowd region: left out by design
        { ...box(5, [5, 5, 20, 20]), image_id: 100 }, // on an image the project does not have
        { ...box(6, [5, 5, 30, 20]), image_id: 100 },
      ],
      1,
    );
    const run = await importInto(path.join(work, 'some.shotbox'), labels);
    expect(run.code, run.stderr).toBe(3);
    expect(run.stderr).toMatch(
      /^import: 1 images added, .*, 1 boxes on 1 images, 4 boxes skipped \(cannot be used: see the warnings\), \d+ warning\(s\)/m,
    );
    expect(run.stderr).toContain('empty or negative box (width 0, height 50) skipped');
    expect(run.stderr).toContain('segmentation-only annotation without bbox skipped');
    expect(run.stderr).toMatch(/missing-0\.jpg' is not in the project; its 2 box\(es\) skipped/);

    // Imported again: the good box is already present and nothing else changed; still exit 3.
    const again = await importInto(path.join(work, 'some.shotbox'), labels);
    expect(again.code, again.stderr).toBe(3);
    expect(again.stderr).toMatch(/0 boxes on 1 images \(1 already present\), 4 boxes skipped/);
  });

  it('counts them beyond the warnings it lists', async () => {
    const many = Array.from({ length: 250 }, (_, k) => box(k + 2, [k, 0, 0, 10]));
    const labels = await cocoFile('many-bad.json', [box(1, [10, 10, 50, 50]), ...many]);
    const run = await importInto(path.join(work, 'many.shotbox'), labels);
    expect(run.code, run.stderr).toBe(3);
    expect(run.stderr).toMatch(/, 250 boxes skipped \(cannot be used/);
  });

  it('a crowd region or a box already present alone leaves the exit code 0', async () => {
    const labels = await cocoFile('crowd.json', [
      box(1, [10, 10, 50, 50]),
      box(2, [200, 200, 40, 40], { iscrowd: 1 }),
    ]);
    const project = path.join(work, 'crowd.shotbox');
    const first = await importInto(project, labels);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toContain('crowd annotation (iscrowd=1) skipped');
    expect(first.stderr).not.toContain('boxes skipped');
    const again = await importInto(project, labels);
    expect(again.code, again.stderr).toBe(0);
  });
});
