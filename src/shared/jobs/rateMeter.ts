/**
 * The one rate and ETA estimate for jobs (CLI bar, UI panel, server): items per second over a
 * sliding window of recent progress, so a resumed job or a slow start does not skew it for long.
 */
export interface RateEstimate {
  /** Items per second, or null until there is enough progress to tell. */
  rate: number | null;
  /** Seconds to finish at that rate, or null when unknown. */
  etaSeconds: number | null;
}

export class RateMeter {
  private readonly samples: { t: number; done: number }[] = [];

  /** @param windowMs how much recent history the rate looks at */
  constructor(private readonly windowMs = 10_000) {}

  /** Records that `done` items were finished at time `t` (milliseconds, any monotonic clock). */
  sample(done: number, t: number): void {
    this.samples.push({ t, done });
    // Keep one sample older than the window as its left edge.
    while (this.samples.length > 2 && t - this.samples[1]!.t > this.windowMs) this.samples.shift();
  }

  /** The rate over the window and the time left until `total` items are done. */
  estimate(total: number): RateEstimate {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    if (!first || !last || last.t - first.t < 200 || last.done <= first.done)
      return { rate: null, etaSeconds: null };
    const rate = ((last.done - first.done) * 1000) / (last.t - first.t);
    const left = total - last.done;
    return { rate, etaSeconds: Math.max(0, left) / rate };
  }
}
