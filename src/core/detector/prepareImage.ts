import type { InputSpec } from '../../shared/models/manifest';
import { decodeImageFile, ImageDecodeError } from '../image/decode';
import { preprocess, type Preprocessed } from './preprocess';

/** An image file turned into network input, with its size and what each step cost. */
export interface PreparedImage {
  pre: Preprocessed;
  /** The image as displayed (EXIF orientation applied): what boxes are reported in. */
  width: number;
  height: number;
  decodeMs: number;
  preprocessMs: number;
}

/** A prepared image, or why the file cannot be used (the message is meant for the person). */
export type Prepared = PreparedImage | { error: string };

export interface PrepareRequest {
  id: number;
  file: string;
  spec: InputSpec;
  /** A tensor buffer the batch is done with, to write this image's input into (see preprocess). */
  reuse?: ArrayBuffer;
}

export interface PrepareReply {
  id: number;
  prepared: Prepared;
}

/**
 * Decodes (exactly, see decodeImageFile) and preprocesses one file, into `reuse` when it fits;
 * never throws.
 */
export async function prepareImage(
  file: string,
  spec: InputSpec,
  reuse?: Float32Array,
): Promise<Prepared> {
  const t0 = performance.now();
  try {
    const image = await decodeImageFile(file);
    const t1 = performance.now();
    const pre = preprocess(image, spec, reuse);
    return {
      pre,
      width: image.width,
      height: image.height,
      decodeMs: t1 - t0,
      preprocessMs: performance.now() - t1,
    };
  } catch (err) {
    return {
      error: err instanceof ImageDecodeError ? err.message : `cannot decode (${String(err)})`,
    };
  }
}
