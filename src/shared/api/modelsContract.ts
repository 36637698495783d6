/**
 * "Add model…" in the UI ↔ backend contract (spread into `contract` in contract.ts). A model
 * file is named by path only as the backend allowed it: in browser mode a `.onnx` file under the
 * `--root` folders (listFolder with `models: true`), in Electron the file main's native dialog
 * returned (chooseModelFile). The backend checks every path it is sent against that rule.
 */
import { z } from 'zod';
import { MANIFEST_PRESET_NAMES } from '../models/presets';
import { classNameField } from './classNameField';

const modelFile = z
  .string()
  .min(1)
  .max(4096)
  .refine((p) => !p.includes('\0'), 'path contains a NUL character');
const className = classNameField;
/** What a manifest's `name` may be (the schema's rule, checked here already). */
const newModelName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,99}$/, 'lower-case letters, digits, . _ - only');
const side = z.number().int().min(1).max(4096);

const AddModelFieldsSchema = z.strictObject({
  file: modelFile,
  preset: z
    .string()
    .refine((p) => MANIFEST_PRESET_NAMES.includes(p), {
      message: `not a known preset (known: ${MANIFEST_PRESET_NAMES.join(', ')})`,
    })
    .optional(),
  classes: z.array(className).min(1).max(10_000).optional(),
  name: newModelName.optional(),
  inputSize: z.strictObject({ width: side, height: side }).optional(),
});

export interface InspectedOutputRaw {
  kind: 'raw';
  boxes: string;
  scores: string;
  priors: number | null;
  columns: number | null;
}
export interface InspectedOutputDecoded {
  kind: 'decoded';
  boxes: string;
  scores: string;
  labels: string;
  count?: string;
  maxDetections: number | null;
}

/** What inspecting a model file found, and (when nothing was missing) its one test run. */
export interface ModelInspection {
  file: string;
  /** The name it would be registered under. */
  name: string;
  input: {
    name: string;
    layout: 'nchw' | 'nhwc';
    width: number | null;
    height: number | null;
  } | null;
  output: InspectedOutputRaw | InspectedOutputDecoded | null;
  classCount: number | null;
  priorCheck: {
    fromGraph: number;
    fromConfig: number;
    configSource: string;
    agrees: boolean;
    matching: string[];
  } | null;
  facts: string[];
  needs: { field: string; message: string }[];
  problems: string[];
  testRun: {
    ok: boolean;
    error?: string;
    detections: number;
    top: { label: string; score: number }[];
    milliseconds: number;
  } | null;
  presets: string[];
}

export interface AddedModel extends ModelInspection {
  /** The registered model's name; null when it was not registered (see needs/problems/testRun). */
  registered: string | null;
}

export const modelsContract = {
  /** Electron: main's native open dialog for an `.onnx` file (browser mode: use listFolder). */
  chooseModelFile: { request: z.strictObject({}), response: {} as { file: string | null } },
  /** Inspects a file, infers its manifest and, when nothing is missing, test-runs it. */
  inspectModel: { request: AddModelFieldsSchema, response: {} as ModelInspection },
  /** The same, then registers it in the per-user models folder when everything holds. */
  addModel: {
    request: AddModelFieldsSchema.extend({ replace: z.boolean().optional() }),
    response: {} as AddedModel,
  },
  /** Removes a model the user added (never a bundled one). */
  removeModel: {
    request: z.strictObject({ name: newModelName }),
    response: {} as { removed: string },
  },
} as const;
