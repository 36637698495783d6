import type { InputSpec } from '../../shared/models/manifest';
import { cannotReadReason, readCandidateImage } from '../image/candidateFile';
import {
  decodeIdentified,
  decodeImageFile,
  ImageDecodeError,
  type RgbImage,
} from '../image/decode';
import { preprocess, type Preprocessed } from './preprocess';

/** An image file turned into network input, with its size and what each step cost. */
export interface PreparedImage {
  pre: Preprocessed;
  /** The image as displayed (EXIF orientation applied): what boxes are reported in. */
  width: number;
  height: number;
  decodeMs: number;
  preprocessMs: number;
  /** For a file prepared with `admit`: what recording it as a project image needs. */
  admitted?: AdmittedFile;
}

/** A new file's content hash and format, read in the same pass as its decode. */
export interface AdmittedFile {
  sha256: string;
  format: string;
}

/**
 * Read a file that is not a project image yet as the import reads one (see readCandidateImage:
 * header, size cap, hash), `size` being its size when it was found.
 */
export interface AdmitRequest {
  size: number;
}

/** A prepared image, or why the file cannot be used (the message is meant for the person). */
export type Prepared = PreparedImage | { error: string };

export interface PrepareRequest {
  id: number;
  file: string;
  spec: InputSpec;
  /** A tensor buffer the batch is done with, to write this image's input into (see preprocess). */
  reuse?: ArrayBuffer;
  admit?: AdmitRequest;
  /** Prepare at the lowest priority from now on (see prepareAtLowPriority). */
  lowPriority?: boolean;
}

export interface PrepareReply {
  id: number;
  prepared: Prepared;
}

/**
 * Decodes (exactly, see decodeImageFile) and preprocesses one file, into `reuse` when it fits;
 * with `admit`, reads it as a new project image (hashed, checked as the import checks). Never
 * throws.
 */
export async function prepareImage(
  file: string,
  spec: InputSpec,
  reuse?: Float32Array,
  admit?: AdmitRequest,
): Promise<Prepared> {
  const t0 = performance.now();
  try {
    let image: RgbImage;
    let admitted: AdmittedFile | undefined;
    if (admit) {
      const read = await readCandidateImage(file, admit.size);
      if ('reason' in read) return { error: read.reason };
      const decoded = await decodeIdentified(read.bytes, file);
      image = decoded.image;
      admitted = { sha256: read.sha256, format: decoded.format };
    } else image = await decodeImageFile(file);
    const t1 = performance.now();
    const pre = preprocess(image, spec, reuse);
    return {
      pre,
      width: image.width,
      height: image.height,
      decodeMs: t1 - t0,
      preprocessMs: performance.now() - t1,
      ...(admitted ? { admitted } : {}),
    };
  } catch (err) {
    if (err instanceof ImageDecodeError) return { error: err.message };
    // A file that cannot be opened (gone, no permission): worded as the import words it.
    if ((err as NodeJS.ErrnoException).code) return { error: cannotReadReason(err) };
    return { error: `cannot decode (${String(err)})` };
  }
}

/** The last image this thread began to prepare (see prepareImageInTurn). */
let inTurn: Promise<unknown> = Promise.resolve();

/**
 * {@link prepareImage}, one image at a time on this thread: each starts when the one asked for
 * before it has finished. libvips keeps one error message for the whole process, so two decodes
 * at once could lose a bad file's reason to the other one ("Unknown error" instead of "premature
 * end of JPEG image", seen under load); a batch's reasons must not depend on timing. One decode
 * at a time still uses libvips' own threads, and a batch prepares well ahead of the model.
 */
export function prepareImageInTurn(
  file: string,
  spec: InputSpec,
  reuse?: Float32Array,
  admit?: AdmitRequest,
): Promise<Prepared> {
  const prepared = inTurn.then(() => prepareImage(file, spec, reuse, admit));
  inTurn = prepared;
  return prepared;
}
