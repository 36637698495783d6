import ort from 'onnxruntime-node';
import { readBoundedFile, UnreadableFileError } from '../fs/readBoundedFile';

/**
 * What an ONNX file declares about its graph inputs and outputs, read with ONNX Runtime (which
 * also proves the file loads). Dimensions are a size, or the symbolic name of a dynamic one
 * (`"N"`, `"height"`); `null` where the graph says nothing.
 */
export type GraphDim = number | string | null;

export interface GraphTensor {
  name: string;
  /** ONNX Runtime's element type name (`float32`, `uint8`, `int64`, …); `"non-tensor"` otherwise. */
  elementType: string;
  /** `[]` when the graph declares no shape. */
  shape: GraphDim[];
}

export interface OnnxGraphInfo {
  file: string;
  bytes: number;
  inputs: GraphTensor[];
  outputs: GraphTensor[];
}

/** A file that cannot be inspected as a model: the message says why, naming the file. */
export class ModelInspectError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelInspectError';
  }
}

/**
 * The largest model accepted. Protobuf caps a single ONNX file at 2 GiB; an SSD is tens of MB
 * (SSD512-VGG16 ~100 MB), so 1 GiB is far beyond any real one while bounding memory.
 */
export const MAX_MODEL_BYTES = 1 << 30;

/**
 * Reads the graph's declared inputs and outputs. Refuses, each with its own message: a path
 * that is not a regular file, an empty or oversized file, and a file ONNX Runtime cannot load.
 */
export async function inspectOnnxGraph(
  file: string,
  options: { maxBytes?: number } = {},
): Promise<OnnxGraphInfo> {
  const maxBytes = options.maxBytes ?? MAX_MODEL_BYTES;
  const bytes = readModelBytes(file, maxBytes);
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes, {
      executionProviders: ['cpu'],
      graphOptimizationLevel: 'disabled',
    });
  } catch (err) {
    const reason = firstLine((err as Error).message);
    throw new ModelInspectError(`${file} is not an ONNX model ONNX Runtime can load (${reason})`);
  }
  try {
    return {
      file,
      bytes: bytes.length,
      inputs: session.inputMetadata.map(tensorOf),
      outputs: session.outputMetadata.map(tensorOf),
    };
  } finally {
    await session.release();
  }
}

function tensorOf(meta: ort.InferenceSession.ValueMetadata): GraphTensor {
  if (!meta.isTensor) return { name: meta.name, elementType: 'non-tensor', shape: [] };
  return {
    name: meta.name,
    elementType: meta.type,
    // ORT reports an unknown dimension as a negative size or an empty symbol.
    shape: meta.shape.map((d) =>
      typeof d === 'number' ? (d >= 0 ? d : null) : d === '' ? null : d,
    ),
  };
}

/** Reads a regular file under the cap (readBoundedFile: a FIFO or device cannot hang us). */
function readModelBytes(file: string, maxBytes: number): Uint8Array {
  let bytes: Buffer;
  try {
    bytes = readBoundedFile(file, maxBytes, {
      tooLarge: (size) =>
        `${file} is too big for a model (${formatMiB(size)}; the limit is ${formatMiB(maxBytes)})`,
    });
  } catch (err) {
    if (err instanceof UnreadableFileError) throw new ModelInspectError(err.message);
    throw err;
  }
  if (bytes.length === 0) throw new ModelInspectError(`${file} is empty, not an ONNX model`);
  return bytes;
}

function formatMiB(bytes: number): string {
  return `${(bytes / (1 << 20)).toFixed(bytes < 1 << 20 ? 3 : 0)} MiB`;
}

function firstLine(text: string): string {
  const line = text.split('\n')[0] ?? '';
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}
