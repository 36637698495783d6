import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseModelManifest } from '../../../src/shared/models/manifest';
import { fromCoco } from '../../helpers/boxes';
import { runShotbox } from '../../helpers/cli';
import { repoRoot } from '../../helpers/paths';
import { unmatchedAgainst, type LabelledBox } from '../../helpers/referenceMatch';

// `shotbox models add` on the torchvision fixture (scripts/make-torchvision-fixture.py) with no
// manifest at all: the preset and the class names must give a model that detects what
// torchvision itself detects, the same reference torchvisionParity.test.ts checks the
// hand-written preset manifest against.
const fixtureDir = path.join(repoRoot, 'test/fixtures/torchvision');
const onnx = path.join(fixtureDir, 'ssd300-tiny.onnx');

interface Reference {
  numPriors: number;
  images: { file: string; width: number; height: number; detections: LabelledBox[] }[];
}

interface Coco {
  images: { id: number; file_name: string; width: number; height: number }[];
  annotations: { image_id: number; category_id: number; bbox: number[]; score: number }[];
  categories: { id: number; name: string }[];
}

interface AddJson {
  input?: { width: number | null; height: number | null };
  output?: { kind: string; priors?: number | null; columns?: number | null };
  classCount?: number;
  facts: string[];
  needs: { field: string; message: string }[];
  problems: string[];
  registered: { name: string } | null;
}

const reference = JSON.parse(
  readFileSync(path.join(fixtureDir, 'ssd300-tiny.reference.json'), 'utf8'),
) as Reference;
// The fixture's class names, in score-column order (its hand-written manifest lists them).
const classNames = (
  JSON.parse(readFileSync(path.join(fixtureDir, 'ssd300-tiny.json'), 'utf8')) as {
    classes: string[];
  }
).classes;

describe('shotbox models add on the torchvision SSD300 fixture', () => {
  let modelsDir: string;
  let names: string;
  let out: string;

  beforeAll(() => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'shotbox-tv-add-'));
    modelsDir = path.join(dir, 'models');
    names = path.join(dir, 'names.txt');
    out = path.join(dir, 'detections.json');
    writeFileSync(names, `${classNames.join('\n')}\n`);
  });

  it('without --preset or a manifest: infers input size, prior count and classes, names the missing fields', async () => {
    const run = await runShotbox(['models', 'add', onnx, '--json'], {
      env: { SHOTBOX_USER_MODELS_DIR: modelsDir },
    });
    expect(run.code, run.stderr).toBe(2);
    const json = JSON.parse(run.stdout) as AddJson;
    expect(json.input).toMatchObject({ width: 300, height: 300 });
    expect(json.output).toMatchObject({ kind: 'raw', priors: reference.numPriors });
    expect(json.output?.columns).toBe(classNames.length + 1);
    expect(json.needs.map((n) => n.field)).toEqual(
      expect.arrayContaining([
        'classes',
        'priors',
        'output.scoreActivation',
        'boxCoder',
        'input.normalize',
      ]),
    );
    // The graph's prior count points at the preset that generates it.
    expect(json.needs.find((n) => n.field === 'priors')?.message).toMatch(
      /--preset torchvision-ssd300\b.* generates 8732 priors/,
    );
    expect(json.registered).toBeNull();
  });

  it("with --preset torchvision-ssd300 --classes: shotbox detect gives torchvision's own detections", async () => {
    const env = { SHOTBOX_USER_MODELS_DIR: modelsDir };
    const add = await runShotbox(
      [
        'models',
        'add',
        onnx,
        '--preset',
        'torchvision-ssd300',
        '--classes',
        names,
        '--name',
        'tv300',
      ],
      { env },
    );
    expect(add.code, add.stderr + add.stdout).toBe(0);

    // The manifest it wrote names the preset and holds only what differs from it.
    const written = JSON.parse(readFileSync(path.join(modelsDir, 'tv300.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(written.preset).toBe('torchvision-ssd300');
    expect(written.classes).toEqual(classNames);
    // The fixture's tensor names and size are the preset's: nothing about them to say.
    expect(written.input).toBeUndefined();
    expect(written.output).toBeUndefined();
    expect(written.priors).toBeUndefined();
    expect(written.boxCoder).toBeUndefined();
    expect(written.postprocess).toBeUndefined();
    expect(parseModelManifest(written).postprocess.clipBeforeNms).toBe(true);

    const detect = await runShotbox(
      [
        'detect',
        '--model',
        'tv300',
        '--provider',
        'cpu',
        '--quiet',
        '--out',
        out,
        ...reference.images.map((i) => path.join(fixtureDir, i.file)),
      ],
      { env },
    );
    expect(detect.code, detect.stderr).toBe(0);
    const coco = JSON.parse(readFileSync(out, 'utf8')) as Coco;
    expect(coco.images).toHaveLength(reference.images.length);
    for (const ref of reference.images) {
      const image = coco.images.find((i) => i.file_name.endsWith(path.basename(ref.file)))!;
      const ours: LabelledBox[] = coco.annotations
        .filter((a) => a.image_id === image.id)
        .map((a) => ({
          box: fromCoco(a.bbox),
          score: a.score,
          label: coco.categories.find((c) => c.id === a.category_id)!.name,
        }));
      const expected = ref.detections.filter((d) => d.score >= 0.3);
      expect(expected.length).toBeGreaterThanOrEqual(20);
      const { missing, extra } = unmatchedAgainst(expected, ours, 0.31);
      expect({ file: ref.file, missing, extra }).toEqual({
        file: ref.file,
        missing: [],
        extra: [],
      });
    }
  });
});
