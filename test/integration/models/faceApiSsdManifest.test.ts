// The committed manifest against the converted graph and the priors face-api ships.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  loadFaceApiSsdWeights,
  locateFaceApiSsdFiles,
} from '../../../src/core/models/faceApiSsd/convertFaceApiSsd';
import { faceApiSsdSpec } from '../../../src/core/models/faceApiSsd/modelSpec';
import { parseModelManifest } from '../../../src/shared/models/manifest';
import { generatePriors } from '../../../src/shared/ssd/priors';

const manifestFile = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../resources/models/ssd-mobilenetv1-face.json',
);
const manifest = parseModelManifest(JSON.parse(readFileSync(manifestFile, 'utf8')), manifestFile);
const spec = faceApiSsdSpec();

describe('resources/models/ssd-mobilenetv1-face.json', () => {
  it('names the converted graph input and outputs', () => {
    expect(manifest.file).toBe('ssd-mobilenetv1-face.onnx');
    expect(manifest.input).toMatchObject({
      name: spec.input.name,
      width: spec.input.size,
      height: spec.input.size,
      layout: 'nchw',
    });
    expect(manifest.output).toMatchObject({
      kind: 'raw',
      boxes: spec.outputs.boxEncodings,
      scores: spec.outputs.classLogits,
    });
  });

  it('prior layers follow the predictors', () => {
    const priors = manifest.priors;
    expect(priors?.convention).toBe('tf');
    expect(priors?.layers.map((l) => l.size)).toEqual(
      spec.predictors.map((p) => [p.featureSize, p.featureSize]),
    );
    expect(priors?.layers.map((l) => l.name)).toEqual(spec.predictors.map((p) => p.featureMap));
  });

  // face-api's anchors were made by the 2017 TF Object Detection API, whose create_ssd_anchors
  // puts the interpolated-scale box right after aspect ratio 1.0 (per cell: 1.0, interpolated,
  // 2.0, 0.5, 3.0, 0.3333), not after the last ratio as later TF releases do.
  it('its prior config regenerates the anchors face-api ships (Output/extra_dim)', async () => {
    const weights = await loadFaceApiSsdWeights(locateFaceApiSsdFiles().manifestPath);
    const anchors = weights.get(spec.anchors); // [ymin, xmin, ymax, xmax] per prior
    const generated = generatePriors(manifest.priors!); // [cx, cy, w, h] per prior
    expect(generated.count).toBe(spec.priorCount);
    let worst = { diff: 0, prior: -1 };
    for (let i = 0; i < spec.priorCount; i++) {
      const [y0, x0, y1, x1] = anchors.subarray(4 * i, 4 * i + 4);
      const shipped = [(x0! + x1!) / 2, (y0! + y1!) / 2, x1! - x0!, y1! - y0!];
      for (let j = 0; j < 4; j++) {
        const diff = Math.abs(generated.boxes[4 * i + j]! - shipped[j]!);
        if (diff > worst.diff) worst = { diff, prior: i };
      }
    }
    expect(worst.diff, `prior ${worst.prior} differs from the shipped anchor`).toBeLessThan(1e-6);
  });
});
