import { rm } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ProjectDb } from '../../../src/core/db/projectDb';
import { runShotbox } from '../../helpers/cli';
import { createBackend, dispatch } from '../../../src/core/api/backend';
import type { ImagePage } from '../../../src/shared/api/contract';
import { generatedDir, raccoonDir } from '../../helpers/paths';

// Splits on the real raccoon data: it holds four pairs of byte-identical photos, which must never
// sit in two splits (a test image seen in training inflates every score).

const work = path.join(generatedDir, 'splits');
const projectFile = path.join(work, 'raccoon.shotbox');

function splitsByPath(): Map<string, { sha256: string; split: string | null }> {
  const p = ProjectDb.open(projectFile);
  try {
    const info = new Map(p.images.splitInfo().map((i) => [i.id, i]));
    return new Map(
      p.images
        .all()
        .map((img) => [img.path, { sha256: img.sha256, split: info.get(img.id)!.split }]),
    );
  } finally {
    p.close();
  }
}

describe('train/val/test splits', () => {
  beforeAll(async () => {
    await rm(work, { recursive: true, force: true });
    const run = await runShotbox([
      'import',
      path.join(raccoonDir, 'images'),
      '--project',
      projectFile,
      '--annotations',
      path.join(raccoonDir, 'annotations'),
      '--format',
      'voc',
      '--quiet',
    ]);
    expect(run.code, run.stderr).toBe(0);
  }, 120_000);

  it('assigns every image; the four identical raccoon pairs land in one split each; the same seed gives the same splits', async () => {
    const run = await runShotbox(['split', '--project', projectFile]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/split: 160 images assigned; train 1\d\d, val 2\d, test 2\d/);
    const first = splitsByPath();
    expect([...first.values()].every((v) => v.split !== null)).toBe(true);

    const byHash = new Map<string, string[]>();
    for (const [file, v] of first) byHash.set(v.sha256, [...(byHash.get(v.sha256) ?? []), file]);
    const pairs = [...byHash.values()].filter((files) => files.length > 1);
    expect(pairs).toHaveLength(4);
    for (const files of pairs)
      expect(new Set(files.map((f) => first.get(f)!.split)).size, files.join(' = ')).toBe(1);

    // Nothing left to assign; drawing again with the same seed changes nothing.
    expect((await runShotbox(['split', '--project', projectFile])).stderr).toMatch(
      /split: 0 images assigned/,
    );
    const again = await runShotbox(['split', '--project', projectFile, '--reassign']);
    expect(again.stderr).toMatch(/split: 0 images assigned/);
    const other = await runShotbox([
      'split',
      '--project',
      projectFile,
      '--reassign',
      '--seed',
      '7',
    ]);
    expect(other.stderr, 'another seed draws other splits').not.toMatch(/split: 0 images assigned/);
    const byOtherSeed = splitsByPath();
    for (const files of pairs)
      expect(new Set(files.map((f) => byOtherSeed.get(f)!.split)).size).toBe(1);
  }, 60_000);

  it('the image list filters by split (the contract the UI uses)', async () => {
    const project = ProjectDb.open(projectFile);
    const backend = createBackend({ shell: 'browser', version: 'test', project });
    try {
      const counts = project.images.splitCounts();
      for (const split of ['train', 'val', 'test'] as const) {
        const page = (await dispatch(backend, 'listImages', { split, limit: 500 })) as ImagePage;
        expect(page.total).toBe(counts[split]);
        const ids = new Set(page.items.map((i) => i.id));
        const info = project.images.splitInfo().filter((i) => ids.has(i.id));
        expect(info.every((i) => i.split === split)).toBe(true);
      }
      await expect(dispatch(backend, 'listImages', { split: 'holdout' })).rejects.toThrow(/split/);
    } finally {
      await backend.dispose();
      project.close();
    }
  });

  it("a person changes an image's split: one undo step through the API, its identical twin goes along", async () => {
    const project = ProjectDb.open(projectFile);
    const backend = createBackend({ shell: 'browser', version: 'test', project });
    try {
      const twin = project.images.byPath('raccoon-11.jpg')!;
      const other = project.images.byPath('raccoon-116.jpg')!;
      const before = splitsByPath();
      const from = before.get('raccoon-11.jpg')!.split!;
      const to = from === 'test' ? 'val' : 'test';
      const r = (await dispatch(backend, 'setImageSplit', { imageIds: [twin.id], split: to })) as {
        images: { id: number; split: string | null }[];
        twins: number;
      };
      expect(r.twins).toBe(1);
      expect(r.images.map((i) => [i.id, i.split]).sort()).toEqual(
        [
          [twin.id, to],
          [other.id, to],
        ].sort(),
      );
      const page = (await dispatch(backend, 'listImages', { split: to, limit: 500 })) as ImagePage;
      expect(page.items.map((i) => i.path)).toEqual(
        expect.arrayContaining(['raccoon-11.jpg', 'raccoon-116.jpg']),
      );
      const undone = (await dispatch(backend, 'undo', {})) as { label: string | null };
      expect(undone.label).toBe(`set split to ${to}`);
      expect(splitsByPath()).toEqual(before);
      await dispatch(backend, 'redo', {});
      expect(splitsByPath().get('raccoon-116.jpg')!.split).toBe(to);
      await dispatch(backend, 'undo', {});
      await expect(
        dispatch(backend, 'setImageSplit', { imageIds: [twin.id], split: 'holdout' }),
      ).rejects.toThrow(/split/);
      await expect(
        dispatch(backend, 'setImageSplit', { imageIds: [999_999], split: 'val' }),
      ).rejects.toThrow(/image 999999 does not exist/);
      expect(splitsByPath()).toEqual(before);
    } finally {
      await backend.dispose();
      project.close();
    }
  });

  it('shotbox split --set <split> <image…> sets those images and their twins; unknown names are reported', async () => {
    const before = splitsByPath();
    const to = before.get('raccoon-52.jpg')!.split === 'val' ? 'train' : 'val';
    const run = await runShotbox([
      'split',
      '--project',
      projectFile,
      '--set',
      to,
      'raccoon-52.jpg',
      path.join(raccoonDir, 'images', 'raccoon-1.jpg'),
      'no-such.jpg',
    ]);
    expect(run.code, run.stderr).toBe(3);
    expect(run.stderr).toContain('not in the project: no-such.jpg');
    const after = splitsByPath();
    expect(after.get('raccoon-52.jpg')!.split).toBe(to);
    expect(after.get('raccoon-74.jpg')!.split, 'its identical twin').toBe(to);
    expect(after.get('raccoon-1.jpg')!.split).toBe(to);
    const changed = [...after].filter(([f, v]) => before.get(f)!.split !== v.split).map(([f]) => f);
    expect(run.stderr).toContain(`split: ${changed.length} images set to ${to}`);
    expect(changed.sort()).toEqual(
      ['raccoon-52.jpg', 'raccoon-74.jpg', 'raccoon-1.jpg']
        .filter((f) => before.get(f)!.split !== to)
        .sort(),
    );
    const bad = await runShotbox(['split', '--project', projectFile, '--set', 'holdout', 'a.jpg']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--set must be train, val or test, got 'holdout'");
  }, 60_000);

  it('eval --project --split test evaluates only the test images', async () => {
    const p = ProjectDb.open(projectFile);
    const testImages = p.images.settled('test').length;
    p.close();
    expect(testImages).toBeGreaterThan(10);
    const run = await runShotbox(['eval', '--project', projectFile, '--split', 'test', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as { perClass: Record<string, { npos: number }> };
    const p2 = ProjectDb.open(projectFile);
    const boxes = p2.images
      .settled('test')
      .reduce((n, img) => n + p2.annotations.ofImage(img.id).length, 0);
    p2.close();
    expect(result.perClass['raccoon']!.npos).toBe(boxes);
    const bad = await runShotbox(['eval', '--project', projectFile, '--split', 'holdout']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--split must be one of train, val, test/);
  }, 300_000);
});
