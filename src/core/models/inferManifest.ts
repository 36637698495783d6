import { parseModelManifest, type ModelManifest } from '../../shared/models/manifest';
import { PRIOR_PRESETS, parsePriorConfig, type PriorConfig } from '../../shared/ssd/priorConfig';
import { generatePriors } from '../../shared/ssd/priors';
import { MANIFEST_PRESETS, MANIFEST_PRESET_NAMES } from '../../shared/models/presets';
import type { GraphDim, GraphTensor, OnnxGraphInfo } from './inspectOnnx';

/** The image input found in the graph. Width/height are null when the graph leaves them dynamic. */
export interface InferredInput {
  name: string;
  layout: 'nchw' | 'nhwc';
  width: number | null;
  height: number | null;
  elementType: string;
}

export type InferredOutput =
  | {
      kind: 'raw';
      boxes: string;
      scores: string;
      /** P from the output shape; null when dynamic. */
      priors: number | null;
      /** C, the score columns (classes, plus background when the model has that column). */
      columns: number | null;
    }
  | {
      kind: 'decoded';
      boxes: string;
      scores: string;
      labels: string;
      count?: string;
      /** K, the detections the graph returns at most; null when dynamic. */
      maxDetections: number | null;
    };

/** A field the manifest still lacks, with how to give it. */
export interface FieldNeed {
  field: string;
  message: string;
}

export interface PriorCheck {
  /** Priors the output shape has. */
  fromGraph: number;
  /** Priors the prior config generates. */
  fromConfig: number;
  /** Where the config came from (`preset torchvision-ssd300`, `the manifest`). */
  configSource: string;
  agrees: boolean;
  /** Known configs (presets, the paper's) that would give the graph's count. */
  matching: string[];
}

/** Everything `models add` found out about a file, before anything is registered. */
export interface ModelInference {
  graph: OnnxGraphInfo;
  /** The name it would be registered under. */
  name: string;
  input?: InferredInput;
  output?: InferredOutput;
  /** Classes the model scores, when known (from the columns and the background column). */
  classCount?: number;
  priorCheck?: PriorCheck;
  /** What was inferred, one human line each. */
  facts: string[];
  /** Missing fields; nothing is registered while any remain. */
  needs: FieldNeed[];
  /** Reasons the file cannot be used at all (or the given fields contradict the graph). */
  problems: string[];
  /** The complete, valid manifest, when there are neither needs nor problems. */
  manifest?: ModelManifest;
  /** The same manifest as JSON, as it would be written. */
  manifestJson?: Record<string, unknown>;
}

export interface InferOptions {
  name: string;
  /** Path of the ONNX file as the manifest will name it. */
  file: string;
  /** A name from `MANIFEST_PRESET_NAMES`; default: the `preset` the manifest names, if any. */
  preset?: string;
  /** Class names (e.g. from `--classes names.txt`). */
  classes?: string[];
  /** A (partial) manifest the user wrote; its fields win over the preset's. */
  manifest?: Record<string, unknown>;
  /** For graphs whose spatial size is dynamic. */
  inputSize?: { width: number; height: number };
}

/** How any missing field can be given (said once, after the list of needs). */
export const NEEDS_HINT =
  `a preset gives every field but the classes (${MANIFEST_PRESET_NAMES.join(', ')}); any field can ` +
  'also be written in a manifest (docs/models.md)';

/**
 * Infers a manifest from a graph plus what the user gave: the preset's fields, then the user's
 * manifest, then `classes`/`name`; input name, layout and size and the output tensors come from
 * the graph. The graph's prior count is checked against the prior config's.
 */
export function inferManifest(graph: OnnxGraphInfo, options: InferOptions): ModelInference {
  const result: ModelInference = { graph, name: options.name, facts: [], needs: [], problems: [] };
  const given = options.manifest ?? {};
  const presetName =
    options.preset ?? (typeof given.preset === 'string' ? given.preset : undefined);
  const preset = presetName === undefined ? undefined : presetView(presetName);
  if (presetName !== undefined && !preset) {
    result.problems.push(
      `preset: '${presetName}' is not a known preset (known: ${MANIFEST_PRESET_NAMES.join(', ')})`,
    );
    return result;
  }
  const givenInput = objectAt(given, 'input');
  const givenOutput = objectAt(given, 'output');

  const input = findImageInput(graph, result.problems);
  result.input = input;
  const output = findOutputs(graph, result.problems);
  result.output = output;
  if (!input || !output) return result;

  const layoutText = input.layout === 'nchw' ? 'NCHW' : 'NHWC';
  const sizeText =
    input.width !== null && input.height !== null
      ? `${input.width}×${input.height}`
      : `dynamic (${input.width ?? '?'}×${input.height ?? '?'})`;
  result.facts.push(`input '${input.name}': ${input.elementType}, ${layoutText}, size ${sizeText}`);

  // Input size: the graph's fixed size wins; a dynamic one comes from the user or the preset.
  const width =
    input.width ?? numberAt(givenInput, 'width') ?? options.inputSize?.width ?? preset?.input.width;
  const height =
    input.height ??
    numberAt(givenInput, 'height') ??
    options.inputSize?.height ??
    preset?.input.height;
  if (width === undefined || height === undefined) {
    result.needs.push({
      field: 'input.width, input.height',
      message: 'the graph leaves the input size dynamic: give --input-size WxH (e.g. 300x300)',
    });
  }

  if (output.kind === 'raw') {
    result.facts.push(
      `raw outputs: box offsets '${output.boxes}' [1, ${output.priors ?? '?'}, 4], ` +
        `class scores '${output.scores}' [1, ${output.priors ?? '?'}, ${output.columns ?? '?'}]`,
    );
  } else {
    result.facts.push(
      `decoded outputs (post-processing inside the graph): boxes '${output.boxes}', scores ` +
        `'${output.scores}', classes '${output.labels}'` +
        (output.count ? `, count '${output.count}'` : '') +
        `, up to ${output.maxDetections ?? '?'} detections`,
    );
  }

  // Classes: the names given, checked against the score columns and the background column.
  const background: number | null | undefined =
    givenOutput && 'backgroundIndex' in givenOutput
      ? (givenOutput.backgroundIndex as number | null)
      : preset?.backgroundIndex;
  const classes =
    options.classes ?? (Array.isArray(given.classes) ? (given.classes as string[]) : undefined);
  let backgroundIndex = background;
  if (output.kind === 'raw' && output.columns !== null) {
    const c = output.columns;
    if (background !== undefined) {
      result.classCount = c - (background === null ? 0 : 1);
      result.facts.push(
        `classes: ${result.classCount} (${c} score columns` +
          (background === null ? ', no background column)' : `, background column ${background})`),
      );
    } else {
      result.facts.push(
        `classes: ${c - 1} with a background column or ${c} without (${c} score columns)`,
      );
    }
    if (classes) {
      if (background === undefined) {
        if (classes.length === c - 1) backgroundIndex = 0;
        else if (classes.length === c) backgroundIndex = null;
      }
      const expected =
        backgroundIndex === undefined ? undefined : c - (backgroundIndex === null ? 0 : 1);
      if (expected === undefined || classes.length !== expected) {
        result.problems.push(
          `${classes.length} class names given, but the model scores ${c} columns: give ` +
            (background === undefined
              ? `${c - 1} names (column 0 is background) or ${c} (no background column)`
              : `${c - (background === null ? 0 : 1)} names`),
        );
      }
    } else {
      result.needs.push({
        field: 'classes',
        message:
          `the class names, one per line, in score-column order (--classes names.txt): ` +
          (background === undefined
            ? `${c - 1} names if column 0 is background, ${c} if there is no background column`
            : `${result.classCount} names`),
      });
    }
  } else if (!classes) {
    result.needs.push({
      field: 'classes',
      message:
        'the class names, one per line, in label order (--classes names.txt); the graph ' +
        'does not say how many classes it has',
    });
  }

  // Prior count: the graph's P against the prior config's.
  let priors: PriorConfig | undefined;
  let priorsSource = '';
  if (output.kind === 'raw') {
    if (given.priors !== undefined) {
      try {
        priors = parsePriorConfig(given.priors);
        priorsSource = 'the manifest';
      } catch (err) {
        result.problems.push(`priors in the manifest: ${(err as Error).message}`);
      }
    } else if (preset) {
      priors = preset.priors;
      priorsSource = `preset ${preset.name}`;
    }
    if (output.priors !== null) {
      const matching = knownConfigsWith(output.priors);
      if (priors) {
        const fromConfig = generatePriors(priors).boxes.length / 4;
        const agrees = fromConfig === output.priors;
        result.priorCheck = {
          fromGraph: output.priors,
          fromConfig,
          configSource: priorsSource,
          agrees,
          matching,
        };
        if (agrees) {
          result.facts.push(
            `priors: ${output.priors}, as ${priorsSource}'s prior config generates`,
          );
        } else {
          result.problems.push(
            `the graph has ${output.priors} priors but ${priorsSource}'s prior config generates ` +
              `${fromConfig}: ` +
              (matching.length
                ? `${matching.join(', ')} would match`
                : "no known config gives that many; write the model's prior config in a manifest " +
                  '(--manifest m.json, "priors"; docs/priors.md)'),
          );
        }
      } else {
        result.facts.push(
          `priors: ${output.priors} (from the output shape)` +
            (matching.length ? `; known configs with that count: ${matching.join(', ')}` : ''),
        );
      }
    }
    if (!priors) {
      result.needs.push({
        field: 'priors',
        message:
          'the prior (default box) config: ' +
          (output.priors !== null && knownPresetsWith(output.priors).length
            ? `--preset ${knownPresetsWith(output.priors).join(' or --preset ')} generates ` +
              `${output.priors} priors, or write it in a manifest`
            : 'a preset, or "priors" in a manifest (docs/priors.md)'),
      });
    }
    const hasActivation = givenOutput && 'scoreActivation' in givenOutput;
    if (!hasActivation && !preset) {
      result.needs.push({ field: 'output.scoreActivation', message: 'softmax, sigmoid or none' });
    }
    if (given.boxCoder === undefined && !preset) {
      result.needs.push({
        field: 'boxCoder',
        message: 'the box coder (ssd or tf) and its variances',
      });
    }
    if (backgroundIndex === undefined && classes === undefined && !preset) {
      result.needs.push({
        field: 'output.backgroundIndex',
        message: 'the background score column, or null without one',
      });
    }
  }
  const hasNormalize = givenInput && 'normalize' in givenInput;
  if (!hasNormalize && !preset) {
    result.needs.push({
      field: 'input.normalize',
      message:
        'how pixels become input values (value = pixel·scale + offset), colour order, resize',
    });
  }
  if (result.needs.length > 0 || result.problems.length > 0) return result;

  const json = assembleManifest(options, input, output, preset, given, {
    width: width!,
    height: height!,
    classes: classes!,
    backgroundIndex,
    priors,
  });
  try {
    result.manifest = parseModelManifest(json, 'the inferred manifest');
    result.manifestJson = json;
  } catch (err) {
    result.problems.push((err as Error).message);
  }
  return result;
}

/**
 * The manifest as `models add` writes it. With a preset it says `"preset": "<name>"` plus only
 * what the graph, the user or the inference gave that differs from the preset, so that it reads
 * as "this export, with these classes"; `parseModelManifest` merges the preset back under it.
 */
function assembleManifest(
  options: InferOptions,
  input: InferredInput,
  output: InferredOutput,
  preset: PresetView | undefined,
  given: Record<string, unknown>,
  fixed: {
    width: number;
    height: number;
    classes: string[];
    backgroundIndex: number | null | undefined;
    priors: PriorConfig | undefined;
  },
): Record<string, unknown> {
  const { preset: _givenPreset, ...givenRest } = given;
  void _givenPreset;
  const presetInput = objectAt(preset?.json ?? {}, 'input') ?? {};
  const presetOutput = objectAt(preset?.json ?? {}, 'output') ?? {};
  // The graph's input facts win over the user's; each is left out where the preset says the same.
  const inputJson = withFields(objectAt(given, 'input') ?? {}, presetInput, {
    name: input.name,
    layout: input.layout,
    width: fixed.width,
    height: fixed.height,
  });
  const givenOutput = objectAt(given, 'output') ?? {};
  const outputJson: Record<string, unknown> =
    output.kind === 'raw'
      ? {
          ...withFields({}, presetOutput, {
            kind: 'raw',
            boxes: output.boxes,
            scores: output.scores,
            backgroundIndex: fixed.backgroundIndex,
          }),
          ...givenOutput,
        }
      : // Every preset is raw, so a decoded output replaces the preset's whole (applyManifestPreset).
        {
          kind: 'decoded',
          boxes: output.boxes,
          scores: output.scores,
          labels: output.labels,
          ...(output.count ? { count: output.count } : {}),
          ...givenOutput,
        };
  const json: Record<string, unknown> = {
    ...(preset ? { preset: preset.name } : {}),
    ...givenRest,
    name: options.name,
    file: options.file,
    classes: fixed.classes,
    // An empty object would only say "as the preset".
    ...(Object.keys(inputJson).length ? { input: inputJson } : {}),
    ...(Object.keys(outputJson).length ? { output: outputJson } : {}),
  };
  // Without a preset the manifest spells out the prior config the count was checked against.
  if (output.kind === 'raw' && !preset && fixed.priors) json.priors = fixed.priors;
  json.provenance = {
    addedBy: 'shotbox models add',
    ...((objectAt(given, 'provenance') ?? {}) as Record<string, string>),
  };
  return json;
}

/** `base` plus each of `fields` that is defined and not what `preset` already says. */
function withFields(
  base: Record<string, unknown>,
  preset: Record<string, unknown>,
  fields: Record<string, unknown>,
): Record<string, unknown> {
  const out = { ...base };
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    if (preset[key] === value) delete out[key];
    else out[key] = value;
  }
  return out;
}

/** The single float image input, [1,3,H,W] or [1,H,W,3]. */
function findImageInput(graph: OnnxGraphInfo, problems: string[]): InferredInput | undefined {
  const images = graph.inputs.filter((t) => channelAxis(t.shape) !== undefined);
  const listing = graph.inputs.map(describe).join(', ') || 'none';
  if (images.length === 0) {
    problems.push(
      `the graph has no image-like input (inputs: ${listing}); Shotbox feeds one image as ` +
        '[1, 3, H, W] (NCHW) or [1, H, W, 3] (NHWC)',
    );
    return undefined;
  }
  if (graph.inputs.length > 1) {
    problems.push(
      `the graph has ${graph.inputs.length} inputs (${listing}); Shotbox feeds only the image`,
    );
    return undefined;
  }
  const t = images[0]!;
  const axis = channelAxis(t.shape)!;
  if (axis === 'ambiguous') {
    problems.push(
      `input '${t.name}' ${shapeText(t.shape)} could be NCHW or NHWC; re-export with a fixed size ` +
        'other than 3, or give input.layout in a manifest',
    );
    return undefined;
  }
  if (t.elementType !== 'float32') {
    problems.push(
      `input '${t.name}' takes ${t.elementType}; Shotbox feeds float32 (re-export with a float input)`,
    );
    return undefined;
  }
  const [h, w] = axis === 'nchw' ? [t.shape[2], t.shape[3]] : [t.shape[1], t.shape[2]];
  return {
    name: t.name,
    layout: axis,
    width: typeof w === 'number' ? w : null,
    height: typeof h === 'number' ? h : null,
    elementType: t.elementType,
  };
}

function channelAxis(shape: GraphDim[]): 'nchw' | 'nhwc' | 'ambiguous' | undefined {
  if (shape.length !== 4) return undefined;
  if (typeof shape[0] === 'number' && shape[0] !== 1) return undefined;
  const first = shape[1] === 3;
  const last = shape[3] === 3;
  if (first && last) return 'ambiguous';
  if (first) return 'nchw';
  if (last) return 'nhwc';
  return undefined;
}

const BOX_NAME = /box|loc|bbox|regress|offset|delta/i;
const SCORE_NAME = /score|conf|logit|cls|class|prob/i;
const LABEL_NAME = /class|label|categor/i;
const COUNT_NAME = /num|count/i;

/** Raw [1,P,4] + [1,P,C], else decoded boxes/scores/classes(/count), else a problem. */
function findOutputs(graph: OnnxGraphInfo, problems: string[]): InferredOutput | undefined {
  const outs = graph.outputs.filter((t) => t.elementType !== 'non-tensor');
  const perPrior = outs.filter((t) => isPerRow(t.shape));
  const rows = (t: GraphTensor): GraphDim => t.shape[t.shape.length - 2] ?? null;
  const last = (t: GraphTensor): GraphDim => t.shape[t.shape.length - 1] ?? null;
  const pairs: [GraphTensor, GraphTensor][] = [];
  for (const b of perPrior) {
    if (last(b) !== 4) continue;
    for (const s of perPrior) {
      if (s === b || !sameDim(rows(b), rows(s))) continue;
      pairs.push([b, s]);
    }
  }
  // Two [1,P,4] tensors (a 3-class model with background) pair both ways: names decide.
  const named = pairs.filter(([b, s]) => BOX_NAME.test(b.name) && !BOX_NAME.test(s.name));
  const raw =
    pairs.length === 1 ? pairs : named.length === 1 ? named : pairs.length ? undefined : [];
  if (raw === undefined) {
    problems.push(
      `cannot tell box offsets from class scores among ${pairs.map(([b]) => `'${b.name}'`).join(', ')}: ` +
        'give output.boxes and output.scores in a manifest (--manifest m.json)',
    );
    return undefined;
  }
  if (raw.length === 1) {
    const [b, s] = raw[0]!;
    const p = rows(b);
    const c = last(s);
    // The rank-3 decoded form [1,K,4] + [1,K] would not pair (scores are rank 2), so this is raw.
    if (s.shape.length === b.shape.length) {
      return {
        kind: 'raw',
        boxes: b.name,
        scores: s.name,
        priors: typeof p === 'number' ? p : null,
        columns: typeof c === 'number' ? c : null,
      };
    }
  }
  const decoded = findDecoded(outs);
  if (decoded) return decoded;
  const maps = outs.filter((t) => t.shape.length === 4);
  if (maps.length >= 2) {
    problems.push(
      `the graph returns ${maps.length} per-layer feature maps (${maps.map(describe).join(', ')}); ` +
        'Shotbox reads one [1, P, 4] box-offset tensor and one [1, P, C] score tensor: re-export ' +
        'with the heads reshaped and concatenated (torchvision: SSDHead.forward; Caffe: mbox_loc/' +
        'mbox_conf_flatten)',
    );
    return undefined;
  }
  problems.push(
    `the outputs (${outs.map(describe).join(', ') || 'none'}) are not an SSD's: Shotbox reads ` +
      'raw [1, P, 4] box offsets + [1, P, C] scores, or decoded boxes [1, K, 4] + scores [1, K] ' +
      '+ classes [1, K] (+ count [1])',
  );
  return undefined;
}

function findDecoded(outs: GraphTensor[]): InferredOutput | undefined {
  const boxes = outs.filter(
    (t) =>
      t.shape.length === 3 &&
      t.shape[2] === 4 &&
      (t.shape[0] === 1 || typeof t.shape[0] !== 'number'),
  );
  if (boxes.length !== 1) return undefined;
  const b = boxes[0]!;
  const k = b.shape[1] ?? null;
  const perDet = outs.filter(
    (t) => t !== b && t.shape.length === 2 && sameDim(t.shape[1] ?? null, k),
  );
  const labels = perDet.filter((t) => LABEL_NAME.test(t.name) && !/score/i.test(t.name));
  const scores = perDet.filter((t) => !labels.includes(t) && SCORE_NAME.test(t.name));
  const rest = perDet.filter((t) => !labels.includes(t) && !scores.includes(t));
  // Unnamed ones: the integer tensor is the classes, the float one the scores.
  if (labels.length === 0 && rest.length === 2) {
    const ints = rest.filter((t) => t.elementType.startsWith('int'));
    if (ints.length === 1) labels.push(ints[0]!);
  }
  if (scores.length === 0) scores.push(...rest.filter((t) => !labels.includes(t)));
  if (labels.length !== 1 || scores.length !== 1) return undefined;
  const count = outs.find(
    (t) =>
      t !== b &&
      !perDet.includes(t) &&
      t.shape.length <= 2 &&
      t.shape.every((d) => d === 1 || typeof d !== 'number') &&
      (COUNT_NAME.test(t.name) || outs.length === 4),
  );
  return {
    kind: 'decoded',
    boxes: b.name,
    scores: scores[0]!.name,
    labels: labels[0]!.name,
    ...(count ? { count: count.name } : {}),
    maxDetections: typeof k === 'number' ? k : null,
  };
}

/** [P, k] or [1, P, k]. */
function isPerRow(shape: GraphDim[]): boolean {
  if (shape.length === 2) return true;
  return shape.length === 3 && (shape[0] === 1 || typeof shape[0] !== 'number');
}

function sameDim(a: GraphDim, b: GraphDim): boolean {
  return a !== null && a === b;
}

function describe(t: GraphTensor): string {
  return `'${t.name}' ${t.elementType} ${shapeText(t.shape)}`;
}

export function shapeText(shape: GraphDim[]): string {
  return `[${shape.map((d) => (d === null ? '?' : String(d))).join(', ')}]`;
}

/** The presets and the paper's configs whose priors number `count`. */
function knownConfigsWith(count: number): string[] {
  const paper = Object.entries(PRIOR_PRESETS)
    .filter(([, cfg]) => generatePriors(cfg).boxes.length / 4 === count)
    .map(([name]) => `the paper's ${name.toUpperCase()} priors`);
  return [...knownPresetsWith(count).map((p) => `preset ${p}`), ...paper];
}

function knownPresetsWith(count: number): string[] {
  return MANIFEST_PRESET_NAMES.filter((p) => presetView(p)!.priorCount === count);
}

/** What inference reads from a manifest preset (`shared/models/presets.ts`, the one table). */
interface PresetView {
  name: string;
  /** The preset's fields as a manifest would hold them. */
  json: Record<string, unknown>;
  input: { width?: number; height?: number };
  /** The preset's background column (null: none); undefined when it does not say. */
  backgroundIndex: number | null | undefined;
  priors: PriorConfig;
  priorCount: number;
}

const presetViews = new Map<string, PresetView>();
function presetView(name: string): PresetView | undefined {
  const json = Object.hasOwn(MANIFEST_PRESETS, name) ? MANIFEST_PRESETS[name] : undefined;
  if (!json) return undefined;
  let view = presetViews.get(name);
  if (!view) {
    const input = objectAt(json, 'input');
    const output = objectAt(json, 'output');
    const background = output?.backgroundIndex;
    const priors = parsePriorConfig(json.priors);
    view = {
      name,
      json,
      input: { width: numberAt(input, 'width'), height: numberAt(input, 'height') },
      backgroundIndex:
        typeof background === 'number' || background === null ? background : undefined,
      priors,
      priorCount: generatePriors(priors).boxes.length / 4,
    };
    presetViews.set(name, view);
  }
  return view;
}

function objectAt(o: Record<string, unknown>, key: string): Record<string, unknown> | undefined {
  const v = o[key];
  return v && typeof v === 'object' && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : undefined;
}

function numberAt(o: Record<string, unknown> | undefined, key: string): number | undefined {
  const v = o?.[key];
  return typeof v === 'number' ? v : undefined;
}
