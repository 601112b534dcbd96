/** Per-epoch averages of the loss and metrics, as the course's `AvgStatsCallback`. */
import { tf } from '../backend/tf.js';
import { Callback } from '../core/callback.js';
import type { Metric } from '../core/metrics.js';

/**
 * Running sums of `[loss, ...metrics]` weighted by batch size, kept on the device and read once
 * per epoch (no host round trip per batch).
 */
export class AvgStats {
  /** Sums on the device, or null before the first batch. */
  private tot: tf.Tensor1D | null = null;
  /** Number of samples accumulated. */
  count = 0;
  /** The averages read at the end of the last epoch: `[loss, ...metrics]`. */
  avgStats: number[] = [];

  constructor(
    readonly metrics: Metric[],
    readonly inTrain: boolean,
  ) {}

  /** Forget the sums (start of an epoch). */
  reset(): void {
    this.tot?.dispose();
    this.tot = null;
    this.count = 0;
  }

  /** Add one batch. */
  accumulate(loss: tf.Scalar, pred: tf.Tensor, yb: tf.Tensor): void {
    const bs = yb.shape[0] ?? 1;
    const next = tf.tidy(() => {
      const v = tf.mul(tf.stack([loss, ...this.metrics.map((m) => m(pred, yb))]), bs) as tf.Tensor1D;
      return this.tot ? tf.add(this.tot, v) : v;
    });
    this.tot?.dispose();
    this.tot = next as tf.Tensor1D;
    this.count += bs;
  }

  /** Read the averages from the device (one read). */
  async read(): Promise<number[]> {
    if (!this.tot || this.count === 0) return (this.avgStats = []);
    const sums = await this.tot.data();
    this.avgStats = Array.from(sums, (s) => s / this.count);
    return this.avgStats;
  }

  /** `train: [0.228213, 0.9300]` as the course prints it. */
  toString(): string {
    const [loss, ...ms] = this.avgStats;
    const parts = loss === undefined ? [] : [loss.toFixed(6), ...ms.map((m) => m.toFixed(4))];
    return `${this.inTrain ? 'train' : 'valid'}: [${parts.join(', ')}]`;
  }
}

/** One epoch's averages: `[loss, ...metrics]` for train and valid. */
export type EpochStats = { epoch: number; train: number[]; valid: number[]; seconds: number };

/** Options of `AvgStatsCallback`. */
export type AvgStatsOptions = { print?: boolean; log?: (line: string) => void };

/**
 * `new AvgStatsCallback([accuracy])`: averages the loss and each metric over every epoch's
 * training and validation batches, prints `train: [loss, acc]` / `valid: [loss, acc]` lines (unless
 * `print: false`), and keeps them in `trainStats`, `validStats` and `history`.
 */
export class AvgStatsCallback extends Callback {
  readonly trainStats: AvgStats;
  readonly validStats: AvgStats;
  /** Every finished epoch's averages. */
  readonly history: EpochStats[] = [];
  /** Whether `afterEpoch` prints the `train:` / `valid:` lines (a `ProgressCallback` turns it off). */
  print: boolean;
  private readonly log: (line: string) => void;
  private started = 0;

  constructor(metrics: Metric | Metric[] = [], opts: AvgStatsOptions = {}) {
    super();
    const ms = Array.isArray(metrics) ? metrics : [metrics];
    this.trainStats = new AvgStats(ms, true);
    this.validStats = new AvgStats(ms, false);
    this.print = opts.print ?? true;
    this.log = opts.log ?? ((l) => console.log(l));
  }

  /** Metric names, for tables: `['loss', 'accuracy']`. */
  get names(): string[] {
    return ['loss', ...this.trainStats.metrics.map((m) => m.name || 'metric')];
  }

  override beginEpoch(): void {
    this.trainStats.reset();
    this.validStats.reset();
    this.started = performance.now();
  }

  override afterBatch(): void {
    const { loss, pred, yb } = this.run;
    if (!loss || loss.isDisposed || !pred || pred.isDisposed) return;
    (this.run.inTrain ? this.trainStats : this.validStats).accumulate(loss, pred, yb);
  }

  override async afterEpoch(): Promise<void> {
    const [train, valid] = await Promise.all([this.trainStats.read(), this.validStats.read()]);
    this.history.push({ epoch: this.run.epoch, train, valid, seconds: (performance.now() - this.started) / 1000 });
    if (this.print) {
      this.log(this.trainStats.toString());
      this.log(this.validStats.toString());
    }
  }

  override afterFit(): void {
    this.trainStats.reset();
    this.validStats.reset();
  }
}
