/**
 * Hard negative mining (Liu et al. 2016, §2.2 "Hard negative mining"): of the priors that are
 * not positive, keep those with the highest confidence loss, at most `negPosRatio` (3) per
 * positive, so negatives do not swamp the loss.
 */

/** The paper's negatives : positives ratio. */
export const DEFAULT_NEG_POS_RATIO = 3;

export interface HardNegativeOptions {
  /** Default 3. */
  negPosRatio?: number;
  /** Negatives kept even for an image with no positive (Caffe keeps none; default 0). */
  minNegatives?: number;
}

/**
 * Picks the hard negatives.
 *
 * @param confLoss P per-prior confidence losses against the background class (see
 *   {@link backgroundConfidenceLoss}).
 * @param positive P flags, 1 for positive priors (never selected).
 * @returns selected prior indices, highest loss first; equal losses by ascending prior index.
 *   Count: min(max(ratio·#positives, minNegatives), #negatives).
 */
export function selectHardNegatives(
  confLoss: Float32Array,
  positive: Uint8Array,
  options: HardNegativeOptions = {},
): Int32Array {
  const p = confLoss.length;
  if (positive.length !== p) {
    throw new Error(`${positive.length} positive flags for ${p} confidence losses`);
  }
  const ratio = options.negPosRatio ?? DEFAULT_NEG_POS_RATIO;
  if (!(ratio >= 0 && Number.isFinite(ratio))) throw new Error(`negPosRatio ${ratio} must be ≥ 0`);
  let numPos = 0;
  const negatives: number[] = [];
  for (let i = 0; i < p; i++) {
    if (positive[i] === 1) numPos++;
    else negatives.push(i);
  }
  const want = Math.max(Math.floor(ratio * numPos), options.minNegatives ?? 0);
  const k = Math.min(want, negatives.length);
  // NaN losses (a broken head) sort last rather than poisoning the order.
  const loss = (i: number): number => {
    const v = confLoss[i]!;
    return Number.isNaN(v) ? -Infinity : v;
  };
  negatives.sort((a, b) => loss(b) - loss(a) || a - b);
  return Int32Array.from(negatives.slice(0, k));
}

/**
 * Per-prior confidence loss of predicting background, from raw class scores.
 *
 * - `softmax`: −log softmax(logits)[backgroundIndex] (the paper's softmax loss).
 * - `sigmoid` (models without a background column, e.g. face-api): Σ_c −log(1 − σ(x_c)),
 *   the binary cross-entropy of "no class here".
 *
 * @param logits P×C row-major raw scores.
 */
export function backgroundConfidenceLoss(
  logits: Float32Array,
  numPriors: number,
  numColumns: number,
  activation: 'softmax' | 'sigmoid',
  backgroundIndex: number | null,
): Float32Array {
  if (logits.length !== numPriors * numColumns) {
    throw new Error(`${logits.length} scores for ${numPriors} priors × ${numColumns} columns`);
  }
  const out = new Float32Array(numPriors);
  for (let i = 0; i < numPriors; i++) {
    const row = i * numColumns;
    if (activation === 'softmax') {
      if (backgroundIndex === null) throw new Error('a softmax loss needs a background column');
      let max = -Infinity;
      for (let c = 0; c < numColumns; c++) max = Math.max(max, logits[row + c]!);
      let sum = 0;
      for (let c = 0; c < numColumns; c++) sum += Math.exp(logits[row + c]! - max);
      out[i] = max + Math.log(sum) - logits[row + backgroundIndex]!;
    } else {
      let loss = 0;
      for (let c = 0; c < numColumns; c++) {
        if (c === backgroundIndex) continue;
        loss += softplus(logits[row + c]!);
      }
      out[i] = loss;
    }
  }
  return out;
}

// −log(1 − σ(x)) = log(1 + eˣ), computed without overflow.
function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}
