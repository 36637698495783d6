/**
 * Box coders: ground-truth boxes ⇄ regression offsets relative to priors.
 *
 * Both coders take priors as `(cx, cy, w, h)` and return decoded boxes as
 * `(x1, y1, x2, y2)`, all normalised. They differ only in the offset layout:
 *
 * - {@link SsdBoxCoder} (Caffe SSD, ssd.pytorch, torchvision SSD): `(tcx, tcy, tw, th)`
 *   divided by variances `(v0, v0, v1, v1)`.
 * - {@link TfBoxCoder} (TF Object Detection API `FasterRcnnBoxCoder`): `(ty, tx, th, tw)`
 *   multiplied by scale factors `(sy, sx, sh, sw)`.
 */
import { z } from 'zod';
import { boxCount } from './boxes';
import { formatSchemaError } from './schemaError';

/**
 * Largest log-scale size offset `decode` exponentiates (torchvision's
 * `bbox_xform_clip`): a box may grow at most 1000/16 times its prior, so a wild
 * prediction cannot overflow to Infinity.
 */
export const BBOX_XFORM_CLIP = Math.log(1000 / 16);

export interface BoxCoder {
  /**
   * @param matchedXyxy N boxes `(x1, y1, x2, y2)`: the ground truth matched to each prior.
   * @param priorsCxcywh N priors `(cx, cy, w, h)`.
   * @returns 4N offsets in the coder's layout.
   * @throws Error naming the first box or prior with a non-positive or non-finite size,
   *   whose log-size offset would be infinite.
   */
  encode(matchedXyxy: Float32Array, priorsCxcywh: Float32Array): Float32Array;
  /**
   * @param offsets 4N offsets in the coder's layout (e.g. a model's location head).
   * @param priorsCxcywh N priors `(cx, cy, w, h)`.
   * @returns 4N boxes `(x1, y1, x2, y2)`.
   */
  decode(offsets: Float32Array, priorsCxcywh: Float32Array): Float32Array;
}

/** The paper's variances. */
export const DEFAULT_SSD_VARIANCES: readonly [number, number] = [0.1, 0.2];
/** The TF Object Detection API's SSD scale factors `(y, x, h, w)`. */
export const DEFAULT_TF_SCALE_FACTORS: readonly [number, number, number, number] = [10, 10, 5, 5];

const positive = z.number().positive();

/** Which coder a model uses; stored in model manifests. */
export const BoxCoderSpecSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('ssd'),
    variances: z.tuple([positive, positive]).optional(),
  }),
  z.strictObject({
    kind: z.literal('tf'),
    scaleFactors: z.tuple([positive, positive, positive, positive]).optional(),
  }),
]);
export type BoxCoderSpec = z.output<typeof BoxCoderSpecSchema>;

/**
 * Builds the coder a spec names.
 *
 * @throws Error naming the invalid field (e.g. a non-positive variance).
 */
export function createBoxCoder(spec: BoxCoderSpec): BoxCoder {
  const parsed = BoxCoderSpecSchema.safeParse(spec);
  if (!parsed.success) throw new Error(formatSchemaError('box coder spec', parsed.error));
  const s = parsed.data;
  return s.kind === 'ssd'
    ? new SsdBoxCoder({ variances: s.variances })
    : new TfBoxCoder({ scaleFactors: s.scaleFactors });
}

/**
 * Caffe SSD coder. Offsets `(tcx, tcy, tw, th)`:
 * tcx = (g_cx − p_cx)/(v0·p_w), tcy = (g_cy − p_cy)/(v0·p_h),
 * tw = log(g_w/p_w)/v1, th = log(g_h/p_h)/v1.
 */
export class SsdBoxCoder implements BoxCoder {
  readonly variances: readonly [number, number];

  constructor(options: { variances?: readonly [number, number] | undefined } = {}) {
    const v = options.variances ?? DEFAULT_SSD_VARIANCES;
    checkPositive(v, 'SSD variances');
    this.variances = [v[0], v[1]];
  }

  encode(matchedXyxy: Float32Array, priorsCxcywh: Float32Array): Float32Array {
    const n = checkPaired(matchedXyxy, priorsCxcywh, 'matched boxes');
    const [v0, v1] = this.variances;
    const out = new Float32Array(4 * n);
    const g = new Float64Array(PAIR_LENGTH);
    for (let i = 0; i < n; i++) {
      readPair(matchedXyxy, priorsCxcywh, i, g);
      out[4 * i] = (g[GCX]! - g[PCX]!) / (v0 * g[PW]!);
      out[4 * i + 1] = (g[GCY]! - g[PCY]!) / (v0 * g[PH]!);
      out[4 * i + 2] = Math.log(g[GW]! / g[PW]!) / v1;
      out[4 * i + 3] = Math.log(g[GH]! / g[PH]!) / v1;
    }
    return out;
  }

  decode(offsets: Float32Array, priorsCxcywh: Float32Array): Float32Array {
    const n = checkPaired(offsets, priorsCxcywh, 'offsets');
    const [v0, v1] = this.variances;
    const out = new Float32Array(4 * n);
    for (let i = 0; i < n; i++) {
      const j = 4 * i;
      writeXyxy(
        out,
        i,
        priorsCxcywh,
        offsets[j]! * v0,
        offsets[j + 1]! * v0,
        offsets[j + 2]! * v1,
        offsets[j + 3]! * v1,
      );
    }
    return out;
  }
}

/**
 * TF Object Detection API `FasterRcnnBoxCoder`. Offsets `(ty, tx, th, tw)`:
 * ty = (g_cy − p_cy)/p_h·sy, tx = (g_cx − p_cx)/p_w·sx, th = log(g_h/p_h)·sh,
 * tw = log(g_w/p_w)·sw. TF's 1e-8 size epsilon is left out: sizes are checked positive.
 */
export class TfBoxCoder implements BoxCoder {
  readonly scaleFactors: readonly [number, number, number, number];

  constructor(
    options: { scaleFactors?: readonly [number, number, number, number] | undefined } = {},
  ) {
    const f = options.scaleFactors ?? DEFAULT_TF_SCALE_FACTORS;
    checkPositive(f, 'TF scale factors');
    this.scaleFactors = [f[0], f[1], f[2], f[3]];
  }

  encode(matchedXyxy: Float32Array, priorsCxcywh: Float32Array): Float32Array {
    const n = checkPaired(matchedXyxy, priorsCxcywh, 'matched boxes');
    const [sy, sx, sh, sw] = this.scaleFactors;
    const out = new Float32Array(4 * n);
    const g = new Float64Array(PAIR_LENGTH);
    for (let i = 0; i < n; i++) {
      readPair(matchedXyxy, priorsCxcywh, i, g);
      out[4 * i] = ((g[GCY]! - g[PCY]!) / g[PH]!) * sy;
      out[4 * i + 1] = ((g[GCX]! - g[PCX]!) / g[PW]!) * sx;
      out[4 * i + 2] = Math.log(g[GH]! / g[PH]!) * sh;
      out[4 * i + 3] = Math.log(g[GW]! / g[PW]!) * sw;
    }
    return out;
  }

  decode(offsets: Float32Array, priorsCxcywh: Float32Array): Float32Array {
    const n = checkPaired(offsets, priorsCxcywh, 'offsets');
    const [sy, sx, sh, sw] = this.scaleFactors;
    const out = new Float32Array(4 * n);
    for (let i = 0; i < n; i++) {
      const j = 4 * i;
      writeXyxy(
        out,
        i,
        priorsCxcywh,
        offsets[j + 1]! / sx,
        offsets[j]! / sy,
        offsets[j + 3]! / sw,
        offsets[j + 2]! / sh,
      );
    }
    return out;
  }
}

/**
 * Shared decode step on unscaled offsets (dx, dy relative to prior size; dw, dh log-sizes):
 * writes box i as `(x1, y1, x2, y2)`.
 */
function writeXyxy(
  out: Float32Array,
  i: number,
  priors: Float32Array,
  dx: number,
  dy: number,
  dw: number,
  dh: number,
): void {
  const j = 4 * i;
  const pw = priors[j + 2]!;
  const ph = priors[j + 3]!;
  const cx = priors[j]! + dx * pw;
  const cy = priors[j + 1]! + dy * ph;
  const hw = (Math.exp(Math.min(dw, BBOX_XFORM_CLIP)) * pw) / 2;
  const hh = (Math.exp(Math.min(dh, BBOX_XFORM_CLIP)) * ph) / 2;
  out[j] = cx - hw;
  out[j + 1] = cy - hh;
  out[j + 2] = cx + hw;
  out[j + 3] = cy + hh;
}

// Slots of the scratch array readPair fills: matched box then prior, centre/size form.
// A reused Float64Array rather than an object per box keeps encode allocation-free.
const GCX = 0;
const GCY = 1;
const GW = 2;
const GH = 3;
const PCX = 4;
const PCY = 5;
const PW = 6;
const PH = 7;
const PAIR_LENGTH = 8;

/** Reads matched box i (to centre/size) and prior i into `into`, checking both sizes. */
function readPair(gt: Float32Array, priors: Float32Array, i: number, into: Float64Array): void {
  const j = 4 * i;
  const w = gt[j + 2]! - gt[j]!;
  const h = gt[j + 3]! - gt[j + 1]!;
  const pw = priors[j + 2]!;
  const ph = priors[j + 3]!;
  if (!(w > 0 && h > 0 && Number.isFinite(w) && Number.isFinite(h))) {
    throw new Error(
      `matched box ${i} (x1=${gt[j]}, y1=${gt[j + 1]}, x2=${gt[j + 2]}, y2=${gt[j + 3]}) ` +
        'needs a positive finite width and height to be encoded',
    );
  }
  if (!(pw > 0 && ph > 0 && Number.isFinite(pw) && Number.isFinite(ph))) {
    throw new Error(`prior ${i} has a non-positive or non-finite size (w=${pw}, h=${ph})`);
  }
  into[GCX] = gt[j]! + w / 2;
  into[GCY] = gt[j + 1]! + h / 2;
  into[GW] = w;
  into[GH] = h;
  into[PCX] = priors[j]!;
  into[PCY] = priors[j + 1]!;
  into[PW] = pw;
  into[PH] = ph;
}

function checkPaired(boxes: Float32Array, priors: Float32Array, what: string): number {
  const n = boxCount(boxes);
  const p = boxCount(priors);
  if (n !== p) throw new Error(`${n} ${what} for ${p} priors: need one per prior`);
  return n;
}

function checkPositive(values: readonly number[], what: string): void {
  values.forEach((v, i) => {
    if (!(v > 0 && Number.isFinite(v))) {
      throw new Error(`${what}[${i}] = ${v} must be a positive finite number`);
    }
  });
}
