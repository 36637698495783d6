import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';

/** One decoded tfjs weight: row-major values in the tensor's TF layout (filters are HWIO). */
export interface NamedWeight {
  name: string;
  dtype: 'float32' | 'int32';
  shape: number[];
  data: Float32Array | Int32Array;
}

/** Decoded weights by tfjs name (e.g. `MobilenetV1/Conv2d_0_pointwise/weights`). */
export type WeightMap = ReadonlyMap<string, NamedWeight>;

/** Weights that cannot be used: unreadable, malformed, truncated, or not the expected model. */
export class WeightsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WeightsError';
  }
}

const QuantizationSchema = z.object({
  dtype: z.enum(['uint8', 'uint16']),
  scale: z.number(),
  min: z.number(),
});

const WeightEntrySchema = z.object({
  name: z.string().min(1),
  shape: z.array(z.number().int().nonnegative()),
  dtype: z.enum(['float32', 'int32']),
  quantization: QuantizationSchema.optional(),
});

const ManifestSchema = z
  .array(
    z.object({ paths: z.array(z.string().min(1)).min(1), weights: z.array(WeightEntrySchema) }),
  )
  .min(1);

type WeightEntry = z.infer<typeof WeightEntrySchema>;

/** A weights manifest group with its shard files already concatenated. */
export interface WeightGroupBytes {
  /** Entries of the group (the `weights` array of a tfjs manifest group). */
  entries: unknown;
  /** Concatenation of the group's `paths` files, in order. */
  bytes: Uint8Array;
  /** Names the shards in messages. */
  label: string;
}

/**
 * Reads a tfjs `*-weights_manifest.json` and its shard files (resolved beside the manifest)
 * and decodes every weight. Quantised entries are dequantised as tfjs does: float32 value =
 * q·scale + min; int32 value = round(q·scale + min).
 *
 * @throws WeightsError naming the file and the problem (missing file, bad JSON, unknown
 *   quantisation, shard size that does not match the manifest).
 */
export async function readTfjsWeights(manifestPath: string): Promise<WeightMap> {
  const manifest = parseManifest(await readJson(manifestPath), manifestPath);
  const dir = path.dirname(manifestPath);
  const groups: WeightGroupBytes[] = [];
  for (const group of manifest) {
    const files = group.paths.map((p) => path.join(dir, p));
    const shards = await Promise.all(files.map(readShard));
    groups.push({ entries: group.weights, bytes: concat(shards), label: files.join(' + ') });
  }
  return decodeTfjsWeights(groups);
}

/**
 * Decodes weight groups already in memory (see {@link readTfjsWeights} for the value rules).
 * Each group's bytes must be exactly as long as its entries describe.
 */
export function decodeTfjsWeights(groups: readonly WeightGroupBytes[]): WeightMap {
  const out = new Map<string, NamedWeight>();
  for (const group of groups) {
    const entries = parseEntries(group.entries, group.label);
    const expected = entries.reduce((sum, e) => sum + byteLength(e), 0);
    if (group.bytes.length !== expected) {
      throw new WeightsError(
        `${group.label} is ${group.bytes.length} bytes but its manifest describes ${expected} bytes` +
          (group.bytes.length < expected
            ? ' (truncated file?)'
            : ' (wrong file for this manifest?)'),
      );
    }
    let offset = 0;
    for (const entry of entries) {
      const length = byteLength(entry);
      if (out.has(entry.name))
        throw new WeightsError(`weight ${entry.name} appears twice in the manifest`);
      out.set(entry.name, decodeEntry(entry, group.bytes.subarray(offset, offset + length)));
      offset += length;
    }
  }
  return out;
}

function decodeEntry(entry: WeightEntry, bytes: Uint8Array): NamedWeight {
  const count = elementCount(entry.shape);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const q = entry.quantization;
  const data = entry.dtype === 'float32' ? new Float32Array(count) : new Int32Array(count);
  for (let i = 0; i < count; i++) {
    if (q) {
      const stored = q.dtype === 'uint8' ? view.getUint8(i) : view.getUint16(i * 2, true);
      const value = stored * q.scale + q.min;
      data[i] = entry.dtype === 'int32' ? Math.round(value) : value;
    } else {
      data[i] =
        entry.dtype === 'float32' ? view.getFloat32(i * 4, true) : view.getInt32(i * 4, true);
    }
  }
  return { name: entry.name, dtype: entry.dtype, shape: [...entry.shape], data };
}

function byteLength(entry: WeightEntry): number {
  const perElement = entry.quantization ? (entry.quantization.dtype === 'uint8' ? 1 : 2) : 4;
  return elementCount(entry.shape) * perElement;
}

function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function parseManifest(json: unknown, source: string): z.infer<typeof ManifestSchema> {
  const result = ManifestSchema.safeParse(json);
  if (!result.success)
    throw new WeightsError(`${source} is not a tfjs weights manifest: ${issues(result.error)}`);
  return result.data;
}

function parseEntries(json: unknown, label: string): WeightEntry[] {
  const result = z.array(WeightEntrySchema).safeParse(json);
  if (!result.success)
    throw new WeightsError(
      `weights manifest entries for ${label} are invalid: ${issues(result.error)}`,
    );
  return result.data;
}

function issues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`)
    .join('; ');
}

async function readJson(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new WeightsError(`cannot read weights manifest ${file} (${errorCode(err)})`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new WeightsError(`${file} is not valid JSON (${(err as Error).message})`);
  }
}

async function readShard(file: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(file));
  } catch (err) {
    throw new WeightsError(`cannot read weights file ${file} (${errorCode(err)})`);
  }
}

function errorCode(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? String(err);
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}
