import { cp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { encode as encodeBmp } from 'bmp-ts';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { ProjectDb } from '../../../src/core/db/projectDb';
import { makeMixedFolder, type MixedFolder } from '../../helpers/badImages';
import { runShotbox, type CliRun } from '../../helpers/cli';
import { demoPhotos, generatedDir } from '../../helpers/paths';

describe('shotbox import of a folder with good, broken, mis-named and non-image files', () => {
  const work = path.join(generatedDir, 'folder-import');
  const projectFile = path.join(work, 'p.shotbox');
  let folder: MixedFolder;
  let extraValid: string[];
  let run: CliRun;

  beforeAll(async () => {
    await rm(work, { recursive: true, force: true });
    folder = await makeMixedFolder(path.join(work, 'images'));
    const dir = folder.dir;
    const small = sharp(demoPhotos[3]!).resize(320);
    // Every format by content; one JPEG wears a .png name, a PNG has no extension at all.
    const misnamed = path.join(dir, 'actually-a-jpeg.png');
    await small.clone().jpeg().toFile(misnamed);
    const noExt = path.join(dir, 'png-without-extension');
    await small.clone().png().toFile(noExt);
    const webp = path.join(dir, 'photo.webp');
    await small.clone().webp().toFile(webp);
    const tiff = path.join(dir, 'photo.tiff');
    await small.clone().tiff().toFile(tiff);
    const gif = path.join(dir, 'photo.gif');
    await small.clone().gif().toFile(gif);
    const { data, info } = await small
      .clone()
      .ensureAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    const abgr = Buffer.alloc(data.length);
    for (let i = 0; i < data.length; i += 4) {
      abgr[i] = 255;
      abgr[i + 1] = data[i + 2]!;
      abgr[i + 2] = data[i + 1]!;
      abgr[i + 3] = data[i]!;
    }
    const bmp = path.join(dir, 'photo.bmp');
    await writeFile(
      bmp,
      encodeBmp({ data: abgr, width: info.width, height: info.height, bitPP: 24 }).data,
    );
    // Expected neighbours of images: not worth a warning.
    await writeFile(path.join(dir, 'labels.xml'), '<annotation/>');
    await writeFile(path.join(dir, 'README.md'), '# photos');
    // Not expected: a binary that is not an image.
    await writeFile(path.join(dir, 'model.bin'), Buffer.from([1, 2, 3, 4, 5, 6, 7, 8]));
    extraValid = [misnamed, noExt, webp, tiff, gif, bmp];
    run = await runShotbox(['import', dir, '--project', projectFile]);
  });

  it('imports every valid image, whatever its name, and exits 3 because some files were bad', () => {
    expect(run.code).toBe(3);
    const project = ProjectDb.open(projectFile);
    try {
      const paths = project.images.all().map((i) => i.path);
      for (const f of [...folder.valid, ...extraValid]) {
        expect(paths, path.basename(f)).toContain(
          path.relative(folder.dir, f).split(path.sep).join('/'),
        );
      }
      expect(paths).toHaveLength(folder.valid.length + extraValid.length);
      expect(project.integrityCheck()).toBe('ok');
      const formats = Object.fromEntries(project.images.all().map((i) => [i.path, i.format]));
      expect(formats['actually-a-jpeg.png']).toBe('jpeg');
      expect(formats['png-without-extension']).toBe('png');
      expect(formats['photo.bmp']).toBe('bmp');
      // Stored as 1280×1920 with EXIF orientation 6: recorded as displayed.
      const rotated = project.images.byPath('rotated-exif6.jpg')!;
      expect([rotated.width, rotated.height]).toEqual([1920, 1280]);
    } finally {
      project.close();
    }
  });

  it('reports each bad file by name with its reason, and nothing for sidecar files', () => {
    for (const bad of [
      ...folder.bad,
      { file: path.join(folder.dir, 'model.bin'), reason: /not a supported image/ },
    ]) {
      const line = run.stderr.split('\n').find((l) => l.startsWith(`skipped ${bad.file}:`));
      expect(line, path.basename(bad.file)).toBeDefined();
      expect(line).toMatch(bad.reason);
    }
    expect(run.stderr).not.toMatch(/labels\.xml|README\.md/);
    expect(run.stderr).toMatch(
      /import: 14 images added, 0 already in the project, 0 identical to another, 4 unreadable/,
    );
  });

  it('a detect job over the folder (one decode per new file) records the same images, each detected, and refuses the same files for the same reasons', async () => {
    const detected = path.join(work, 'detected.shotbox');
    const det = await runShotbox(['detect', folder.dir, '--project', detected, '--quiet']);
    expect(det.code, det.stderr).toBe(3);
    const images = (file: string) => {
      const project = ProjectDb.open(file);
      try {
        const rows = project.images.all().map(({ path, sha256, bytes, width, height, format }) => ({
          path,
          sha256,
          bytes,
          width,
          height,
          format,
          fingerprint: project.images.fingerprints().get(path),
        }));
        const done = project.images
          .all()
          .filter((i) => i.status === 'predicted' || i.status === 'nothing-found').length;
        return { rows, done };
      } finally {
        project.close();
      }
    };
    const imported = images(projectFile);
    const viaDetect = images(detected);
    expect(viaDetect.rows).toHaveLength(14);
    expect(viaDetect.rows).toEqual(imported.rows);
    expect(viaDetect.done, 'every recorded image was detected').toBe(14);

    const rel = (abs: string) => path.relative(folder.dir, abs).split(path.sep).join('/');
    const reasons = (stderr: string, prefix: string, toRel: (f: string) => string) =>
      Object.fromEntries(
        stderr
          .split('\n')
          .filter((l) => l.startsWith(prefix))
          .map((l) => {
            const [file, ...reason] = l.slice(prefix.length).split(': ');
            return [toRel(file!), reason.join(': ')];
          }),
      );
    const refusedByImport = reasons(run.stderr, 'skipped ', rel);
    expect(Object.keys(refusedByImport)).toHaveLength(4);
    expect(reasons(det.stderr, 'failed ', (f) => f)).toEqual(refusedByImport);
    expect(det.stderr).toMatch(/^detect: 14 images, .*, 4 failed/m);
  });

  it('re-importing adds only what is new', async () => {
    await cp(demoPhotos[5]!, path.join(folder.dir, 'new-photo.jpg'));
    const again = await runShotbox(['import', folder.dir, '--project', projectFile, '--quiet']);
    expect(again.stderr).toMatch(/import: 1 images added, 14 already in the project/);
  });

  it('a moved image folder is found again after `shotbox relocate`', async () => {
    const moved = path.join(work, 'moved-images');
    await rename(folder.dir, moved);
    const wrong = await runShotbox(['relocate', '--project', projectFile, '--image-root', work]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/none of the project's images is under/);
    const ok = await runShotbox(['relocate', '--project', projectFile, '--image-root', moved]);
    expect(ok.code).toBe(0);
    const project = ProjectDb.open(projectFile);
    try {
      const first = project.images.all()[0]!;
      expect((await readFile(project.imagePath(first.path))).length).toBe(first.bytes);
    } finally {
      project.close();
    }
    await rename(moved, folder.dir);
  });

  it('refuses a folder outside the image root and a project file that is not a project', async () => {
    const outside = await runShotbox([
      'import',
      path.dirname(demoPhotos[0]!),
      '--project',
      projectFile,
    ]);
    expect(outside.code).toBe(1);
    expect(outside.stderr).toMatch(/outside the project's image root/);
    const notProject = path.join(work, 'notes.shotbox');
    await writeFile(
      notProject,
      'just text, not an SQLite database, but long enough to be read as a header',
    );
    const bad = await runShotbox(['stats', '--project', notProject]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/not a Shotbox project/);
  });
});
