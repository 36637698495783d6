/**
 * A run's state after each finished epoch: history, best epoch, the last and best head
 * parameters. One JSON file written atomically, so a run killed at any moment leaves either the
 * previous epoch's checkpoint or this one, never half of one. Parameters are float32 bytes in
 * base64 (exact and compact). A checkpoint of another project, base model, class list or mode
 * is not resumed from.
 */
import { readFile } from 'node:fs/promises';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../fs/atomicWrite';
import type { HeadParams } from './trainableHeads';
import type { EpochReport } from './trainRun';

export interface CheckpointIdentity {
  project: string;
  base: string;
  classes: string[];
  mode: string;
}

export interface Checkpoint {
  identity: CheckpointIdentity;
  epochsDone: number;
  bestEpoch: number;
  /** −1 before the first epoch. */
  bestMap: number;
  history: EpochReport[];
  last: HeadParams;
  best: HeadParams | null;
  /** The moving average of the weights and its step count (absent: the run keeps none). */
  average?: { params: HeadParams; steps: number };
}

const ParamsSchema = z.record(z.string(), z.string());
const FileSchema = z.object({
  version: z.literal(1),
  identity: z.object({
    project: z.string(),
    base: z.string(),
    classes: z.array(z.string()),
    mode: z.string(),
  }),
  epochsDone: z.number().int().nonnegative(),
  bestEpoch: z.number().int().nonnegative(),
  bestMap: z.number(),
  history: z.array(
    z.object({
      epoch: z.number(),
      epochs: z.number(),
      trainLoss: z.number(),
      valMap: z.number(),
      bestEpoch: z.number(),
      bestMap: z.number(),
      seconds: z.number(),
    }),
  ),
  last: ParamsSchema,
  best: ParamsSchema.nullable(),
  average: z.object({ params: ParamsSchema, steps: z.number().int().nonnegative() }).optional(),
});

const FILE = 'checkpoint.json';

export function checkpointFile(dir: string): string {
  return path.join(dir, FILE);
}

export async function saveCheckpoint(dir: string, c: Checkpoint): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const json = {
    version: 1,
    identity: c.identity,
    epochsDone: c.epochsDone,
    bestEpoch: c.bestEpoch,
    bestMap: c.bestMap,
    history: c.history,
    last: encode(c.last),
    best: c.best ? encode(c.best) : null,
    ...(c.average ? { average: { params: encode(c.average.params), steps: c.average.steps } } : {}),
  };
  await writeFileAtomic(checkpointFile(dir), JSON.stringify(json));
}

/**
 * The checkpoint in `dir` if it belongs to this run (same identity), else null. A checkpoint of
 * another run is reported by throwing, so it is never overwritten silently.
 */
export async function loadCheckpoint(
  dir: string,
  identity: CheckpointIdentity,
): Promise<Checkpoint | null> {
  let text: string;
  try {
    text = await readFile(checkpointFile(dir), 'utf8');
  } catch {
    return null;
  }
  const parsed = FileSchema.safeParse(JSON.parse(text));
  if (!parsed.success)
    throw new Error(
      `${checkpointFile(dir)} is not a training checkpoint; move it away to start afresh`,
    );
  const c = parsed.data;
  if (JSON.stringify(c.identity) !== JSON.stringify(identity))
    throw new Error(
      `${checkpointFile(dir)} belongs to another run (${c.identity.project}, ${c.identity.base}, classes ${c.identity.classes.join(', ')}); choose another --out or delete it`,
    );
  return {
    identity: c.identity,
    epochsDone: c.epochsDone,
    bestEpoch: c.bestEpoch,
    bestMap: c.bestMap,
    history: c.history,
    last: decode(c.last),
    best: c.best ? decode(c.best) : null,
    ...(c.average ? { average: { params: decode(c.average.params), steps: c.average.steps } } : {}),
  };
}

function encode(params: HeadParams): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(params))
    out[k] = Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
  return out;
}

function decode(params: Record<string, string>): HeadParams {
  const out: HeadParams = {};
  for (const [k, v] of Object.entries(params)) {
    const bytes = Buffer.from(v, 'base64');
    out[k] = new Float32Array(
      bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
    );
  }
  return out;
}
