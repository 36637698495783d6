import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { inspectOnnxGraph } from '../../../src/core/models/inspectOnnx';
import { runShotbox } from '../../helpers/cli';
import { demoPhotos } from '../../helpers/paths';
import {
  writeDecodedSsd,
  writeNotAnImageModel,
  writePerLayerSsd,
  writeRawSsd,
} from '../../helpers/ssdGraphs';

/**
 * `shotbox models add/remove` as a user runs them, on small SSD-shaped graphs of the shapes real
 * exports have and on the embedded face model. Each test gets its own user models folder.
 */
interface AddJson {
  input?: { name: string; layout: string; width: number | null; height: number | null };
  output?: { kind: string; priors?: number | null; columns?: number | null; boxes: string };
  classCount?: number;
  priorCheck?: { fromGraph: number; fromConfig: number; agrees: boolean; matching: string[] };
  needs: { field: string; message: string }[];
  problems: string[];
  testRun?: { ok: boolean; error?: string; detections: number };
  registered: { name: string } | null;
}

const faceOnnx = path.resolve('resources/models/ssd-mobilenetv1-face.onnx');
let dir: string;
let names3: string;
let tv300: string;
let lite320: string;
let tfNhwc: string;
let decoded: string;

function userEnv(): NodeJS.ProcessEnv {
  return { SHOTBOX_USER_MODELS_DIR: mkdtempSync(path.join(os.tmpdir(), 'shotbox-add-')) };
}

async function addJson(
  args: string[],
  env = userEnv(),
): Promise<{ code: number | null; json: AddJson; stderr: string }> {
  const run = await runShotbox(['models', 'add', ...args, '--json'], { env });
  return { code: run.code, json: JSON.parse(run.stdout) as AddJson, stderr: run.stderr };
}

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'shotbox-byo-fixtures-'));
  names3 = path.join(dir, 'names.txt');
  writeFileSync(names3, 'car\n\ntruck\r\nbus\n');
  tv300 = writeRawSsd({
    file: path.join(dir, 'my_vgg_ssd300.onnx'),
    layout: 'nchw',
    width: 300,
    height: 300,
    priors: 8732,
    columns: 4,
  });
  lite320 = writeRawSsd({
    file: path.join(dir, 'lite.onnx'),
    layout: 'nchw',
    width: 320,
    height: 320,
    priors: 3234,
    columns: 4,
    boxesName: 'loc',
    scoresName: 'conf',
  });
  tfNhwc = writeRawSsd({
    file: path.join(dir, 'tf.onnx'),
    layout: 'nhwc',
    width: 300,
    height: 300,
    priors: 1917,
    columns: 4,
    boxesName: 'raw_box_encodings',
    scoresName: 'raw_class_predictions',
  });
  decoded = writeDecodedSsd({
    file: path.join(dir, 'decoded.onnx'),
    layout: 'nhwc',
    width: 320,
    height: 320,
    detections: 10,
  });
});

describe('shotbox models add', () => {
  it('infers input size, prior count and classes without a manifest and says which fields it needs', async () => {
    const { code, json } = await addJson([tv300]);
    expect(code).toBe(2);
    expect(json.input).toMatchObject({ name: 'image', layout: 'nchw', width: 300, height: 300 });
    expect(json.output).toMatchObject({
      kind: 'raw',
      priors: 8732,
      columns: 4,
      boxes: 'bbox_regression',
    });
    expect(json.needs.map((n) => n.field)).toEqual(
      expect.arrayContaining([
        'classes',
        'priors',
        'output.scoreActivation',
        'boxCoder',
        'input.normalize',
      ]),
    );
    // Which presets would give the graph's 8732 priors is part of the answer.
    expect(json.needs.find((n) => n.field === 'priors')?.message).toMatch(/torchvision-ssd300/);
    expect(json.registered).toBeNull();

    const text = await runShotbox(['models', 'add', tv300], { env: userEnv() });
    expect(text.code).toBe(2);
    expect(text.stdout).toMatch(/size 300×300/);
    expect(text.stdout).toMatch(/\[1, 8732, 4\]/);
    expect(text.stdout).toMatch(/classes: 3 with a background column or 4 without/);
    expect(text.stdout).toMatch(/Nothing was registered/);
  });

  it('infers the face model: 512×512 NCHW, 5118 priors, three score columns', async () => {
    const { code, json } = await addJson([faceOnnx]);
    expect(code).toBe(2);
    expect(json.input).toMatchObject({ layout: 'nchw', width: 512, height: 512 });
    expect(json.output).toMatchObject({ kind: 'raw', priors: 5118, columns: 3 });
  });

  it('registers with a preset and classes; the model is listed, detects, and is removed', async () => {
    const env = userEnv();
    const { code, json } = await addJson(
      [tv300, '--preset', 'torchvision-ssd300', '--classes', names3, '--name', 'vehicles'],
      env,
    );
    expect(json.problems).toEqual([]);
    expect(code).toBe(0);
    expect(json.classCount).toBe(3);
    expect(json.priorCheck).toMatchObject({ fromGraph: 8732, fromConfig: 8732, agrees: true });
    expect(json.testRun).toMatchObject({ ok: true });
    expect(json.registered?.name).toBe('vehicles');

    const listed = await runShotbox(['models', '--json'], { env });
    const models = (
      JSON.parse(listed.stdout) as { models: { name: string; source: string; classes: string[] }[] }
    ).models;
    expect(models.find((m) => m.name === 'vehicles')).toMatchObject({
      source: 'user',
      classes: ['car', 'truck', 'bus'],
    });

    const detect = await runShotbox(['detect', '--model', 'vehicles', demoPhotos[1]!], { env });
    expect(detect.code).toBe(0);
    const coco = JSON.parse(detect.stdout) as {
      annotations: { category_id: number; score: number }[];
      categories: { id: number; name: string }[];
    };
    // The fixture's one hot prior scores 'car' high; everything else is background.
    const best = coco.annotations.sort((a, b) => b.score - a.score)[0]!;
    expect(coco.categories.find((c) => c.id === best.category_id)?.name).toBe('car');
    expect(best.score).toBeGreaterThan(0.9);

    const again = await addJson(
      [tv300, '--preset', 'torchvision-ssd300', '--classes', names3, '--name', 'vehicles'],
      env,
    );
    expect(again.code).toBe(1);
    expect(again.json.problems.join('\n')).toMatch(/already registered/);

    const removed = await runShotbox(['models', 'remove', 'vehicles'], { env });
    expect(removed.code).toBe(0);
    const after = await runShotbox(['models', '--json'], { env });
    expect(after.stdout).not.toMatch(/vehicles/);
    const bundled = await runShotbox(['models', 'remove', 'ssd-mobilenetv1-face'], { env });
    expect(bundled.code).toBe(1);
    expect(bundled.stderr).toMatch(/bundled/);
  });

  it("says when the preset's prior count disagrees with the graph, and what would match", async () => {
    const { code, json } = await addJson([
      lite320,
      '--preset',
      'torchvision-ssd300',
      '--classes',
      names3,
    ]);
    expect(code).toBe(1);
    expect(json.output).toMatchObject({ priors: 3234 });
    expect(json.problems.join('\n')).toMatch(
      /3234 priors but preset torchvision-ssd300.*8732.*torchvision-ssdlite320 would match/,
    );
    expect(json.registered).toBeNull();

    const right = await addJson([
      lite320,
      '--preset',
      'torchvision-ssdlite320',
      '--classes',
      names3,
      '--dry-run',
    ]);
    expect(right.code).toBe(0);
    expect(right.json.priorCheck).toMatchObject({ fromGraph: 3234, agrees: true });
    expect(right.json.registered).toBeNull();
  });

  it('reads NHWC inputs and the TF preset (1917 priors), and checks the class count against the columns', async () => {
    const env = userEnv();
    const wrong = path.join(dir, 'two.txt');
    writeFileSync(wrong, 'a\nb\n');
    const bad = await addJson([tfNhwc, '--preset', 'tf-od-api-ssd', '--classes', wrong], env);
    expect(bad.code).toBe(1);
    expect(bad.json.problems.join('\n')).toMatch(
      /2 class names given, but the model scores 4 columns: give 3 names/,
    );

    const ok = await addJson([tfNhwc, '--preset', 'tf-od-api-ssd', '--classes', names3], env);
    expect(ok.json.input).toMatchObject({ layout: 'nhwc', width: 300, height: 300 });
    expect(ok.json.priorCheck).toMatchObject({ fromGraph: 1917, agrees: true });
    expect(ok.code).toBe(0);
  });

  it('recognises decoded outputs (boxes/scores/classes/num) and asks only for the class names', async () => {
    const env = userEnv();
    const bare = await addJson([decoded], env);
    expect(bare.code).toBe(2);
    expect(bare.json.output).toMatchObject({ kind: 'decoded', boxes: 'detection_boxes' });
    expect(bare.json.needs.map((n) => n.field)).toEqual(['classes', 'input.normalize']);

    const two = path.join(dir, 'pets.txt');
    writeFileSync(two, 'cat\ndog\n');
    const added = await addJson([decoded, '--preset', 'tf-od-api-ssd', '--classes', two], env);
    expect(added.json.problems).toEqual([]);
    expect(added.code).toBe(0);
    // The tenth box scores 0, under the preset's threshold of 0.01.
    expect(added.json.testRun).toMatchObject({ ok: true, detections: 9 });
  });

  it('takes the missing fields from a manifest instead of a preset', async () => {
    const manifest = path.join(dir, 'fields.json');
    writeFileSync(
      manifest,
      JSON.stringify({
        classes: ['car', 'truck', 'bus'],
        input: { normalize: { scale: 1, offset: -127 } },
        output: { scoreActivation: 'softmax', backgroundIndex: 0 },
        boxCoder: { kind: 'ssd' },
        priors: {
          convention: 'caffe',
          image: { width: 300, height: 300 },
          sMin: 0.2,
          sMax: 0.9,
          layers: [
            { name: 'a', size: [38, 38], aspectRatios: [2] },
            { name: 'b', size: [19, 19], aspectRatios: [2, 3] },
            { name: 'c', size: [10, 10], aspectRatios: [2, 3] },
            { name: 'd', size: [5, 5], aspectRatios: [2, 3] },
            { name: 'e', size: [3, 3], aspectRatios: [2] },
            { name: 'f', size: [1, 1], aspectRatios: [2] },
          ],
        },
      }),
    );
    const { code, json } = await addJson([tv300, '--manifest', manifest, '--dry-run']);
    expect(json.problems).toEqual([]);
    expect(json.needs).toEqual([]);
    expect(json.priorCheck).toMatchObject({ fromGraph: 8732, fromConfig: 8732, agrees: true });
    expect(code).toBe(0);
  });

  it('refuses what is not an SSD, each with its own message, and a model whose run returns nonsense', async () => {
    const text = path.join(dir, 'notes.onnx');
    writeFileSync(text, 'this is not a protobuf');
    const notOnnx = await runShotbox(['models', 'add', text], { env: userEnv() });
    expect(notOnnx.code).toBe(1);
    expect(notOnnx.stderr).toMatch(/not an ONNX model/);

    const empty = path.join(dir, 'empty.onnx');
    writeFileSync(empty, '');
    expect((await runShotbox(['models', 'add', empty], { env: userEnv() })).stderr).toMatch(
      /is empty/,
    );
    expect((await runShotbox(['models', 'add', dir], { env: userEnv() })).stderr).toMatch(
      /not a regular file/,
    );

    const vector = await addJson([writeNotAnImageModel(path.join(dir, 'vector.onnx'))]);
    expect(vector.code).toBe(1);
    expect(vector.json.problems.join('\n')).toMatch(/no image-like input/);

    const perLayer = await addJson([writePerLayerSsd(path.join(dir, 'perlayer.onnx'))]);
    expect(perLayer.json.problems.join('\n')).toMatch(/per-layer feature maps/);

    const nan = writeRawSsd({
      file: path.join(dir, 'nan.onnx'),
      layout: 'nchw',
      width: 300,
      height: 300,
      priors: 8732,
      columns: 4,
      nan: true,
    });
    const env = userEnv();
    const refused = await addJson(
      [nan, '--preset', 'torchvision-ssd300', '--classes', names3],
      env,
    );
    expect(refused.code).toBe(1);
    expect(refused.json.testRun).toMatchObject({ ok: false });
    expect(refused.json.testRun?.error).toMatch(/NaN/);
    expect(refused.json.registered).toBeNull();
    expect(existsSync(path.join(env.SHOTBOX_USER_MODELS_DIR!, 'nan.json'))).toBe(false);

    // Too big is refused before anything is read into ONNX Runtime.
    await expect(inspectOnnxGraph(tv300, { maxBytes: 1000 })).rejects.toThrow(
      /too big for a model .*the limit is/,
    );

    const preset = await runShotbox(['models', 'add', tv300, '--preset', 'yolo'], {
      env: userEnv(),
    });
    expect(preset.code).toBe(2);
    expect(preset.stderr).toMatch(/unknown preset 'yolo'/);
  });

  it('asks for the input size of a graph whose size is dynamic, and takes it from --input-size', async () => {
    const dyn = writeRawSsd({
      file: path.join(dir, 'dynamic.onnx'),
      layout: 'nchw',
      width: 'W',
      height: 'H',
      priors: 8732,
      columns: 4,
    });
    const asked = await addJson([dyn, '--preset', 'caffe-ssd', '--classes', names3, '--dry-run']);
    // The preset's 300×300 fills a dynamic size; without a preset it is asked for.
    expect(asked.code).toBe(0);
    const bare = await addJson([dyn]);
    expect(bare.json.needs.map((n) => n.field)).toContain('input.width, input.height');
    const given = await addJson([dyn, '--input-size', '300x300']);
    expect(given.json.needs.map((n) => n.field)).not.toContain('input.width, input.height');
  });
});
