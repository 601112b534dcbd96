/** Per-epoch averages of the loss and metrics, as the course's `AvgStatsCallback`. */
import { tf } from '../backend/tf.js';
import { Callback } from '../core/callback.js';
import { isAccumMetric, metricNames, type Metric } from '../core/metrics.js';
import type { JsonValue } from '../io/checkpoint-types.js';
import { stateArray, stateInt, stateNumber, stateNumbers, stateObject } from '../core/state-checks.js';

/**
 * Running sums of `[loss, ...metrics]` over an epoch, kept on the device and read once per epoch
 * (no host round trip per batch). The loss and each `MetricFn` are summed weighted by batch size
 * and divided by the sample count; each `AccumMetric`'s statistics are summed as they are and
 * finalised from the sums (F1 from summed counts, RMSE from summed squared errors).
 */
export class AvgStats {
  /** Sums on the device, or null before the first batch. */
  private tot: tf.Tensor1D | null = null;
  /** Length of each metric's part of the sums (known from the first batch or a saved state). */
  private sizes: number[] | null = null;
  /** Number of samples accumulated. */
  count = 0;
  /** The values read at the end of the last epoch: `[loss, ...metric values]` (see `names`). */
  avgStats: number[] = [];
  /** Number of classes, for metrics with one value per class (set by `AvgStatsCallback` at `beginFit`). */
  c = 0;

  constructor(
    /** The metrics accumulated beside the loss. */
    readonly metrics: Metric[],
    /** Whether these are the training (true) or validation sums. */
    readonly inTrain: boolean,
  ) {}

  /** `['loss', ...each metric's names]` for `c` classes. */
  get names(): string[] {
    return ['loss', ...this.metrics.flatMap((m) => metricNames(m, this.c))];
  }

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
      const parts = this.metrics.map((m) => (isAccumMetric(m) ? m.stats(pred, yb) : tf.reshape(tf.mul(m(pred, yb), bs), [1])));
      this.sizes ??= parts.map((p) => p.size);
      const v = tf.concat([tf.reshape(tf.mul(loss, bs), [1]), ...parts]) as tf.Tensor1D;
      return this.tot ? tf.add(this.tot, v) : v;
    });
    this.tot?.dispose();
    this.tot = next as tf.Tensor1D;
    this.count += bs;
  }

  /**
   * The running sums as `{ avg, count, sizes }` (one device read), for a checkpoint taken mid-epoch;
   * `avg` is the sums divided by `count`.
   */
  async getState(): Promise<{
    /** The sums divided by `count`. */
    avg: number[];
    /** Samples accumulated. */
    count: number;
    /** Length of each metric's part of the sums. */
    sizes?: number[];
  }> {
    if (!this.tot || !this.count) return { avg: [], count: 0 };
    const sums = await this.tot.data();
    return { avg: Array.from(sums, (s) => s / this.count), count: this.count, ...(this.sizes ? { sizes: this.sizes } : {}) };
  }

  /** Continue from sums saved by `getState`. */
  setState(s: { avg: number[]; count: number; sizes?: number[] }): void {
    this.reset();
    if (s.count > 0 && s.avg.length) {
      this.tot = tf.tensor1d(s.avg.map((a) => a * s.count));
      this.count = s.count;
      if (s.sizes) this.sizes = [...s.sizes];
    }
  }

  /** Read the sums from the device (one read) and compute the epoch's values. */
  async read(): Promise<number[]> {
    return (this.avgStats = await this.peek());
  }

  /** The epoch's values so far (one asynchronous device read), without keeping them as `avgStats`. */
  async peek(): Promise<number[]> {
    const { tot, count } = this;
    if (!tot || count === 0) return [];
    const sums = await tot.data();
    const sizes = this.sizes ?? this.metrics.map(() => 1);
    const out = [sums[0] / count];
    let at = 1;
    this.metrics.forEach((m, i) => {
      const part = sums.subarray(at, at + sizes[i]);
      at += sizes[i];
      if (isAccumMetric(m)) out.push(...m.finalize(part, this.c));
      else out.push(part[0] / count);
    });
    return out;
  }

  /** `train: [0.228213, 0.9300]` as the course prints it. */
  toString(): string {
    const [loss, ...ms] = this.avgStats;
    const parts = loss === undefined ? [] : [loss.toFixed(6), ...ms.map((m) => m.toFixed(4))];
    return `${this.inTrain ? 'train' : 'valid'}: [${parts.join(', ')}]`;
  }
}

/** One epoch's averages: `[loss, ...metrics]` for train and valid. */
export type EpochStats = {
  /** The epoch (0-based). */
  epoch: number;
  /** `[loss, ...metrics]` over the training batches that ran (`[]` if none). */
  train: number[];
  /** `[loss, ...metrics]` over the validation batches that ran (`[]` if none). */
  valid: number[];
  /** How long the epoch took. */
  seconds: number;
};

/** Options of `AvgStatsCallback`. */
export type AvgStatsCallbackOptions = {
  /**
   * Print the course's `train: [...]` / `valid: [...]` lines after each epoch. Default: yes, unless
   * another callback of the runner displays the epoch metrics itself (`displaysMetrics`, e.g.
   * `ProgressCallback`).
   */
  print?: boolean;
  /** Where the lines go (default `console.log`). */
  log?: (line: string) => void;
};

type SavedPartial = { avg: number[]; count: number; sizes?: number[] };
type SavedState = { history: EpochStats[]; partial: { train: SavedPartial; valid: SavedPartial } | null };

/**
 * `new AvgStatsCallback([accuracy, f1Score()])`: averages the loss and each metric over every epoch's
 * training and validation batches (an `AccumMetric` such as `f1Score()` from counts summed over the
 * epoch), publishes them in `run.epochMetrics` as `train_loss`, `valid_loss`, `train_<metric>`,
 * `valid_<metric>` (the metric's name: `valid_error_rate`, `valid_f1_score`, …), prints `train: [loss, acc]` / `valid: [loss, acc]`
 * lines (see `print`), and keeps them in `trainStats`, `validStats` and `history`.
 *
 * `history` holds one entry per epoch that ran (completely or not): `train` and `valid` are
 * `[loss, ...metrics]` over the batches that ran, and `[]` for a phase with no batch (an epoch
 * stopped during training has `valid: []`).
 */
export class AvgStatsCallback extends Callback {
  /** The training batches' running sums. */
  readonly trainStats: AvgStats;
  /** The validation batches' running sums. */
  readonly validStats: AvgStats;
  /** Every epoch's averages. */
  readonly history: EpochStats[] = [];
  /** The `print` option (undefined: decided at `beginFit`). */
  readonly print: boolean | undefined;
  private printing = true;
  private readonly log: (line: string) => void;
  private started = 0;

  constructor(metrics: Metric | Metric[] = [], opts: AvgStatsCallbackOptions = {}) {
    super();
    const ms = Array.isArray(metrics) ? metrics : [metrics];
    ms.forEach((m, i) => {
      if (typeof m !== 'function' && !isAccumMetric(m)) {
        throw new TypeError(`AvgStatsCallback: metric ${i} must be a function (pred, target) => scalar or a metric object with stats/finalize (e.g. f1Score()), got ${String(m)}`);
      }
    });
    this.trainStats = new AvgStats(ms, true);
    this.validStats = new AvgStats(ms, false);
    this.print = opts.print;
    this.log = opts.log ?? ((l) => console.log(l));
  }

  /**
   * Value names, for tables: `['loss', 'accuracy']` (a per-class metric has one name per class of
   * the learner being fitted).
   */
  get names(): string[] {
    this.trainStats.c = this.validStats.c = this.run?.learn?.data.c ?? this.trainStats.c;
    return this.trainStats.names;
  }

  override epochMetricNames(): string[] {
    return ['train', 'valid'].flatMap((phase) => this.names.map((n) => `${phase}_${n}`));
  }

  override beginFit(): void {
    this.trainStats.c = this.validStats.c = this.run.learn.data.c;
    this.printing = this.print ?? !this.run.cbs.some((cb) => cb.displaysMetrics);
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

  /** The current phase's averages so far (`train_loss`, `train_<metric>` or `valid_…`; one device read). */
  override async runningMetrics(): Promise<Record<string, number>> {
    const stats = this.run.inTrain ? this.trainStats : this.validStats;
    const phase = stats.inTrain ? 'train' : 'valid';
    const avg = await stats.peek();
    return Object.fromEntries(avg.map((v, k) => [`${phase}_${this.names[k]}`, v]));
  }

  override async afterEpoch(): Promise<void> {
    const [train, valid] = await Promise.all([this.trainStats.read(), this.validStats.read()]);
    this.history.push({ epoch: this.run.epoch, train, valid, seconds: (performance.now() - this.started) / 1000 });
    const metrics = this.run.epochMetrics;
    this.names.forEach((n, k) => {
      if (train[k] !== undefined) metrics[`train_${n}`] = train[k];
      if (valid[k] !== undefined) metrics[`valid_${n}`] = valid[k];
    });
    if (this.printing) {
      this.log(this.trainStats.toString());
      this.log(this.validStats.toString());
    }
  }

  override afterFit(): void {
    this.trainStats.reset();
    this.validStats.reset();
  }

  /** The finished epochs' history and, mid-epoch, the running sums. */
  override async getState(): Promise<JsonValue> {
    const pos = this.run.control.position;
    const history = this.history.filter((h) => h.epoch < pos.epoch);
    const mid = pos.phase !== 'train' || pos.iter > 0;
    const partial = mid ? { train: await this.trainStats.getState(), valid: await this.validStats.getState() } : null;
    const state: SavedState = { history, partial };
    return state as JsonValue;
  }

  /** A saved state must be `{ history: [{ epoch, train, valid, seconds }…], partial }` (see `getState`). */
  override checkState(saved: JsonValue): void {
    const s = stateObject(saved, ['history', 'partial']);
    stateArray('history', s.history).forEach((h, i) => {
      const e = stateObject(h, ['epoch', 'train', 'valid', 'seconds'], `history[${i}]`);
      stateInt(`history[${i}].epoch`, e.epoch);
      stateNumbers(`history[${i}].train`, e.train);
      stateNumbers(`history[${i}].valid`, e.valid);
      stateNumber(`history[${i}].seconds`, e.seconds, { nullable: true });
    });
    if (s.partial === null) return;
    const partial = stateObject(s.partial, ['train', 'valid'], 'partial');
    for (const phase of ['train', 'valid'] as const) {
      const p = stateObject(partial[phase], ['avg', 'count'], `partial.${phase}`);
      stateNumbers(`partial.${phase}.avg`, p.avg);
      stateInt(`partial.${phase}.count`, p.count);
      if (p.sizes !== undefined) stateNumbers(`partial.${phase}.sizes`, p.sizes);
    }
  }

  override setState(saved: JsonValue): void {
    const s = saved as SavedState;
    this.history.splice(0, this.history.length, ...s.history);
    const pos = this.run.control.position;
    if ((pos.phase === 'train' && pos.iter === 0) || !s.partial) return;
    this.trainStats.setState(s.partial.train);
    this.validStats.setState(s.partial.valid);
  }
}
