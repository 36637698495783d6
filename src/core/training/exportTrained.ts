/**
 * Writes a fine-tuned model: the full detector from the same spec and ONNX writer as the
 * embedded one (the base weights with the trained heads in place), and its manifest beside it
 * (classes, input, priors and coder of the base; softmax over background + classes; where it
 * came from). `--model <dir>/<name>.json` and the model list read it like any other model.
 */
import path from 'node:path';
import { writeFileAtomic } from '../fs/atomicWrite';
import type { ModelManifest } from '../../shared/models/manifest';
import type { CheckedWeights } from '../models/faceApiSsd/checkWeights';
import type { SsdModelSpec } from '../models/faceApiSsd/modelSpec';
import { buildSsdDetector } from '../models/faceApiSsd/ssdGraphs';
import type { HeadParams } from './trainableHeads';

export interface TrainedModel {
  /** Manifest path, `<dir>/<name>.json`; the ONNX file is `<name>.onnx` beside it. */
  manifestPath: string;
  base: { manifest: ModelManifest; spec: SsdModelSpec; weights: CheckedWeights };
  classes: string[];
  heads: HeadParams;
  provenance: Record<string, string>;
}

/** Base weights with the trained heads on top. */
export function withHeads(base: CheckedWeights, heads: HeadParams): CheckedWeights {
  return { get: (name) => heads[name] ?? base.get(name) };
}

/** The spec of the fine-tuned model: the base's, with background + N class columns. */
export function trainedSpec(base: SsdModelSpec, classes: number): SsdModelSpec {
  return { ...base, numClasses: classes + 1 };
}

/** The ONNX bytes of the fine-tuned detector. */
export function trainedOnnx(model: Omit<TrainedModel, 'manifestPath'>): Uint8Array {
  const spec = trainedSpec(model.base.spec, model.classes.length);
  return buildSsdDetector(spec, withHeads(model.base.weights, model.heads), {
    docString: `${model.base.manifest.name} fine-tuned by shotbox train on ${model.classes.join(', ')}`,
    metadata: { ...model.provenance, graph: 'detector', 'prior-count': String(spec.priorCount) },
  }).toBytes();
}

export function trainedManifest(
  name: string,
  model: Omit<TrainedModel, 'manifestPath'>,
): ModelManifest {
  const base = model.base.manifest;
  if (base.output.kind !== 'raw') throw new Error(`${base.name} has no raw outputs to fine-tune`);
  return {
    ...base,
    name,
    title: `${name} (fine-tuned from ${base.name})`,
    file: `${name}.onnx`,
    classes: model.classes,
    output: {
      kind: 'raw',
      boxes: base.output.boxes,
      scores: base.output.scores,
      scoreActivation: 'softmax',
      backgroundIndex: 0,
    },
    postprocess: { ...base.postprocess, classAgnostic: model.classes.length === 1 },
    provenance: model.provenance,
  };
}

/** Model names the manifest schema accepts, from a file name. */
export function modelNameFromPath(manifestPath: string): string {
  const stem = path.basename(manifestPath).replace(/\.json$/i, '');
  const name = stem
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[^a-z0-9]+/, '');
  if (!name) throw new Error(`cannot name a model after ${manifestPath}`);
  return name;
}

/** Writes `<name>.onnx` then `<name>.json` (each atomically; the manifest last, so a reader never sees one without its model). */
export async function writeTrainedModel(model: TrainedModel): Promise<ModelManifest> {
  const name = modelNameFromPath(model.manifestPath);
  const manifest = trainedManifest(name, model);
  const dir = path.dirname(model.manifestPath);
  await writeFileAtomic(path.join(dir, manifest.file), trainedOnnx(model));
  await writeFileAtomic(model.manifestPath, JSON.stringify(manifest, null, 2) + '\n');
  return manifest;
}
