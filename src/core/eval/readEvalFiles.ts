import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { decodeTextBytes } from '../formats/textDecoding';
import { EvalInputError, readEvalInput, type EvalInput } from '../../shared/eval/cocoFiles';

/** Reads a COCO ground-truth file and a detections file into the evaluator's input. */
export async function readEvalFiles(gtFile: string, dtFile: string): Promise<EvalInput> {
  const [gt, dt] = await Promise.all([readJson(gtFile), readJson(dtFile)]);
  return readEvalInput(gt, dt, { gt: path.basename(gtFile), dt: path.basename(dtFile) });
}

async function readJson(file: string): Promise<unknown> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new EvalInputError(
      code === 'ENOENT'
        ? `${path.resolve(file)} does not exist`
        : `cannot read ${path.resolve(file)}: ${(err as Error).message}`,
    );
  }
  const decoded = decodeTextBytes(bytes);
  if ('problem' in decoded)
    throw new EvalInputError(
      `${path.basename(file)}${decoded.line !== undefined ? ` line ${decoded.line}` : ''} is ${decoded.problem}`,
    );
  try {
    return JSON.parse(decoded.text) as unknown;
  } catch (err) {
    throw new EvalInputError(`${path.basename(file)} is not valid JSON: ${(err as Error).message}`);
  }
}
