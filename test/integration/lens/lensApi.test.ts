import { cp, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, dispatch, type Backend } from '../../../src/core/api/backend';
import { ProjectDb } from '../../../src/core/db/projectDb';
import { parseVoc } from '../../../src/core/formats/voc';
import { matchReport } from '../../../src/core/lens/datasetLens';
import { labelledFromProject } from '../../../src/core/lens/labelledSet';
import { loadPriorSource } from '../../../src/core/lens/priorSource';
import { importParsedAnnotations } from '../../../src/core/project/importAnnotations';
import { importFolder } from '../../../src/core/project/importFolder';
import type { LensImageMatch } from '../../../src/shared/api/lensContract';
import { generatedDir, raccoonDir } from '../../helpers/paths';

// The lens methods of the contract on a real project, through dispatch (the validation every
// shell uses): the same matches as the CLI's code path, and bad requests refused by name.
describe('lens API on a real project', () => {
  const work = path.join(generatedDir, 'lens-api');
  let project: ProjectDb;
  let backend: Backend;
  const names = ['raccoon-1', 'raccoon-12', 'raccoon-130', 'raccoon-55'];

  beforeAll(async () => {
    await rm(work, { recursive: true, force: true });
    await mkdir(path.join(work, 'images'), { recursive: true });
    await mkdir(path.join(work, 'labels'), { recursive: true });
    for (const n of names) {
      await cp(path.join(raccoonDir, 'images', `${n}.jpg`), path.join(work, 'images', `${n}.jpg`));
      await cp(
        path.join(raccoonDir, 'annotations', `${n}.xml`),
        path.join(work, 'labels', `${n}.xml`),
      );
    }
    project = ProjectDb.create(path.join(work, 'p.shotbox'), path.join(work, 'images'));
    await importFolder(project, path.join(work, 'images'));
    importParsedAnnotations(project, await parseVoc(path.join(work, 'labels')));
    backend = createBackend({ shell: 'browser', version: 'test', project });
  });
  afterAll(async () => {
    await backend.dispose();
    project.close();
  });

  it('lensMatchImage gives, box for box, what `shotbox match --project` computes', async () => {
    const expected = matchReport(
      labelledFromProject(project),
      loadPriorSource({ kind: 'preset', name: 'ssd300' }),
      0.5,
    );
    for (const img of project.images.all()) {
      const m = (await dispatch(backend, 'lensMatchImage', {
        imageId: img.id,
        source: { kind: 'preset', name: 'ssd300' },
      })) as LensImageMatch;
      const e = expected.images.find((i) => i.file_name === img.path)!;
      expect(m.gts.map((g) => g.priors.map((p) => p.index))).toEqual(e.gts.map((g) => g.priors));
      expect(m.gts.map((g) => g.bestIou)).toEqual(e.gts.map((g) => g.bestIou));
      for (const g of m.gts) {
        expect(g.trains).toBe(g.priors.some((p) => p.iou >= 0.5));
        expect(g.priors.filter((p) => p.forced)).toHaveLength(1);
      }
    }
  });

  it('a config source is validated by the prior schema; a model is a name, never a path', async () => {
    await expect(
      dispatch(backend, 'getLensSource', {
        source: {
          kind: 'config',
          config: {
            image: { width: 300, height: 300 },
            layers: [{ name: 'a', size: [2, 2], aspectRatio: [2] }],
          },
        },
      }),
    ).rejects.toThrow(/aspectRatio/);
    await expect(
      dispatch(backend, 'getLensSource', { source: { kind: 'model', name: '../../etc/m.json' } }),
    ).rejects.toThrow(/a model name, not a path/);
    await expect(
      dispatch(backend, 'lensMatchImage', {
        imageId: 999,
        source: { kind: 'preset', name: 'ssd300' },
      }),
    ).rejects.toThrow(/image 999 does not exist/);
    const ssd512 = (await dispatch(backend, 'getLensSource', {
      source: { kind: 'preset', name: 'ssd512' },
    })) as { priorCount: number };
    expect(ssd512.priorCount).toBe(24564);
  });

  it('lensCoverage counts every labelled box of the project', async () => {
    const boxes = labelledFromProject(project).images.reduce((n, i) => n + i.gts.length, 0);
    const cov = (await dispatch(backend, 'lensCoverage', {
      source: { kind: 'preset', name: 'ssd300' },
      threshold: 0.5,
    })) as { boxes: number; sizes: unknown[]; worst: Array<{ imageId?: number }> };
    expect(cov.boxes).toBe(boxes);
    expect(cov.sizes).toHaveLength(boxes);
    expect(cov.worst.every((w) => typeof w.imageId === 'number')).toBe(true);
  });
});
