/**
 * Box areas and pairwise intersection-over-union, on corner boxes `(x1, y1, x2, y2)`.
 */
import { boxCount, type BoxArray } from './boxes';

/**
 * Area of each box. Inverted boxes (x2 < x1 or y2 < y1) count as empty rather than
 * negative, so they can never produce a positive or NaN IoU downstream.
 *
 * @param b 4N numbers `(x1, y1, x2, y2)`.
 * @returns N areas.
 */
export function boxArea(b: BoxArray): Float32Array {
  return Float32Array.from(areas64(b));
}

// Areas kept in double precision so that inter/union of identical boxes is exactly 1.
function areas64(b: BoxArray): Float64Array {
  const n = boxCount(b);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const w = b[4 * i + 2]! - b[4 * i]!;
    const h = b[4 * i + 3]! - b[4 * i + 1]!;
    out[i] = w > 0 && h > 0 ? w * h : 0;
  }
  return out;
}

/**
 * IoU of every box of `a` with every box of `b`.
 *
 * Degenerate (zero-area) boxes give IoU 0 with everything, including another
 * degenerate box at the same place: an empty union is defined as no overlap, not 0/0.
 *
 * @param a Na boxes, 4Na numbers `(x1, y1, x2, y2)`.
 * @param b Nb boxes, 4Nb numbers `(x1, y1, x2, y2)`.
 * @returns Na×Nb row-major: entry `i * Nb + j` is IoU(a_i, b_j), in [0, 1].
 */
export function iouMatrix(a: BoxArray, b: BoxArray): Float32Array {
  return iouInto(a, b, new Float32Array(boxCount(a) * boxCount(b)));
}

/** {@link iouMatrix} kept in double precision. */
export function iouMatrix64(a: BoxArray, b: BoxArray): Float64Array {
  return iouInto(a, b, new Float64Array(boxCount(a) * boxCount(b)));
}

function iouInto<T extends Float32Array | Float64Array>(a: BoxArray, b: BoxArray, out: T): T {
  const na = boxCount(a);
  const nb = boxCount(b);
  const areaA = areas64(a);
  const areaB = areas64(b);
  for (let i = 0; i < na; i++) {
    const ax1 = a[4 * i]!;
    const ay1 = a[4 * i + 1]!;
    const ax2 = a[4 * i + 2]!;
    const ay2 = a[4 * i + 3]!;
    const aa = areaA[i]!;
    const row = i * nb;
    for (let j = 0; j < nb; j++) {
      const iw = Math.min(ax2, b[4 * j + 2]!) - Math.max(ax1, b[4 * j]!);
      if (iw <= 0) continue;
      const ih = Math.min(ay2, b[4 * j + 3]!) - Math.max(ay1, b[4 * j + 1]!);
      if (ih <= 0) continue;
      const inter = iw * ih;
      const union = aa + areaB[j]! - inter;
      out[row + j] = union > 0 ? inter / union : 0;
    }
  }
  return out;
}

/**
 * IoU of box `i` of `a` with box `j` of `b`, computed in double precision without
 * allocating; the inner step of NMS. Same degenerate-box rule as {@link iouMatrix}.
 */
export function iouPair(a: BoxArray, i: number, b: BoxArray, j: number): number {
  const iw = Math.min(a[4 * i + 2]!, b[4 * j + 2]!) - Math.max(a[4 * i]!, b[4 * j]!);
  if (iw <= 0) return 0;
  const ih = Math.min(a[4 * i + 3]!, b[4 * j + 3]!) - Math.max(a[4 * i + 1]!, b[4 * j + 1]!);
  if (ih <= 0) return 0;
  const inter = iw * ih;
  const wa = a[4 * i + 2]! - a[4 * i]!;
  const ha = a[4 * i + 3]! - a[4 * i + 1]!;
  const wb = b[4 * j + 2]! - b[4 * j]!;
  const hb = b[4 * j + 3]! - b[4 * j + 1]!;
  const union = wa * ha + wb * hb - inter;
  return union > 0 ? inter / union : 0;
}
