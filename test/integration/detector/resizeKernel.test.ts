import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { preprocess } from '../../../src/core/detector/preprocess';
import { decodeImageFile } from '../../../src/core/image/decode';
import { InputSpecSchema, type InputSpec } from '../../../src/shared/models/manifest';
import { demoPhotos, raccoonDir, repoRoot } from '../../helpers/paths';

const base = JSON.parse(
  await readFile(path.join(repoRoot, 'resources/models/ssd-mobilenetv1-face.json'), 'utf8'),
).input;

/** Every resize mode, kernel, layout, channel order and normalisation a manifest can ask for. */
const specs: InputSpec[] = [
  base,
  {
    ...base,
    layout: 'nhwc',
    colorOrder: 'bgr',
    normalize: { scale: [0.1, 0.2, 0.3], offset: [1, 2, 3] },
  },
  {
    ...base,
    width: 300,
    height: 300,
    resize: { mode: 'stretch', padAnchor: 'top-left', interpolation: 'bilinear-half-pixel' },
  },
  {
    ...base,
    width: 320,
    height: 256,
    resize: { mode: 'letterbox', padAnchor: 'center', interpolation: 'nearest-asymmetric' },
  },
  {
    ...base,
    width: 97,
    height: 61,
    resize: { mode: 'pad-square', padAnchor: 'center', interpolation: 'bilinear-asymmetric' },
  },
].map((s) => InputSpecSchema.parse(s));

describe('the WebAssembly resize kernel', () => {
  it('gives the JavaScript kernel’s input bit for bit: photos up- and downscaled, every mode', async () => {
    const files = [
      ...demoPhotos.slice(0, 3),
      ...['raccoon-1.jpg', 'raccoon-12.jpg', 'raccoon-150.jpg', 'raccoon-161.jpg'].map((f) =>
        path.join(raccoonDir, 'images', f),
      ),
    ];
    let compared = 0;
    for (const file of files) {
      const image = await decodeImageFile(file);
      for (const spec of specs) {
        const js = preprocess(image, spec, undefined, 'js').data;
        // Into a dirty tensor (a batch reuses them): every element must be written.
        const dirty = new Float32Array(js.length).fill(Number.NaN);
        const wasm = preprocess(image, spec, dirty).data;
        expect(wasm.length).toBe(js.length);
        let first = -1;
        for (let i = 0; i < js.length && first < 0; i++) if (!Object.is(js[i], wasm[i])) first = i;
        expect(first, `${path.basename(file)} ${spec.resize.mode} ${spec.layout}`).toBe(-1);
        compared++;
      }
    }
    expect(compared).toBe(files.length * specs.length);
  });

  it('the embedded module is the assembled .wat (run `node scripts/build-wasm.mjs` after editing it)', async () => {
    const { KERNELS, assemble, moduleText } = await import('../../../scripts/build-wasm.mjs');
    for (const kernel of KERNELS) {
      const embedded = await readFile(path.join(repoRoot, kernel.out), 'utf8');
      expect(embedded).toBe(moduleText(kernel, await assemble(kernel.wat)));
    }
  });
});
