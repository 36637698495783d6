import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { open } from 'node:fs/promises';

/** A file that is not a regular file, or larger than the caller allows. */
export class UnreadableFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnreadableFileError';
  }
}

/**
 * Reads a small regular file whole. Opened non-blocking and checked with fstat on the open
 * descriptor, so a FIFO cannot hang the process, a device (/dev/zero) cannot grow it without
 * bound, and a file swapped between check and read is still the one checked. Messages name the
 * file, never its contents.
 */
export function readBoundedFile(
  file: string,
  maxBytes: number,
  options: { tooLarge?: (size: number, maxBytes: number) => string } = {},
): Buffer {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UnreadableFileError(
      code === 'ENOENT'
        ? `${file} does not exist`
        : `${file} cannot be opened (${code ?? 'error'})`,
    );
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new UnreadableFileError(`${file} is not a regular file`);
    if (st.size > maxBytes)
      throw new UnreadableFileError(
        options.tooLarge?.(st.size, maxBytes) ?? `${file} is larger than ${maxBytes} bytes`,
      );
    const buf = Buffer.alloc(st.size);
    let read = 0;
    while (read < st.size) {
      const n = readSync(fd, buf, read, st.size - read, read);
      if (n === 0) break;
      read += n;
    }
    return buf.subarray(0, read);
  } finally {
    closeSync(fd);
  }
}

/** `readBoundedFile` without blocking the event loop (images: megabytes, served while others wait). */
export async function readBoundedFileAsync(file: string, maxBytes: number): Promise<Buffer> {
  const handle = await open(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0)).catch(
    (err: NodeJS.ErrnoException) => {
      throw new UnreadableFileError(`${file} cannot be opened (${err.code ?? 'error'})`);
    },
  );
  try {
    const st = await handle.stat();
    if (!st.isFile()) throw new UnreadableFileError(`${file} is not a regular file`);
    if (st.size > maxBytes)
      throw new UnreadableFileError(`${file} is larger than ${maxBytes} bytes`);
    const buf = Buffer.alloc(st.size);
    let read = 0;
    while (read < st.size) {
      const { bytesRead } = await handle.read(buf, read, st.size - read, read);
      if (bytesRead === 0) break;
      read += bytesRead;
    }
    return buf.subarray(0, read);
  } finally {
    await handle.close();
  }
}
