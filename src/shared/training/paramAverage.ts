/**
 * An exponential moving average of a model's parameters, updated after every optimizer step
 * (Polyak averaging, as TF's ExponentialMovingAverage): the averaged weights are what is
 * validated and exported. On a few hundred images one epoch's raw weights swing by several AP
 * points; the average of the last few hundred steps does not, so the best-epoch pick is less of
 * a lottery. The decay ramps up as TF's `num_updates` does, (1 + t) / (10 + t), so the first
 * steps are not held back by the initial weights.
 */

/** Named parameter arrays (the form checkpoints and export use). */
export type ParamArrays = Record<string, Float32Array>;

export class ParamAverage {
  private readonly average: ParamArrays;
  private updates: number;

  /**
   * @param decay per-step decay in [0, 1); 0 keeps just the latest weights.
   * @param start the weights the average starts from (copied).
   * @param updates steps already averaged (a resumed run keeps its ramp).
   */
  constructor(
    readonly decay: number,
    start: ParamArrays,
    updates = 0,
  ) {
    if (!(decay >= 0 && decay < 1))
      throw new Error(`average decay must be in [0, 1), got ${decay}`);
    this.average = copy(start);
    this.updates = updates;
  }

  /** Steps averaged so far. */
  get count(): number {
    return this.updates;
  }

  /** Folds in the weights after one more step. */
  update(current: ParamArrays): void {
    const d = Math.min(this.decay, (1 + this.updates) / (10 + this.updates));
    for (const [name, avg] of Object.entries(this.average)) {
      const w = current[name];
      if (!w || w.length !== avg.length) throw new Error(`parameter ${name} changed shape`);
      for (let i = 0; i < avg.length; i++) avg[i] = d * avg[i]! + (1 - d) * w[i]!;
    }
    this.updates++;
  }

  /** A copy of the averaged weights. */
  value(): ParamArrays {
    return copy(this.average);
  }
}

function copy(params: ParamArrays): ParamArrays {
  const out: ParamArrays = {};
  for (const [k, v] of Object.entries(params)) out[k] = Float32Array.from(v);
  return out;
}
