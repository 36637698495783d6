import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { SNIFF_BYTES, sniffImageFormat } from './sniffImage';

/**
 * Largest image file read (bytes). Decoding needs the whole file in memory, a few at a time; a
 * larger "image" is reported instead, so a hostile folder cannot exhaust memory.
 */
export const MAX_IMAGE_FILE_BYTES = 64 * 1024 * 1024;

/** Why a file could not be opened or read (gone, no permission), worded the same everywhere. */
export function cannotReadReason(err: unknown): string {
  return `cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`;
}

/**
 * Reads a file that may become a project image: the head first, and the rest (hashed as it
 * streams in) only when the head is a recognised image and the file is within the size cap.
 * The import and a detect job's admission of new files both read through here, so a file is
 * refused for the same reasons, in the same words, wherever it is added.
 */
export async function readCandidateImage(
  file: string,
  size: number,
): Promise<{ bytes: Buffer; sha256: string } | { reason: string }> {
  const handle = await open(file, 'r');
  try {
    const head = Buffer.alloc(Math.min(SNIFF_BYTES, size));
    await handle.read(head, 0, head.length, 0);
    if (size === 0) return { reason: 'file is empty (0 bytes)' };
    if (!sniffImageFormat(head)) return { reason: 'not a supported image (unrecognised header)' };
    if (size > MAX_IMAGE_FILE_BYTES)
      return {
        reason: `image file too large (${size} bytes; at most ${MAX_IMAGE_FILE_BYTES} are read)`,
      };
    const hash = createHash('sha256');
    const chunks: Buffer[] = [];
    let total = 0;
    for await (const chunk of handle.createReadStream({ start: 0, autoClose: false })) {
      const b = chunk as Buffer;
      total += b.length;
      if (total > MAX_IMAGE_FILE_BYTES) return { reason: 'image file grew while it was read' };
      hash.update(b);
      chunks.push(b);
    }
    return { bytes: Buffer.concat(chunks, total), sha256: hash.digest('hex') };
  } finally {
    await handle.close();
  }
}
