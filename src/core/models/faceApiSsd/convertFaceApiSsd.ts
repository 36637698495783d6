import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { checkWeights, type CheckedWeights } from './checkWeights';
import { faceApiSsdSpec, type SsdModelSpec } from './modelSpec';
import { buildSsdGraph, type SsdGraphKind } from './ssdGraphs';
import { readTfjsWeights } from './tfjsWeights';

/** Where the installed face-api package keeps the SSD weights. */
export interface FaceApiSsdFiles {
  /** `.../model/ssd_mobilenetv1_model-weights_manifest.json`; the .bin shard sits beside it. */
  manifestPath: string;
  /** Version of the installed `@vladmandic/face-api`, for provenance. */
  version: string;
}

const MANIFEST_FILE = 'ssd_mobilenetv1_model-weights_manifest.json';

/** Locates the SSD weights of the installed `@vladmandic/face-api` package. */
export function locateFaceApiSsdFiles(): FaceApiSsdFiles {
  const require = createRequire(import.meta.url);
  const packageJson = require.resolve('@vladmandic/face-api/package.json');
  const { version } = JSON.parse(readFileSync(packageJson, 'utf8')) as { version?: string };
  return {
    manifestPath: path.join(path.dirname(packageJson), 'model', MANIFEST_FILE),
    version: version ?? 'unknown',
  };
}

/**
 * Reads, dequantises and checks the face-api SSD weights.
 *
 * @throws WeightsError when the files are unreadable, truncated or not this model's weights.
 */
export async function loadFaceApiSsdWeights(
  manifestPath: string,
  spec: SsdModelSpec = faceApiSsdSpec(),
): Promise<CheckedWeights> {
  return checkWeights(await readTfjsWeights(manifestPath), spec, manifestPath);
}

export interface ConvertFaceApiSsdOptions {
  /** Defaults to the installed package's files ({@link locateFaceApiSsdFiles}). */
  files?: FaceApiSsdFiles;
  /** Defaults to the full detector. */
  graph?: SsdGraphKind;
  /** Recorded as `converted-by` in the model metadata. */
  convertedBy?: string;
}

/**
 * Converts face-api's SSD-MobileNet-v1 face detector to ONNX (opset 17) and returns the model
 * bytes. See `ssdGraphs.ts` for each graph's inputs and outputs. The result depends only on the
 * weight files, so converting twice gives identical bytes.
 */
export async function convertFaceApiSsd(
  options: ConvertFaceApiSsdOptions = {},
): Promise<Uint8Array> {
  const files = options.files ?? locateFaceApiSsdFiles();
  const spec = faceApiSsdSpec();
  const weights = await loadFaceApiSsdWeights(files.manifestPath, spec);
  const graph = options.graph ?? 'detector';
  const source = `npm:@vladmandic/face-api@${files.version} model/${path.basename(files.manifestPath)}`;
  return buildSsdGraph(graph, spec, weights, {
    docString:
      `SSD-MobileNet-v1 face detector from face-api (${graph} graph). ` +
      'Input: NCHW RGB normalised to [-1, 1]. Weights dequantised from uint8, batch norm folded.',
    metadata: {
      source,
      licence: 'MIT',
      'converted-by': options.convertedBy ?? 'shotbox src/core/models/faceApiSsd',
      graph,
      'prior-count': String(spec.priorCount),
    },
  }).toBytes();
}
