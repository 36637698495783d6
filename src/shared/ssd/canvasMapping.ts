/**
 * Mapping between image pixels and the model's input canvas.
 *
 * Every resize mode is one canvas in source pixels that is then resized to the network input:
 * `stretch` is the image itself, `pad-square` and `letterbox` add zero padding. Priors and model
 * outputs are normalised to that canvas; ground truth and the UI are in image pixels. For a
 * preset (`--preset ssd300`), which has no resize mode of its own, the canvas is the image
 * stretched to the preset's input size ({@link STRETCH}).
 */
import type { ResizeSpec } from '../models/manifest';

/** Where the image sits in the canvas that is resized to the network input. */
export interface Canvas {
  /** Canvas size in source pixels (may be fractional for letterbox). */
  width: number;
  height: number;
  /** Top-left of the image inside the canvas, in source pixels. */
  offsetX: number;
  offsetY: number;
}

/** The paper's warp: each axis resized on its own. */
export const STRETCH: Pick<ResizeSpec, 'mode' | 'padAnchor'> = {
  mode: 'stretch',
  padAnchor: 'top-left',
};

/** The canvas a resize mode puts an image of `width`×`height` on, for an input of `inW`×`inH`. */
export function canvasFor(
  width: number,
  height: number,
  inW: number,
  inH: number,
  resize: Pick<ResizeSpec, 'mode' | 'padAnchor'> & Partial<ResizeSpec>,
): Canvas {
  const center = resize.padAnchor === 'center';
  if (resize.mode === 'stretch') return { width, height, offsetX: 0, offsetY: 0 };
  let cw: number;
  let ch: number;
  if (resize.mode === 'pad-square') {
    cw = ch = Math.max(width, height);
  } else {
    const scale = Math.min(inW / width, inH / height);
    cw = inW / scale;
    ch = inH / scale;
  }
  return {
    width: cw,
    height: ch,
    // Odd padding goes after the image, as face-api's padToSquare does.
    offsetX: center ? Math.floor((cw - width) / 2) : 0,
    offsetY: center ? Math.floor((ch - height) / 2) : 0,
  };
}

/**
 * Maps boxes normalised to the canvas (x1,y1,x2,y2 in [0,1]) to image pixels, in place, clipped
 * to the image. `boxes` holds 4·K values.
 */
export function canvasToImage(
  boxes: Float32Array,
  canvas: Canvas,
  width: number,
  height: number,
): void {
  for (let i = 0; i < boxes.length; i += 4) {
    boxes[i] = clamp(boxes[i]! * canvas.width - canvas.offsetX, 0, width);
    boxes[i + 1] = clamp(boxes[i + 1]! * canvas.height - canvas.offsetY, 0, height);
    boxes[i + 2] = clamp(boxes[i + 2]! * canvas.width - canvas.offsetX, 0, width);
    boxes[i + 3] = clamp(boxes[i + 3]! * canvas.height - canvas.offsetY, 0, height);
  }
}

/**
 * The inverse of {@link canvasToImage} without the clip: image-pixel boxes (x1,y1,x2,y2) to
 * boxes normalised to the canvas. Returns a new array of 4·K values (double precision: the lens
 * measures with it).
 */
export function imageToCanvas(boxes: ArrayLike<number>, canvas: Canvas): Float64Array {
  const out = new Float64Array(boxes.length);
  for (let i = 0; i < boxes.length; i += 4) {
    out[i] = (boxes[i]! + canvas.offsetX) / canvas.width;
    out[i + 1] = (boxes[i + 1]! + canvas.offsetY) / canvas.height;
    out[i + 2] = (boxes[i + 2]! + canvas.offsetX) / canvas.width;
    out[i + 3] = (boxes[i + 3]! + canvas.offsetY) / canvas.height;
  }
  return out;
}

/**
 * Canvas-normalised boxes to image pixels without clipping (priors drawn over an image may
 * reach past its edges). Returns a new array; `boxes` may be any corner layout of 4·K values.
 */
export function canvasToImageUnclipped(boxes: ArrayLike<number>, canvas: Canvas): Float32Array {
  const out = new Float32Array(boxes.length);
  for (let i = 0; i < boxes.length; i += 4) {
    out[i] = boxes[i]! * canvas.width - canvas.offsetX;
    out[i + 1] = boxes[i + 1]! * canvas.height - canvas.offsetY;
    out[i + 2] = boxes[i + 2]! * canvas.width - canvas.offsetX;
    out[i + 3] = boxes[i + 3]! * canvas.height - canvas.offsetY;
  }
  return out;
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}
