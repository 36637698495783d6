import { copyFile, mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ProjectDb } from '../../../src/core/db/projectDb';
import { runShotbox } from '../../helpers/cli';
import { demoPhotos, generatedDir, raccoonDir } from '../../helpers/paths';

interface EvalJson {
  coco: Record<string, number>;
  voc: { mAP11: number; mAPAll: number };
  perClass: Record<
    string,
    { cocoAP: number; ap11: number; apAll: number; npos: number; ndet: number }
  >;
}

/** Every row of the project that an evaluation must leave alone. */
function snapshot(file: string): string {
  const project = ProjectDb.open(file);
  try {
    return JSON.stringify({
      images: project.images.all(),
      boxes: project.images.all().map((i) => project.annotations.ofImage(i.id)),
      stats: project.stats(),
    });
  } finally {
    project.close();
  }
}

describe('shotbox eval --project --model (the embedded face model, real photos)', () => {
  const work = path.join(generatedDir, 'eval-project');
  beforeAll(async () => {
    await rm(work, { recursive: true, force: true });
    await mkdir(work, { recursive: true });
  });

  it('raccoon-train imported as VOC: runs end to end over the 160 settled images; AP 0 (faces are not raccoons)', async () => {
    const file = path.join(work, 'raccoon.shotbox');
    const imported = await runShotbox([
      'import',
      path.join(raccoonDir, 'images'),
      '--project',
      file,
      '--annotations',
      path.join(raccoonDir, 'annotations'),
      '--format',
      'voc',
      '--quiet',
    ]);
    expect(imported.code, imported.stderr).toBe(0);
    const before = snapshot(file);
    const report = path.join(work, 'raccoon.html');
    const run = await runShotbox([
      'eval',
      '--project',
      file,
      '--model',
      'ssd-mobilenetv1-face',
      '--json',
      '--report',
      report,
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('over 160 settled images');
    const out = JSON.parse(run.stdout) as EvalJson;
    expect(out.perClass.raccoon).toMatchObject({ npos: 173, ndet: 0, cocoAP: 0, apAll: 0 });
    // The face detections are counted, under a class without labels (no AP, out of the mean).
    expect(out.perClass.face!.ndet).toBeGreaterThan(0);
    expect(out.perClass.face!.cocoAP).toBe(-1);
    expect(out.coco.AP).toBe(0);
    expect(out.voc.mAPAll).toBe(0);
    // The report names the missed raccoons by file.
    expect(await readFile(report, 'utf8')).toMatch(
      /Missed boxes[\s\S]*<td>raccoon-\d+\.jpg<\/td><td>raccoon<\/td>/,
    );
    // Evaluating writes nothing into the project.
    expect(snapshot(file)).toBe(before);
  }, 300_000);

  it('only settled images are ground truth: labelled photos are scored, unlabelled ones are not', async () => {
    // Six face photos; labels imported for three of them (the model's own confident boxes, taken
    // as labels: a scored file is otherwise imported as pending predictions).
    const photos = path.join(work, 'faces');
    await mkdir(photos, { recursive: true });
    for (const p of demoPhotos) await copyFile(p, path.join(photos, path.basename(p)));
    const labels = path.join(work, 'faces-labels.json');
    const detected = await runShotbox([
      'detect',
      ...demoPhotos.slice(0, 3),
      '--out',
      labels,
      '--quiet',
    ]);
    expect(detected.code, detected.stderr).toBe(0);
    const file = path.join(work, 'faces.shotbox');
    const imported = await runShotbox([
      'import',
      photos,
      '--project',
      file,
      '--annotations',
      labels,
      '--format',
      'coco',
      '--as-labels',
      '--quiet',
    ]);
    expect(imported.code, imported.stderr).toBe(0);

    const run = await runShotbox(['eval', '--project', file, '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('over 3 settled images');
    const out = JSON.parse(run.stdout) as EvalJson;
    const labelled = (JSON.parse(await readFile(labels, 'utf8')) as { annotations: unknown[] })
      .annotations.length;
    expect(out.perClass.face!.npos).toBe(labelled);
    // Its own detections as labels: every face found at the top of the ranking.
    expect(out.perClass.face!.apAll).toBeGreaterThan(0.95);
    expect(out.coco.AP50).toBeGreaterThan(0.95);
  }, 300_000);

  it('a project without settled labels is refused with a reason, also per split', async () => {
    const photos = path.join(work, 'unlabelled');
    await mkdir(photos, { recursive: true });
    await copyFile(demoPhotos[0]!, path.join(photos, 'a.jpg'));
    const file = path.join(work, 'unlabelled.shotbox');
    expect((await runShotbox(['import', photos, '--project', file, '--quiet'])).code).toBe(0);
    const run = await runShotbox(['eval', '--project', file]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/no settled labels to evaluate against/);
    const split = await runShotbox(['eval', '--project', file, '--split', 'test']);
    expect(split.code).toBe(1);
    expect(split.stderr).toMatch(/no settled images in the test split/);
    const missing = await runShotbox(['eval', '--project', path.join(work, 'nope.shotbox')]);
    expect(missing.code).toBe(2);
  });
});
