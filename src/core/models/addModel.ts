import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { MODEL_NAME } from '../../shared/models/modelName';
import { checkClassName } from '../../shared/text/unsafeChars';
import { generatePriors } from '../../shared/ssd/priors';
import { Detector, type ModelOutputs } from '../detector/detector';
import type { ModelTensor } from '../detector/modelSession';
import { readBoundedFile, UnreadableFileError } from '../fs/readBoundedFile';
import { packageRoot } from '../packageRoot';
import { inferManifest, shapeText, type ModelInference } from './inferManifest';
import { inspectOnnxGraph, ModelInspectError } from './inspectOnnx';
import { ModelNotFoundError, readManifest, type ModelEntry } from './registry';
import { registerUserModel } from './userModels';

export interface AddModelRequest {
  /** The ONNX file. */
  file: string;
  /** A name from `MANIFEST_PRESET_NAMES` (shared/models/presets.ts). */
  preset?: string;
  classes?: string[];
  /** Registered name; default: from the file name. */
  name?: string;
  /** A (partial) manifest the user wrote. */
  manifest?: Record<string, unknown>;
  inputSize?: { width: number; height: number };
  /** Image for the test run; default: a face-api demo photo shipped with Shotbox. */
  sample?: string;
  replace?: boolean;
}

/** The one run on a sample image a model must pass before it is registered. */
export interface TestRun {
  sample: string;
  ok: boolean;
  /** Why it failed, when it did. */
  error?: string;
  /** Output tensors as the run returned them. */
  outputs: { name: string; shape: number[] }[];
  detections: number;
  /** The best few detections (label, score). */
  top: { label: string; score: number }[];
  milliseconds: number;
}

export interface AddModelResult {
  inference: ModelInference;
  testRun?: TestRun;
  /** Set when the model was registered. */
  entry?: ModelEntry;
}

/** A class-names file is one name a line; a few kilobytes. */
const MAX_CLASSES_BYTES = 1 << 20;

/** Reads `names.txt`: one class name per line, blank lines skipped, each checked by the one rule. */
export function readClassNames(file: string): string[] {
  let text: string;
  try {
    text = readBoundedFile(file, MAX_CLASSES_BYTES).toString('utf8');
  } catch (err) {
    throw new ModelInspectError(
      `cannot read the class names: ${err instanceof UnreadableFileError ? err.message : String(err)}`,
    );
  }
  const names: string[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '') return;
    const check = checkClassName(line);
    if (!check.ok) throw new ModelInspectError(`${file}:${i + 1}: ${check.reason}`);
    names.push(check.name);
  });
  if (names.length === 0) throw new ModelInspectError(`${file} holds no class names`);
  return names;
}

/** A registrable name from a file name: `My SSD (v2).onnx` → `my-ssd-v2`. */
export function modelNameFromFile(file: string): string {
  const base = path
    .basename(file)
    .replace(/\.onnx$/i, '')
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[^a-z0-9]+|-+$/g, '');
  return base.slice(0, 100) || 'model';
}

/** The default test-run photo (face-api's demo photos ship with Shotbox's dependencies). */
export function defaultSampleImage(): string {
  return path.join(packageRoot(), 'node_modules', '@vladmandic', 'face-api', 'demo', 'sample1.jpg');
}

/** Inspects the file and infers its manifest; registers nothing. */
export async function inspectModelFile(request: AddModelRequest): Promise<ModelInference> {
  const file = path.resolve(request.file);
  const graph = await inspectOnnxGraph(file);
  const name = request.name ?? modelNameFromFile(file);
  const inference = inferManifest(graph, { ...request, name, file });
  if (!MODEL_NAME.test(name) || !/^[a-z0-9][a-z0-9._-]*$/.test(name)) {
    inference.problems.push(
      `'${name}' cannot be a model name (lower-case letters, digits, . _ - only; give --name)`,
    );
  }
  return inference;
}

/**
 * Inspects, infers, test-runs and (unless `dryRun`) registers a model. Nothing is registered
 * while a field is missing, the given fields contradict the graph, or the test run fails.
 */
export async function addModel(
  request: AddModelRequest,
  options: { dryRun?: boolean } = {},
): Promise<AddModelResult> {
  const inference = await inspectModelFile(request);
  if (!inference.manifestJson || inference.problems.length > 0) return { inference };
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'shotbox-add-model-'));
  try {
    const manifestPath = path.join(tmp, `${inference.manifest!.name}.json`);
    await writeFile(manifestPath, `${JSON.stringify(inference.manifestJson, null, 2)}\n`);
    const testRun = await runOnce(
      readManifest(manifestPath),
      request.sample ?? defaultSampleImage(),
    );
    if (!testRun.ok || options.dryRun) return { inference, testRun };
    try {
      const entry = await registerUserModel(manifestPath, { replace: request.replace });
      return { inference, testRun, entry };
    } catch (err) {
      // A taken or bundled name: reported like any other reason not to register.
      if (!(err instanceof ModelNotFoundError)) throw err;
      inference.problems.push(err.message);
      return { inference, testRun };
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** Loads the model and runs it once; checks the output shapes against the manifest. */
async function runOnce(entry: ModelEntry, sample: string): Promise<TestRun> {
  const run: TestRun = { sample, ok: false, outputs: [], detections: 0, top: [], milliseconds: 0 };
  const t0 = performance.now();
  let detector: Detector | undefined;
  try {
    detector = await Detector.load(entry, { providers: ['cpu'] });
    const { decodeImageFile } = await import('../image/decode');
    const image = await decodeImageFile(sample);
    const pre = detector.preprocess(image);
    const outputs = await detector.infer(pre);
    run.outputs = Object.entries(outputs).map(([name, v]) => ({
      name,
      shape: [...v.dims],
    }));
    const wrong = checkOutputs(entry, outputs);
    if (wrong) {
      run.error = wrong;
      return run;
    }
    const dets = detector.postprocess(outputs, pre, image.width, image.height);
    run.detections = dets.length;
    run.top = dets.slice(0, 5).map((d) => ({ label: d.label, score: d.score }));
    run.ok = true;
  } catch (err) {
    run.error = (err as Error).message.split('\n')[0];
  } finally {
    run.milliseconds = performance.now() - t0;
    await detector?.dispose();
  }
  return run;
}

/** Nonsense a run can return: shapes other than the manifest implies, non-finite values. */
function checkOutputs(entry: ModelEntry, outputs: ModelOutputs): string | undefined {
  const m = entry.manifest;
  const tensor = (name: string): ModelTensor => {
    const t = outputs[name];
    if (!t) throw new Error(`the run returned no output '${name}'`);
    return t;
  };
  if (m.output.kind === 'raw') {
    const boxes = tensor(m.output.boxes);
    const scores = tensor(m.output.scores);
    const p = generatePriors(m.priors!).boxes.length / 4;
    const c = m.output.classLogitIndices
      ? Math.max(...m.output.classLogitIndices, m.output.backgroundIndex ?? -1) + 1
      : m.classes.length + (m.output.backgroundIndex === null ? 0 : 1);
    const bd = [...boxes.dims];
    const sd = [...scores.dims];
    if (bd.at(-1) !== 4 || bd.at(-2) !== p || bd.length > 3 || (bd.length === 3 && bd[0] !== 1)) {
      return `the run returned box offsets '${m.output.boxes}' ${shapeText(bd)}, expected [1, ${p}, 4]`;
    }
    if (sd.at(-2) !== p || (sd.at(-1) ?? 0) < c || sd.length !== bd.length) {
      return `the run returned scores '${m.output.scores}' ${shapeText(sd)}, expected [1, ${p}, ${c}]`;
    }
    for (const [name, t] of [
      [m.output.boxes, boxes],
      [m.output.scores, scores],
    ] as const) {
      if (!allFinite(t)) return `the run returned NaN or infinite values in '${name}'`;
    }
    return undefined;
  }
  const boxes = tensor(m.output.boxes);
  const scores = tensor(m.output.scores);
  const labels = tensor(m.output.labels);
  const k = boxes.dims.at(-2);
  if (boxes.dims.at(-1) !== 4 || scores.dims.at(-1) !== k || labels.dims.at(-1) !== k) {
    return (
      `the run returned boxes ${shapeText([...boxes.dims])}, scores ${shapeText([...scores.dims])} ` +
      `and classes ${shapeText([...labels.dims])}; expected [1, K, 4], [1, K], [1, K]`
    );
  }
  if (!allFinite(boxes) || !allFinite(scores)) return 'the run returned NaN or infinite values';
  return undefined;
}

function allFinite(t: ModelTensor): boolean {
  const data = t.data;
  if (!(data instanceof Float32Array)) return true;
  for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i]!)) return false;
  return true;
}
