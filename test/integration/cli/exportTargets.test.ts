import { copyFile, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runShotbox } from '../../helpers/cli';
import { generatedDir, raccoonDir } from '../../helpers/paths';

// Exports whose file names sit at the file system's limit (255 bytes on ext4), whose --out is
// the wrong kind of path, and that fail part-way: each runs the real `shotbox` as a process.
const dir = path.join(generatedDir, 'cli-export-targets');
const raccoonImages = path.join(raccoonDir, 'images');
const raccoonXml = path.join(raccoonDir, 'annotations');

/** A 254-byte image name: its label files (.xml, .txt) are 254 bytes too, one under the limit. */
const longStem = 'r'.repeat(250);
const longImage = `${longStem}.jpg`;

/** Every file under `root`, relative, sorted (temp files included: none may be left). */
async function filesUnder(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(root, path.join(e.parentPath, e.name)))
    .sort();
}

/** A labelled project of two raccoon photos, one under the 254-byte name. */
async function longNameProject(): Promise<string> {
  const images = path.join(dir, 'long', 'images');
  const labels = path.join(dir, 'long', 'labels');
  await mkdir(images, { recursive: true });
  await mkdir(labels, { recursive: true });
  const photos: [string, string][] = [
    ['raccoon-1', longStem],
    ['raccoon-2', 'short'],
  ];
  for (const [from, stem] of photos) {
    await copyFile(path.join(raccoonImages, `${from}.jpg`), path.join(images, `${stem}.jpg`));
    const xml = await readFile(path.join(raccoonXml, `${from}.xml`), 'utf8');
    await writeFile(
      path.join(labels, `${stem}.xml`),
      xml.replace(/<filename>[^<]*<\/filename>/, `<filename>${stem}.jpg</filename>`),
    );
  }
  const project = path.join(dir, 'long', 'p.shotbox');
  const run = await runShotbox(['import', images, '--project', project, '--annotations', labels]);
  expect(run.code, run.stderr).toBe(0);
  expect(run.stderr).toMatch(/2 images added.*2 boxes on 2 images/);
  return project;
}

beforeAll(async () => {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
});

describe('shotbox export: image names at the file-name limit', () => {
  it('writes VOC, YOLO and COCO for a 254-byte image name, every file present', async () => {
    const project = await longNameProject();

    // Into a folder that already holds a file: written into, the file kept (as before).
    const voc = path.join(dir, 'long', 'voc');
    await mkdir(voc, { recursive: true });
    await writeFile(path.join(voc, 'notes.txt'), 'mine\n');
    const vocRun = await runShotbox([
      'export',
      '--project',
      project,
      '--format',
      'voc',
      '--out',
      voc,
    ]);
    expect(vocRun.code, vocRun.stderr).toBe(0);
    expect(await filesUnder(voc)).toEqual(['notes.txt', `${longStem}.xml`, 'short.xml']);
    const xml = await readFile(path.join(voc, `${longStem}.xml`), 'utf8');
    expect(xml).toContain(`<filename>${longImage}</filename>`);
    expect(xml).toContain('<name>raccoon</name>');

    const yolo = path.join(dir, 'long', 'yolo');
    const yoloRun = await runShotbox([
      'export',
      '--project',
      project,
      '--format',
      'yolo',
      '--out',
      yolo,
    ]);
    expect(yoloRun.code, yoloRun.stderr).toBe(0);
    expect(await filesUnder(yolo)).toEqual([
      'classes.txt',
      'data.yaml',
      path.join('labels', `${longStem}.txt`),
      path.join('labels', 'short.txt'),
    ]);
    expect(await readFile(path.join(yolo, 'labels', `${longStem}.txt`), 'utf8')).toMatch(
      /^0 [\d.]+ [\d.]+ [\d.]+ [\d.]+\n$/,
    );

    // A COCO file whose own name is 255 bytes.
    const cocoName = `${'c'.repeat(250)}.json`;
    const cocoRun = await runShotbox([
      'export',
      '--project',
      project,
      '--format',
      'coco',
      '--out',
      path.join(dir, 'long', cocoName),
    ]);
    expect(cocoRun.code, cocoRun.stderr).toBe(0);
    const coco = JSON.parse(await readFile(path.join(dir, 'long', cocoName), 'utf8')) as {
      images: { file_name: string }[];
    };
    expect(coco.images.map((i) => i.file_name).sort()).toEqual([longImage, 'short.jpg']);
  });

  it('writes nothing when one label file cannot be made, and names that file', async () => {
    // A 255-byte image name without an extension (content decides what is an image): its
    // label file would be 259 bytes, which no ext4 folder can hold. `a.jpg` comes first.
    const images = path.join(dir, 'too-long', 'images');
    await mkdir(images, { recursive: true });
    const stem = 'z'.repeat(255);
    await copyFile(path.join(raccoonImages, 'raccoon-3.jpg'), path.join(images, stem));
    await copyFile(path.join(raccoonImages, 'raccoon-2.jpg'), path.join(images, 'a.jpg'));
    const project = path.join(dir, 'too-long', 'p.shotbox');
    const imported = await runShotbox(['import', images, '--project', project, '--quiet']);
    expect(imported.code, imported.stderr).toBe(0);

    const voc = path.join(dir, 'too-long', 'voc');
    const vocRun = await runShotbox([
      'export',
      '--project',
      project,
      '--format',
      'voc',
      '--out',
      voc,
      '--include-unreviewed',
    ]);
    expect(vocRun.code).toBe(1);
    expect(vocRun.stderr.trim()).toBe(
      `shotbox: cannot write ${path.join(voc, `${stem}.xml`)}: the name is too long for the file system (ENAMETOOLONG); nothing was written`,
    );
    expect(existsSync(voc), 'no VOC folder that looks like an export').toBe(false);

    // Into an existing folder: what was there stays, nothing is added.
    const yolo = path.join(dir, 'too-long', 'yolo');
    await mkdir(yolo, { recursive: true });
    await writeFile(path.join(yolo, 'notes.txt'), 'mine\n');
    const yoloRun = await runShotbox([
      'export',
      '--project',
      project,
      '--format',
      'yolo',
      '--out',
      yolo,
      '--include-unreviewed',
    ]);
    expect(yoloRun.code).toBe(1);
    expect(yoloRun.stderr).toContain(
      `cannot write ${path.join(yolo, 'labels', `${stem}.txt`)}: the name is too long`,
    );
    expect(yoloRun.stderr).not.toMatch(/ENAMETOOLONG: name too long/);
    expect(await filesUnder(yolo)).toEqual(['notes.txt']);
    expect(existsSync(path.join(yolo, 'labels'))).toBe(false);
  });
});

describe('shotbox export: --out of the wrong kind', () => {
  let project: string;
  beforeAll(async () => {
    project = path.join(dir, 'kinds', 'p.shotbox');
    const run = await runShotbox([
      'import',
      raccoonImages,
      '--project',
      project,
      '--annotations',
      raccoonXml,
      '--quiet',
    ]);
    expect(run.code, run.stderr).toBe(0);
  });

  it('refuses a file as the folder of a VOC or YOLO export, leaving the file alone', async () => {
    const file = path.join(dir, 'kinds', 'labels.json');
    await writeFile(file, '{"mine": true}\n');
    for (const [format, name] of [
      ['voc', 'VOC'],
      ['yolo', 'YOLO'],
    ] as const) {
      const run = await runShotbox([
        'export',
        '--project',
        project,
        '--format',
        format,
        '--out',
        file,
      ]);
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr.trim()).toBe(
        `shotbox: --out ${file} is a file; ${name} export writes a folder`,
      );
    }
    const below = path.join(file, 'voc');
    const nested = await runShotbox([
      'export',
      '--project',
      project,
      '--format',
      'voc',
      '--out',
      below,
    ]);
    expect(nested.code).toBe(2);
    expect(nested.stderr.trim()).toBe(
      `shotbox: --out ${below} cannot be made: ${file} is a file, not a folder`,
    );
    expect(await readFile(file, 'utf8')).toBe('{"mine": true}\n');
    expect(await filesUnder(path.join(dir, 'kinds'))).not.toContainEqual(
      expect.stringMatching(/\.tmp$/),
    );
  });

  it('refuses a folder as the file of a COCO export, leaving the folder alone', async () => {
    const folder = path.join(dir, 'kinds', 'out-folder');
    await mkdir(folder, { recursive: true });
    await writeFile(path.join(folder, 'notes.txt'), 'mine\n');
    const run = await runShotbox([
      'export',
      '--project',
      project,
      '--format',
      'coco',
      '--out',
      folder,
    ]);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr.trim()).toBe(
      `shotbox: --out ${folder} is a folder; COCO export writes one .json file (e.g. ${path.join(folder, 'labels.json')})`,
    );
    expect(await filesUnder(folder)).toEqual(['notes.txt']);
  });
});
