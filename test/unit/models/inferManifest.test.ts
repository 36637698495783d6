import { describe, expect, it } from 'vitest';
import { inferManifest } from '../../../src/core/models/inferManifest';
import type { GraphTensor, OnnxGraphInfo } from '../../../src/core/models/inspectOnnx';

/** Graph declarations as ONNX Runtime reports them, for the cases a real export can present. */
function graph(inputs: GraphTensor[], outputs: GraphTensor[]): OnnxGraphInfo {
  return { file: '/m/model.onnx', bytes: 1, inputs, outputs };
}
const f32 = (name: string, shape: GraphTensor['shape']): GraphTensor => ({
  name,
  elementType: 'float32',
  shape,
});
const image = f32('images', [1, 3, 300, 300]);
const opts = { name: 'm', file: '/m/model.onnx' };

describe('inferManifest', () => {
  it('tells box offsets from scores by name when both are [1, P, 4] (three classes + background)', () => {
    const r = inferManifest(
      graph([image], [f32('scores', [1, 8732, 4]), f32('boxes', [1, 8732, 4])]),
      { ...opts, preset: 'torchvision-ssd300', classes: ['a', 'b', 'c'] },
    );
    expect(r.problems).toEqual([]);
    expect(r.output).toMatchObject({ kind: 'raw', boxes: 'boxes', scores: 'scores' });
    expect(r.manifest?.classes).toEqual(['a', 'b', 'c']);
  });

  it('asks instead of guessing when two [1, P, 4] outputs have names that say nothing', () => {
    const r = inferManifest(
      graph([image], [f32('out0', [1, 8732, 4]), f32('out1', [1, 8732, 4])]),
      opts,
    );
    expect(r.output).toBeUndefined();
    expect(r.problems.join()).toMatch(/cannot tell box offsets from class scores/);
  });

  it('infers the background column from the number of class names when no preset says it', () => {
    const outs = [f32('loc', [1, 100, 4]), f32('conf', [1, 100, 6])];
    const withBg = inferManifest(graph([image], outs), {
      ...opts,
      classes: ['a', 'b', 'c', 'd', 'e'],
    });
    expect(withBg.needs.map((n) => n.field)).not.toContain('output.backgroundIndex');
    const neither = inferManifest(graph([image], outs), { ...opts, classes: ['a', 'b'] });
    expect(neither.problems.join()).toMatch(
      /2 class names given.*give 5 names \(column 0 is background\) or 6/,
    );
  });

  it('refuses inputs Shotbox cannot feed, each with its own message', () => {
    const outs = [f32('loc', [1, 100, 4]), f32('conf', [1, 100, 2])];
    const uint8 = inferManifest(
      graph([{ name: 'image_tensor', elementType: 'uint8', shape: [1, 300, 300, 3] }], outs),
      opts,
    );
    expect(uint8.problems.join()).toMatch(/takes uint8; Shotbox feeds float32/);
    const two = inferManifest(graph([image, f32('im_info', [1, 3])], outs), opts);
    expect(two.problems.join()).toMatch(/2 inputs/);
    const square = inferManifest(graph([f32('x', [1, 3, 300, 3])], outs), opts);
    expect(square.problems.join()).toMatch(/could be NCHW or NHWC/);
    const grey = inferManifest(graph([f32('x', [1, 1, 300, 300])], outs), opts);
    expect(grey.problems.join()).toMatch(/no image-like input/);
  });

  it('reads a dynamic batch and symbolic sizes, and names what would match a prior count', () => {
    const r = inferManifest(
      graph(
        [f32('x', ['batch', 3, 'h', 'w'])],
        [f32('bbox', ['batch', 3234, 4]), f32('cls', ['batch', 3234, 91])],
      ),
      { ...opts, preset: 'torchvision-ssd300' },
    );
    expect(r.input).toMatchObject({ layout: 'nchw', width: null, height: null });
    expect(r.problems.join()).toMatch(
      /3234 priors but preset torchvision-ssd300's prior config generates 8732: preset torchvision-ssdlite320 would match/,
    );
    expect(r.classCount).toBe(90);
  });

  it('takes fields from a partial manifest over the preset', () => {
    const r = inferManifest(
      graph([image], [f32('boxes', [1, 8732, 4]), f32('scores', [1, 8732, 2])]),
      {
        ...opts,
        preset: 'caffe-ssd',
        classes: ['face'],
        manifest: { postprocess: { iouThreshold: 0.3 }, input: { colorOrder: 'rgb' } },
      },
    );
    expect(r.problems).toEqual([]);
    expect(r.manifest?.postprocess.iouThreshold).toBe(0.3);
    expect(r.manifest?.input.colorOrder).toBe('rgb');
    // The rest is the preset's (Caffe: BGR means, softmax with background 0).
    expect(r.manifest?.input.normalize.offset).toEqual([-104, -117, -123]);
    expect(r.manifest?.output).toMatchObject({
      kind: 'raw',
      scoreActivation: 'softmax',
      backgroundIndex: 0,
    });
  });

  it("writes the preset's name and only what differs from it; the preset's values are the manifest presets'", () => {
    const nhwc = f32('normalized_input_image_tensor', [1, 300, 300, 3]);
    const r = inferManifest(
      graph([nhwc], [f32('box_encodings', [1, 1917, 4]), f32('class_predictions', [1, 1917, 3])]),
      { ...opts, preset: 'tf-od-api-ssd', classes: ['cat', 'dog'] },
    );
    expect(r.problems).toEqual([]);
    expect(r.manifestJson).toEqual({
      preset: 'tf-od-api-ssd',
      name: 'm',
      file: '/m/model.onnx',
      classes: ['cat', 'dog'],
      // The input's name, layout and size are the preset's; the graph's tensor names are not.
      output: { boxes: 'box_encodings', scores: 'class_predictions' },
      provenance: { addedBy: 'shotbox models add' },
    });
    // TF OD API: no candidate cut before NMS, 100 kept per class, threshold 1e-8.
    expect(r.manifest?.postprocess).toMatchObject({
      perClassCandidates: null,
      maxPerClass: 100,
      scoreThreshold: 1e-8,
    });
    expect(r.manifest?.boxCoder).toEqual({ kind: 'tf', scaleFactors: [10, 10, 5, 5] });
  });

  it('uses the preset a partial manifest names, and refuses an unknown one', () => {
    const outputs = [f32('bbox_regression', [1, 8732, 4]), f32('cls_logits', [1, 8732, 2])];
    const named = inferManifest(graph([image], outputs), {
      ...opts,
      classes: ['face'],
      manifest: { preset: 'torchvision-ssd300' },
    });
    expect(named.problems).toEqual([]);
    expect(named.priorCheck).toMatchObject({
      agrees: true,
      configSource: 'preset torchvision-ssd300',
    });
    expect(named.manifestJson?.preset).toBe('torchvision-ssd300');
    const unknown = inferManifest(graph([image], outputs), {
      ...opts,
      classes: ['face'],
      manifest: { preset: 'yolo' },
    });
    expect(unknown.problems.join('\n')).toMatch(/'yolo' is not a known preset/);
    expect(unknown.manifest).toBeUndefined();
  });
});
