/**
 * Box layout conversions and boundary checks.
 *
 * Every function works on a flat `Float32Array` holding N boxes as 4N numbers,
 * box i at `[4i, 4i + 4)`. Two layouts are used in this library:
 *
 * - `(cx, cy, w, h)`: centre and size. Priors and regression offsets.
 * - `(x1, y1, x2, y2)`: top-left and bottom-right corners. IoU, NMS, detections.
 *
 * Coordinates are normalised to [0, 1] (fractions of the image width/height).
 */

/**
 * A flat box array. Float32 is the default (model tensors, priors); Float64 is taken wherever the
 * lens measures, so that geometric ties stay ties (see matching.ts).
 */
export type BoxArray = Float32Array | Float64Array;

/**
 * Number of boxes in a flat box array.
 *
 * @param b 4N numbers, any layout.
 * @returns N.
 * @throws Error when the length is not a multiple of 4 (a truncated or mis-strided buffer).
 */
export function boxCount(b: BoxArray): number {
  if (b.length % 4 !== 0) {
    throw new Error(`box array length ${b.length} is not a multiple of 4`);
  }
  return b.length / 4;
}

/**
 * Centre/size boxes to corner boxes.
 *
 * @param b 4N numbers `(cx, cy, w, h)`.
 * @returns a new 4N array `(x1, y1, x2, y2)`.
 */
export function cxcywhToXyxy(b: BoxArray): Float32Array {
  return cxcywhInto(b, new Float32Array(b.length));
}

/** {@link cxcywhToXyxy} in double precision. */
export function cxcywhToXyxy64(b: BoxArray): Float64Array {
  return cxcywhInto(b, new Float64Array(b.length));
}

function cxcywhInto<T extends BoxArray>(b: BoxArray, out: T): T {
  const n = boxCount(b);
  for (let i = 0; i < 4 * n; i += 4) {
    const cx = b[i]!;
    const cy = b[i + 1]!;
    const hw = b[i + 2]! / 2;
    const hh = b[i + 3]! / 2;
    out[i] = cx - hw;
    out[i + 1] = cy - hh;
    out[i + 2] = cx + hw;
    out[i + 3] = cy + hh;
  }
  return out;
}

/**
 * Corner boxes to centre/size boxes.
 *
 * @param b 4N numbers `(x1, y1, x2, y2)`.
 * @returns a new 4N array `(cx, cy, w, h)`.
 */
export function xyxyToCxcywh(b: Float32Array): Float32Array {
  const n = boxCount(b);
  const out = new Float32Array(4 * n);
  for (let i = 0; i < 4 * n; i += 4) {
    const x1 = b[i]!;
    const y1 = b[i + 1]!;
    const x2 = b[i + 2]!;
    const y2 = b[i + 3]!;
    out[i] = (x1 + x2) / 2;
    out[i + 1] = (y1 + y2) / 2;
    out[i + 2] = x2 - x1;
    out[i + 3] = y2 - y1;
  }
  return out;
}

/**
 * Checks corner boxes at an API boundary (user labels, model manifests, file imports).
 * Zero-area boxes pass: they are legal and simply overlap nothing.
 *
 * @param b 4N numbers `(x1, y1, x2, y2)`.
 * @param what names the array in the error, e.g. `"ground-truth boxes"`.
 * @throws Error naming the first offending box: a non-finite coordinate, `x2 < x1` or `y2 < y1`.
 */
export function validateXyxy(b: BoxArray, what: string): void {
  const n = boxCount(b);
  for (let i = 0; i < n; i++) {
    const x1 = b[4 * i]!;
    const y1 = b[4 * i + 1]!;
    const x2 = b[4 * i + 2]!;
    const y2 = b[4 * i + 3]!;
    const box = `${what}: box ${i} (x1=${x1}, y1=${y1}, x2=${x2}, y2=${y2})`;
    if (
      !Number.isFinite(x1) ||
      !Number.isFinite(y1) ||
      !Number.isFinite(x2) ||
      !Number.isFinite(y2)
    ) {
      throw new Error(`${box} has a non-finite coordinate`);
    }
    if (x2 < x1) throw new Error(`${box} has x2 < x1`);
    if (y2 < y1) throw new Error(`${box} has y2 < y1`);
  }
}
