import type { InputSpec, ResizeSpec } from '../../shared/models/manifest';
import type { RgbImage } from '../image/decode';
import { canvasFor, type Canvas } from '../../shared/ssd/canvasMapping';
import { fillPadding, resizeWithWasm, type KernelJob, type KernelTaps } from './resizeKernel';

// The canvas mapping lives in shared (the renderer and the lens need it too); re-exported for
// the detector.
export { canvasFor, canvasToImage, imageToCanvas } from '../../shared/ssd/canvasMapping';
export type { Canvas } from '../../shared/ssd/canvasMapping';

export interface Preprocessed {
  /** Network input, already normalised, in the manifest's layout. */
  data: Float32Array;
  dims: [number, number, number, number];
  canvas: Canvas;
}

/**
 * For each output coordinate along one axis: the two source indices it blends and their weights.
 * A tap that falls on padding gets weight 0 and a valid index, so the inner loop never branches.
 */
type AxisTaps = KernelTaps;

function axisTaps(
  outSize: number,
  canvasSize: number,
  offset: number,
  imageSize: number,
  kind: ResizeSpec['interpolation'],
): AxisTaps {
  const taps = {
    i0: new Int32Array(outSize),
    i1: new Int32Array(outSize),
    w0: new Float64Array(outSize),
    w1: new Float64Array(outSize),
  };
  const scale = canvasSize / outSize;
  // The canvas is sampled as a whole (its last pixel is the clamp), then shifted to the image.
  const last = Math.ceil(canvasSize) - 1;
  const set = (o: number, which: 0 | 1, canvasIndex: number, weight: number): void => {
    const x = canvasIndex - offset;
    const inside = x >= 0 && x < imageSize;
    (which === 0 ? taps.i0 : taps.i1)[o] = inside ? x : 0;
    (which === 0 ? taps.w0 : taps.w1)[o] = inside ? weight : 0;
  };
  for (let o = 0; o < outSize; o++) {
    let src: number;
    if (kind === 'bilinear-half-pixel') src = Math.max(0, (o + 0.5) * scale - 0.5);
    else src = o * scale; // asymmetric: TF legacy (align_corners=false, half_pixel_centers=false)
    const lo = Math.min(Math.floor(src), last);
    if (kind === 'nearest-asymmetric') {
      set(o, 0, lo, 1);
      set(o, 1, lo, 0);
      continue;
    }
    const frac = src - lo;
    set(o, 0, lo, 1 - frac);
    set(o, 1, Math.min(lo + 1, last), frac);
  }
  return taps;
}

/**
 * Resizes, pads and normalises an RGB image into the network input described by `spec`.
 * Padding is zero before normalisation (as face-api and TF pad), so it becomes `offset` after.
 * `into`, when it has the input's size, is written over and returned as `data` (a batch reuses
 * its tensors: a fresh 3 MB array per image costs a zero fill, page faults and GC); every
 * element is written, so nothing of its previous image remains.
 */
export function preprocess(
  image: RgbImage,
  spec: InputSpec,
  into?: Float32Array,
  kernel: 'auto' | 'js' = 'auto',
): Preprocessed {
  const { width: inW, height: inH } = spec;
  const canvas = canvasFor(image.width, image.height, inW, inH, spec.resize);
  const xs = axisTaps(inW, canvas.width, canvas.offsetX, image.width, spec.resize.interpolation);
  const ys = axisTaps(inH, canvas.height, canvas.offsetY, image.height, spec.resize.interpolation);
  const nchw = spec.layout === 'nchw';
  const plane = inW * inH;
  const out = into?.length === plane * 3 ? into : new Float32Array(plane * 3);
  const job: KernelJob = {
    src: image.data,
    srcWidth: image.width,
    outWidth: inW,
    outHeight: inH,
    xs,
    ys,
    // Padding (both taps weigh 0) normalises to the offset: it is filled once and the kernel
    // runs only where the image is. For non-negative pixels the skipped sums are exactly +0, so
    // the result is the same as computing them (pad-square leaves up to half of a wide photo's
    // input padding).
    cols: activeTaps(xs),
    rows: activeTaps(ys),
    // Output channel k reads source channel srcChannel[k] (BGR models read it backwards).
    srcChannel: spec.colorOrder === 'bgr' ? [2, 1, 0] : [0, 1, 2],
    scale: perChannel(spec.normalize.scale),
    offset: perChannel(spec.normalize.offset),
    nchw,
  };
  if (kernel === 'js' || !resizeWithWasm(job, out)) resizeWithJs(job, out);
  return { data: out, dims: nchw ? [1, 3, inH, inW] : [1, inH, inW, 3], canvas };
}

/** The JavaScript kernel: the reference the WebAssembly one is tested against, and its fallback. */
function resizeWithJs(job: KernelJob, out: Float32Array): void {
  const { xs, ys, cols, rows, nchw } = job;
  const [c0, c1, c2] = job.srcChannel;
  const [s0, s1, s2] = job.scale;
  const [o0, o1, o2] = job.offset;
  const inW = job.outWidth;
  const plane = inW * job.outHeight;
  const src = job.src;
  const rowStride = job.srcWidth * 3;
  // Byte offsets of each output column's two taps, precomputed once.
  const bx0 = new Int32Array(inW);
  const bx1 = new Int32Array(inW);
  for (let x = 0; x < inW; x++) {
    bx0[x] = xs.i0[x]! * 3;
    bx1[x] = xs.i1[x]! * 3;
  }
  // Where output channel k of pixel p goes, as base + p · step.
  const [ob0, ob1, ob2, step] = nchw ? [0, plane, 2 * plane, 1] : [0, 1, 2, 3];
  fillPadding(out, nchw, plane, job.offset);
  for (let ri = 0; ri < rows.length; ri++) {
    const y = rows[ri]!;
    const r0 = ys.i0[y]! * rowStride;
    const r1 = ys.i1[y]! * rowStride;
    const wy0 = ys.w0[y]!;
    const wy1 = ys.w1[y]!;
    const rowBase = y * inW;
    for (let ci = 0; ci < cols.length; ci++) {
      const x = cols[ci]!;
      const p = (rowBase + x) * step;
      const wx0 = xs.w0[x]!;
      const wx1 = xs.w1[x]!;
      const a = r0 + bx0[x]!;
      const b = r0 + bx1[x]!;
      const c = r1 + bx0[x]!;
      const d = r1 + bx1[x]!;
      const v0 =
        wy0 * (wx0 * src[a + c0]! + wx1 * src[b + c0]!) +
        wy1 * (wx0 * src[c + c0]! + wx1 * src[d + c0]!);
      const v1 =
        wy0 * (wx0 * src[a + c1]! + wx1 * src[b + c1]!) +
        wy1 * (wx0 * src[c + c1]! + wx1 * src[d + c1]!);
      const v2 =
        wy0 * (wx0 * src[a + c2]! + wx1 * src[b + c2]!) +
        wy1 * (wx0 * src[c + c2]! + wx1 * src[d + c2]!);
      out[ob0 + p] = v0 * s0 + o0;
      out[ob1 + p] = v1 * s1 + o1;
      out[ob2 + p] = v2 * s2 + o2;
    }
  }
}

/** Output indices along one axis where some tap falls on the image (not on padding). */
function activeTaps(taps: AxisTaps): Int32Array {
  const active: number[] = [];
  for (let o = 0; o < taps.w0.length; o++) if (taps.w0[o] !== 0 || taps.w1[o] !== 0) active.push(o);
  return Int32Array.from(active);
}

function perChannel(v: number | [number, number, number]): [number, number, number] {
  return typeof v === 'number' ? [v, v, v] : v;
}
