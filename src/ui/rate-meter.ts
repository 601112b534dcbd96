/** The recent speed of a loop, for an honest ETA (the progress bars' clock). */

/**
 * `new RateMeter()`: counts units (batches) and estimates their recent rate as tqdm does — an
 * exponential moving average of the units done and the time taken between samples (smoothing 0.3:
 * the newest interval weighs 30 %), so a slow first batch (compilation, warm-up) is forgotten
 * within a few samples instead of skewing the estimate for the whole loop.
 *
 * Take samples only at moments when the counted work is really finished (after a device read):
 * on an asynchronous backend a batch "ends" when it is queued, not when it is computed.
 * Times are in milliseconds (`performance.now()`).
 */
export class RateMeter {
  /** Units counted since `start`. */
  count = 0;
  private readonly keep: number;
  private lastT = 0;
  private lastCount = 0;
  private emaDn = 0;
  private emaDt = 0;
  private samples = 0;

  constructor(
    /** Weight of the newest interval, in (0, 1]; 1 uses only the last interval. */
    readonly smoothing = 0.3,
  ) {
    if (!(smoothing > 0 && smoothing <= 1)) throw new RangeError(`RateMeter: smoothing must be in (0, 1], got ${smoothing}`);
    this.keep = 1 - smoothing;
  }

  /** Start counting at time `now` (ms); forgets the previous rate. */
  start(now: number): void {
    this.count = 0;
    this.lastT = now;
    this.lastCount = 0;
    this.emaDn = 0;
    this.emaDt = 0;
    this.samples = 0;
  }

  /** `n` more units done (no clock read). */
  tick(n = 1): void {
    this.count += n;
  }

  /** Fold the interval since the last sample into the estimate (ignored when nothing was done). */
  sample(now: number): void {
    const dn = this.count - this.lastCount;
    const dt = now - this.lastT;
    if (dn <= 0 || dt <= 0) return;
    this.emaDn = this.smoothing * dn + this.keep * this.emaDn;
    this.emaDt = this.smoothing * dt + this.keep * this.emaDt;
    this.samples++;
    this.lastT = now;
    this.lastCount = this.count;
  }

  /** Units per second, or undefined before the first sample that saw a unit finish. */
  get rate(): number | undefined {
    return this.samples ? (1000 * this.emaDn) / this.emaDt : undefined;
  }

  /** Seconds for `remaining` more units at the current rate, or undefined while the rate is unknown. */
  eta(remaining: number): number | undefined {
    const r = this.rate;
    return r === undefined ? undefined : Math.max(0, remaining) / r;
  }
}
