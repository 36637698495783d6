import { RESIZE_KERNEL_WASM } from './wasm/resizeKernel.wasm';

/**
 * The exact bilinear kernel of preprocess.ts in WebAssembly (`wasm/resizeKernel.wat`), in its
 * two passes: each source row the output needs is blended horizontally once (`hrow`, into one of
 * two cached rows), then each output row is the vertical blend of two such rows, normalised
 * (`vrow`, two columns per f64x2 step). Same operations in the same order as the JavaScript
 * kernel, in f64, rounded once to f32: bit-identical (tested), about a third of its time, which
 * on 2 cores is CPU taken from inference during a batch.
 */

interface KernelExports {
  memory: { buffer: ArrayBuffer; grow(pages: number): number };
  hrow(...args: number[]): void;
  vrow(...args: number[]): void;
}

/** Taps along one axis (see preprocess.ts `axisTaps`). */
export interface KernelTaps {
  i0: Int32Array;
  i1: Int32Array;
  w0: Float64Array;
  w1: Float64Array;
}

export interface KernelJob {
  src: Uint8Array;
  srcWidth: number;
  outWidth: number;
  outHeight: number;
  xs: KernelTaps;
  ys: KernelTaps;
  /** Output columns and rows where a tap falls on the image; columns contiguous. */
  cols: Int32Array;
  rows: Int32Array;
  /** Source channel read by output channel k. */
  srcChannel: readonly [number, number, number];
  scale: readonly [number, number, number];
  offset: readonly [number, number, number];
  nchw: boolean;
}

/** Images larger than this (decoded bytes) use the JavaScript kernel: wasm memory never shrinks. */
const MAX_SOURCE_BYTES = 48 * 1024 * 1024;

interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: unknown };
}

let kernel: KernelExports | null | undefined;

function loadKernel(): KernelExports | null {
  if (kernel === undefined) {
    try {
      const bytes = Buffer.from(RESIZE_KERNEL_WASM, 'base64');
      // The global of Node and Electron (this project's type library has no DOM part).
      const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
      kernel = new wasm.Instance(new wasm.Module(bytes)).exports as KernelExports;
    } catch {
      kernel = null; // no WebAssembly SIMD here: the JavaScript kernel does the work
    }
  }
  return kernel;
}

/**
 * Runs the kernel over `job`, writing the whole input (padding included) into `out`. False,
 * with `out` untouched, where the kernel cannot run (no WebAssembly SIMD, an image too large,
 * columns not contiguous): the caller then runs the JavaScript kernel.
 */
export function resizeWithWasm(job: KernelJob, out: Float32Array): boolean {
  const { cols, rows } = job;
  const nc = cols.length;
  if (job.src.length > MAX_SOURCE_BYTES || nc === 0 || rows.length === 0) return false;
  if (cols[nc - 1]! - cols[0]! !== nc - 1) return false;
  const k = loadKernel();
  if (!k) return false;

  // Layout: source bytes, column runs (start, byte offsets), column weights, two blended rows,
  // output. 16-byte aligned for the f64x2 loads.
  let end = 0;
  const place = (bytes: number): number => {
    const at = Math.ceil(end / 16) * 16;
    end = at + bytes;
    return at;
  };
  const srcAt = place(job.src.length);
  const startAt = place(4 * (nc + 1));
  const b0At = place(4 * nc);
  const b1At = place(4 * nc);
  const w0At = place(8 * nc);
  const w1At = place(8 * nc);
  const rowA = place(8 * 3 * nc);
  const rowB = place(8 * 3 * nc);
  const outAt = place(4 * out.length);
  const have = k.memory.buffer.byteLength;
  if (end > have) k.memory.grow(Math.ceil((end - have) / 65536));
  const mem = k.memory.buffer;

  new Uint8Array(mem, srcAt, job.src.length).set(job.src);
  // Consecutive columns with the same two taps form a run: the taps are read once per run.
  const start = new Int32Array(mem, startAt, nc + 1);
  const b0 = new Int32Array(mem, b0At, nc);
  const b1 = new Int32Array(mem, b1At, nc);
  const w0 = new Float64Array(mem, w0At, nc);
  const w1 = new Float64Array(mem, w1At, nc);
  let runs = 0;
  for (let ci = 0; ci < nc; ci++) {
    const x = cols[ci]!;
    w0[ci] = job.xs.w0[x]!;
    w1[ci] = job.xs.w1[x]!;
    const a = job.xs.i0[x]! * 3;
    const b = job.xs.i1[x]! * 3;
    if (runs === 0 || b0[runs - 1] !== a || b1[runs - 1] !== b) {
      start[runs] = ci;
      b0[runs] = a;
      b1[runs] = b;
      runs++;
    }
  }
  start[runs] = nc;

  const { outWidth: inW, outHeight: inH, nchw, srcChannel: c, scale: s, offset: o } = job;
  const plane = inW * inH;
  const result = new Float32Array(mem, outAt, out.length);
  fillPadding(result, nchw, plane, o);
  const rowStride = job.srcWidth * 3;
  // Two slots of blended rows, and which source row each holds.
  const slots = [rowA, rowB];
  const held = [-1, -1];
  /** The blended source row `row`, blended now into the slot that does not hold `keep`. */
  const blended = (row: number, keep: number): number => {
    if (held[0] === row) return slots[0]!;
    if (held[1] === row) return slots[1]!;
    const slot = held[0] === keep ? 1 : 0;
    k.hrow(
      srcAt + row * rowStride,
      slots[slot]!,
      nc,
      runs,
      startAt,
      b0At,
      b1At,
      w0At,
      w1At,
      c[0],
      c[1],
      c[2],
    );
    held[slot] = row;
    return slots[slot]!;
  };
  const col0 = cols[0]!;
  for (let ri = 0; ri < rows.length; ri++) {
    const y = rows[ri]!;
    const r0 = job.ys.i0[y]!;
    const r1 = job.ys.i1[y]!;
    const h0 = blended(r0, r1);
    const h1 = blended(r1, r0);
    const wy0 = job.ys.w0[y]!;
    const wy1 = job.ys.w1[y]!;
    const pixel = y * inW + col0;
    for (let ch = 0; ch < 3; ch++) {
      const at = outAt + 4 * (nchw ? ch * plane + pixel : pixel * 3 + ch);
      k.vrow(at, nchw ? 4 : 12, h0 + 8 * ch * nc, h1 + 8 * ch * nc, nc, wy0, wy1, s[ch]!, o[ch]!);
    }
  }
  out.set(result);
  return true;
}

/** Every value set to its channel's normalised zero (what padding becomes). */
export function fillPadding(
  out: Float32Array,
  nchw: boolean,
  plane: number,
  o: readonly [number, number, number],
): void {
  if (nchw) {
    out.fill(o[0], 0, plane);
    out.fill(o[1], plane, 2 * plane);
    out.fill(o[2], 2 * plane, 3 * plane);
    return;
  }
  if (o[0] === o[1] && o[1] === o[2]) {
    out.fill(o[0]);
    return;
  }
  for (let p = 0; p < out.length; p += 3) {
    out[p] = o[0];
    out[p + 1] = o[1];
    out[p + 2] = o[2];
  }
}
