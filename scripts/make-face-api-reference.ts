// Regenerates test/fixtures/face-api-reference.json: face-api's own detections on its six demo
// photos, the values our ONNX pipeline is held to. Run: npx tsx scripts/make-face-api-reference.ts
//
// Uses the tfjs `cpu` backend (plain JS float32, deterministic) rather than wasm, so the fixture
// does not depend on XNNPACK's kernels. minConfidence is deliberately low (0.3) so parity tests
// can also see near-threshold faces and extras.
import { readdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';
import { loadFaceApiBaseline } from '../src/core/bench/faceApiBaseline';
import { decodeImageFile } from '../src/core/image/decode';

const REFERENCE_MIN_CONFIDENCE = 0.3;
const MAX_RESULTS = 100;

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outFile = path.join(root, 'test', 'fixtures', 'face-api-reference.json');

const round = (value: number, step: number): number => Math.round(value / step) * step;
// Printing through toFixed keeps float noise (0.30000000000000004) out of the committed file.
const fixed = (value: number, digits: number): number =>
  Number(round(value, 10 ** -digits).toFixed(digits));

async function main(): Promise<void> {
  const demoDir = path.join(
    path.dirname(createRequire(import.meta.url).resolve('@vladmandic/face-api/package.json')),
    'demo',
  );
  const files = (await readdir(demoDir)).filter((f) => /^sample\d+\.jpg$/.test(f)).sort();
  if (files.length === 0) throw new Error(`no sample*.jpg in ${demoDir}`);

  const baseline = await loadFaceApiBaseline({ backend: 'cpu' });
  try {
    const images = [];
    for (const file of files) {
      const image = await decodeImageFile(path.join(demoDir, file));
      const started = performance.now();
      const found = await baseline.detect(image, {
        minConfidence: REFERENCE_MIN_CONFIDENCE,
        maxResults: MAX_RESULTS,
      });
      const ms = performance.now() - started;
      const detections = found
        .map((d) => ({
          box: d.box.map((v) => fixed(v, 4)) as [number, number, number, number],
          score: fixed(d.score, 6),
        }))
        // Score descending, ties broken by position, so the order never depends on NMS internals.
        .sort((a, b) => b.score - a.score || a.box[0] - b.box[0] || a.box[1] - b.box[1]);
      images.push({ file, width: image.width, height: image.height, detections });
      const strong = detections.filter((d) => d.score >= 0.5).length;
      console.log(
        `${file} ${image.width}×${image.height}: ${detections.length} faces ≥${REFERENCE_MIN_CONFIDENCE}, ` +
          `${strong} ≥0.5 [${detections.map((d) => d.score.toFixed(4)).join(', ')}] ${ms.toFixed(0)} ms`,
      );
    }
    const reference = {
      generator: 'scripts/make-face-api-reference.ts',
      faceApiVersion: baseline.versions.faceApi,
      tfjsVersion: baseline.versions.tfjs,
      backend: baseline.backend,
      minConfidence: REFERENCE_MIN_CONFIDENCE,
      maxResults: MAX_RESULTS,
      images,
    };
    // Written as the repository's prettier would write it, so `format:check` passes as generated.
    const text = await format(JSON.stringify(reference), {
      ...(await resolveConfig(outFile)),
      filepath: outFile,
    });
    await writeFile(outFile, text);
    console.log(`wrote ${path.relative(root, outFile)}`);
  } finally {
    baseline.dispose();
  }
}

await main();
