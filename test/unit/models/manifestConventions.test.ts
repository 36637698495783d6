import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { postprocessRaw } from '../../../src/shared/detection/postprocess';
import { parseModelManifest, type PostprocessSpec } from '../../../src/shared/models/manifest';
import { MANIFEST_PRESET_NAMES } from '../../../src/shared/models/presets';
import { SsdBoxCoder } from '../../../src/shared/ssd/boxCoder';
import { selectDetections } from '../../../src/shared/ssd/nms';
import { generatePriors } from '../../../src/shared/ssd/priors';
import { repoRoot } from '../../helpers/paths';

const own = { name: 'cars', file: 'cars.onnx', classes: ['car', 'bus'] };

describe('manifest presets', () => {
  it('a manifest with a preset gives only name, file and classes', () => {
    const m = parseModelManifest({ preset: 'torchvision-ssd300', ...own });
    expect(m.input).toMatchObject({ width: 300, height: 300, layout: 'nchw' });
    expect(m.output).toMatchObject({ kind: 'raw', scoreActivation: 'softmax', backgroundIndex: 0 });
    expect(m.postprocess).toMatchObject({
      clipBeforeNms: true,
      perClassCandidates: 400,
      topK: 200,
    });
    expect(generatePriors(m.priors!).count).toBe(8732);
  });

  it('every preset parses, with the prior count of its framework', () => {
    const counts = MANIFEST_PRESET_NAMES.map((preset) => {
      const m = parseModelManifest({ preset, ...own });
      return [preset, generatePriors(m.priors!).count];
    });
    expect(Object.fromEntries(counts)).toEqual({
      'torchvision-ssd300': 8732,
      'torchvision-ssdlite320': 3234,
      'tf-od-api-ssd': 1917,
      'caffe-ssd': 8732,
    });
  });

  it("the manifest's own fields win, key by key, and the rest of the preset stays", () => {
    const m = parseModelManifest({
      preset: 'torchvision-ssd300',
      ...own,
      input: { name: 'input.1' },
      postprocess: { scoreThreshold: 0.2 },
    });
    expect(m.input.name).toBe('input.1');
    expect(m.input.width).toBe(300);
    expect(m.postprocess.scoreThreshold).toBe(0.2);
    expect(m.postprocess.clipBeforeNms).toBe(true);
  });

  it('decoded outputs over a raw-output preset replace its output block', () => {
    const m = parseModelManifest({
      preset: 'tf-od-api-ssd',
      ...own,
      output: { kind: 'decoded', boxes: 'b', scores: 's', labels: 'l' },
    });
    expect(m.output).toEqual({
      kind: 'decoded',
      boxes: 'b',
      scores: 's',
      labels: 'l',
      boxOrder: 'yxyx',
      labelOffset: 1,
    });
  });

  it('an unknown preset is refused, naming the field and the known presets', () => {
    expect(() => parseModelManifest({ preset: 'yolo', ...own }, 'cars.json')).toThrow(
      /cars\.json is not a valid model manifest:\n {2}preset: "yolo" is not a known preset \(known: torchvision-ssd300, torchvision-ssdlite320, tf-od-api-ssd, caffe-ssd\)/,
    );
  });

  it('a bad override is refused with the path of the field', () => {
    expect(() =>
      parseModelManifest({
        preset: 'caffe-ssd',
        ...own,
        postprocess: { maxPerClass: 0, clipBeforeNms: 'yes' },
      }),
    ).toThrow(/postprocess\.maxPerClass: .*\n {2}postprocess\.clipBeforeNms: /);
  });
});

describe('defaults keep the models from before these fields', () => {
  it('the embedded face manifest reads as before: no clip before NMS, no per-class cap', () => {
    const json: unknown = JSON.parse(
      readFileSync(path.join(repoRoot, 'resources/models/ssd-mobilenetv1-face.json'), 'utf8'),
    );
    expect(parseModelManifest(json).postprocess).toEqual({
      scoreThreshold: 0.5,
      iouThreshold: 0.5,
      topK: 100,
      perClassCandidates: 400,
      maxPerClass: null,
      classAgnostic: true,
      clipBeforeNms: false,
    });
  });
});

describe('post-processing conventions', () => {
  const spec: PostprocessSpec = parseModelManifest({ preset: 'caffe-ssd', ...own }).postprocess;
  // Two priors decoded as themselves (zero offsets), one class column after the background:
  // A reaches past the left edge (x −0.3…0.2), B is x 0…0.2; unclipped IoU 0.4, clipped 1.
  const priors = new Float32Array([-0.05, 0.5, 0.5, 0.2, 0.1, 0.5, 0.2, 0.2]);
  const raw = {
    offsets: new Float32Array(8),
    logits: new Float32Array([0.1, 0.9, 0.2, 0.8]),
    numPriors: 2,
    numColumns: 2,
  };
  const ctx = {
    coder: new SsdBoxCoder(),
    priors,
    activation: 'none' as const,
    backgroundIndex: 0,
    classColumns: [1],
  };

  it('clipBeforeNms false (Caffe): NMS on the boxes as decoded keeps both', () => {
    expect(postprocessRaw(raw, ctx, { ...spec, clipBeforeNms: false }).count).toBe(2);
  });

  it('clipBeforeNms true (torchvision): the clipped boxes coincide and one suppresses the other', () => {
    const dets = postprocessRaw(raw, ctx, { ...spec, clipBeforeNms: true });
    expect(dets.count).toBe(1);
    expect(Array.from(dets.boxes)).toEqual([
      0,
      expect.closeTo(0.4, 6),
      expect.closeTo(0.2, 6),
      expect.closeTo(0.6, 6),
    ]);
  });

  it('maxPerClass caps what NMS keeps per class (TF max_detections_per_class), topK the total', () => {
    // Three far-apart boxes in each of two classes.
    const boxes = new Float32Array([0, 0, 0.1, 0.1, 0.4, 0.4, 0.5, 0.5, 0.8, 0.8, 0.9, 0.9]);
    const scores = new Float32Array([0, 0.9, 0.3, 0, 0.8, 0.4, 0, 0.7, 0.5]);
    const base = { boxes, scores, numClasses: 3, scoreThreshold: 0.01, topK: 10 };
    expect(selectDetections(base).count).toBe(6);
    const capped = selectDetections({ ...base, maxPerClass: 2 });
    expect(Array.from(capped.scores)).toEqual([0.9, 0.8, 0.5, 0.4].map(Math.fround));
    expect(selectDetections({ ...base, maxPerClass: 2, topK: 3 }).count).toBe(3);
  });
});
