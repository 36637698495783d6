import { cp, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, dispatch, type Backend } from '../../../src/core/api/backend';
import { ProjectDb } from '../../../src/core/db/projectDb';
import type { ImageStatus } from '../../../src/shared/project/types';
import { runShotbox } from '../../helpers/cli';
import { demoPhotos, generatedDir } from '../../helpers/paths';

// Issue 7 acceptance: images walked through never run → nothing found / pending → reviewed, once
// through the CLI and once through the API (dispatch: what both the Electron and browser shells
// call). The state is core's; neither shell computes it.

async function writeBlank(file: string): Promise<void> {
  await sharp({ create: { width: 640, height: 480, channels: 3, background: '#808080' } })
    .jpeg()
    .toFile(file);
}

describe('image states through the CLI', () => {
  const work = path.join(generatedDir, 'image-states-cli');
  const images = path.join(work, 'images');
  const projectFile = path.join(work, 'states.shotbox');
  const statusOf = (name: string): ImageStatus => {
    const project = ProjectDb.open(projectFile);
    try {
      return project.images.byPath(name)!.status;
    } finally {
      project.close();
    }
  };

  beforeAll(async () => {
    await rm(work, { recursive: true, force: true });
    await mkdir(images, { recursive: true });
    await writeBlank(path.join(images, 'blank.jpg'));
    await cp(demoPhotos[0]!, path.join(images, 'face.jpg'));
  });

  it('never run → nothing found / pending → reviewed', async () => {
    const imported = await runShotbox(['import', images, '--project', projectFile, '--quiet']);
    expect(imported.code, imported.stderr).toBe(0);
    expect(statusOf('blank.jpg')).toBe('unreviewed');
    expect(statusOf('face.jpg')).toBe('unreviewed');

    const detected = await runShotbox(['detect', '--project', projectFile, '--quiet']);
    expect(detected.code, detected.stderr).toBe(0);
    expect(statusOf('blank.jpg')).toBe('nothing-found');
    expect(statusOf('face.jpg')).toBe('predicted');
    const stats = await runShotbox(['stats', '--project', projectFile, '--json']);
    expect(JSON.parse(stats.stdout)).toMatchObject({
      imagesByStatus: { unreviewed: 0, 'nothing-found': 1, predicted: 1, reviewed: 0 },
      imagesNeverReviewed: 2,
    });

    const reviewed = await runShotbox([
      'review',
      'blank.jpg',
      'face.jpg',
      '--project',
      projectFile,
    ]);
    expect(reviewed.code, reviewed.stderr).toBe(0);
    expect(reviewed.stderr).toMatch(/review: blank\.jpg reviewed\n/);
    expect(reviewed.stderr).toMatch(/review: face\.jpg reviewed \(3 pending boxes rejected\)/);
    expect(statusOf('blank.jpg')).toBe('reviewed');
    expect(statusOf('face.jpg')).toBe('reviewed');

    // Detecting again: reviewed images are skipped; included on request, the rejected faces are
    // found again and merged away, so the image stays reviewed.
    const skipped = await runShotbox(['detect', '--project', projectFile, '--quiet']);
    expect(skipped.stderr).toMatch(/detect: 0 images, .*2 reviewed images skipped/);
    const again = await runShotbox([
      'detect',
      '--project',
      projectFile,
      '--include-reviewed',
      '--quiet',
    ]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/detect: 2 images, 0 detections stored as pending, 3 merged away/);
    expect(statusOf('face.jpg')).toBe('reviewed');

    const unknown = await runShotbox(['review', 'nope.jpg', '--project', projectFile]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/image 'nope\.jpg' is not in the project/);
  });
});

describe('image states through the API', () => {
  const work = path.join(generatedDir, 'image-states-api');
  const images = path.join(work, 'images');
  let project: ProjectDb;
  let backend: Backend;
  const call = (method: string, request: unknown): Promise<unknown> =>
    dispatch(backend, method, request);

  beforeAll(async () => {
    await rm(work, { recursive: true, force: true });
    await mkdir(images, { recursive: true });
    await writeBlank(path.join(images, 'blank.jpg'));
    await cp(demoPhotos[1]!, path.join(images, 'face.jpg'));
    const imported = await runShotbox([
      'import',
      images,
      '--project',
      path.join(work, 'p.shotbox'),
      '--quiet',
    ]);
    expect(imported.code, imported.stderr).toBe(0);
    project = ProjectDb.open(path.join(work, 'p.shotbox'));
    backend = createBackend({ shell: 'browser', version: 'test', project });
  });
  afterAll(async () => {
    await backend?.dispose();
    project?.close();
  });

  it('never run → nothing found / pending → reviewed, and undo walks back', async () => {
    const blank = project.images.byPath('blank.jpg')!.id;
    const face = project.images.byPath('face.jpg')!.id;
    const state = async (imageId: number): Promise<ImageStatus> =>
      ((await call('getImage', { imageId })) as { image: { status: ImageStatus } }).image.status;
    expect(await state(blank)).toBe('unreviewed');

    const none = (await call('detectImage', { imageId: blank })) as {
      image: { status: string };
      stored: number;
    };
    expect(none).toMatchObject({ stored: 0, image: { status: 'nothing-found' } });

    const found = (await call('detectImage', { imageId: face })) as {
      image: { status: string; pendingCount: number };
      stored: number;
    };
    expect(found.stored).toBeGreaterThan(0);
    expect(found.image).toMatchObject({ status: 'predicted', pendingCount: found.stored });

    // Accepting one box leaves the others pending: still 'predicted'.
    const first = project.annotations.ofImage(face)[0]!;
    const accepted = (await call('updateAnnotations', {
      ids: [first.id],
      patch: { review: 'accepted' },
    })) as { images: { id: number; status: string }[] };
    expect(accepted.images).toMatchObject([{ id: face, status: 'predicted' }]);

    const marked = (await call('markReviewed', { imageId: face })) as {
      image: { status: string; pendingCount: number };
      rejected: number;
    };
    expect(marked).toMatchObject({
      rejected: found.stored - 1,
      image: { status: 'reviewed', pendingCount: 0 },
    });
    const blankMarked = (await call('markReviewed', { imageId: blank })) as {
      image: { status: string };
    };
    expect(blankMarked.image.status).toBe('reviewed');

    // Mark reviewed is an undo step of its own; undo returns the states it changes.
    const undo = (await call('undo', {})) as { label: string; images: { status: string }[] };
    expect(undo).toMatchObject({ label: 'mark reviewed', images: [{ status: 'nothing-found' }] });
    const undo2 = (await call('undo', {})) as { images: { id: number; status: string }[] };
    expect(undo2.images).toMatchObject([{ id: face, status: 'predicted' }]);
  });
});
