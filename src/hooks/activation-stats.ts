/**
 * The course's `append_stats` hook: per training batch, each hooked module's output mean, std and
 * histogram (`histc(40, 0, 10)`), computed on the device and copied to the host in batches.
 */
import { tf } from '../backend/tf.js';
import type { HookFn } from './hooks.js';
import { checkInt } from '../core/validate.js';

/**
 * `torch.histc(x, bins, min, max)` on the device: counts of the elements of `x` in `bins` equal
 * bins over `[min, max]` (float32 `[bins]`). An element equal to `max` falls in the last bin;
 * elements outside the range and NaNs are not counted. Unlike PyTorch, `min < max` is required
 * (no data-dependent range).
 */
export function histc(x: tf.Tensor, bins = 100, min = 0, max = 1): tf.Tensor1D {
  checkHistRange('histc', bins, min, max);
  return tf.tidy(() => {
    const flat = tf.cast(tf.reshape(x, [-1]), 'float32');
    const inRange = tf.logicalAnd(tf.greaterEqual(flat, min), tf.lessEqual(flat, max));
    const idx = tf.minimum(tf.floor(tf.mul(tf.sub(flat, min), bins / (max - min))), bins - 1);
    // Out-of-range (and NaN) elements get index `bins`, which bincount ignores.
    const safe = tf.cast(tf.where(inRange, idx, tf.fill(flat.shape, bins)), 'int32');
    return tf.bincount(safe as tf.Tensor1D, tf.tensor1d([], 'float32'), bins);
  });
}

function checkHistRange(who: string, bins: number, min: number, max: number): void {
  checkInt(who, 'bins', bins);
  if (!Number.isFinite(min) || !Number.isFinite(max) || !(min < max)) {
    throw new RangeError(`${who}: need finite min < max, got min ${min}, max ${max}`);
  }
}

/** Options of `appendStatsWith` and `ActivationStats`. */
export type AppendStatsOptions = {
  /** Histogram bins (default 40, as the course's `histc(40, 0, 10)`). */
  bins?: number;
  /** Lower edge of the histogram (default 0). */
  min?: number;
  /** Upper edge of the histogram (default 10). */
  max?: number;
  /**
   * Start copying the device-side statistics to the host after this many training batches
   * (default 64). They are also copied when the module next runs in eval mode (validation) and
   * whenever they are read.
   */
  flushEvery?: number;
};

/** A block of per-batch rows `[mean, std, ...hist]` on its way to the host. */
type Chunk = { tensor: tf.Tensor2D; vals: Float32Array | null };

/**
 * Per-batch statistics of one module's output: `means[i]`, `stds[i]` (unbiased, as PyTorch's
 * `Tensor.std()`) and `hists[i]` (counts per bin) for the i-th recorded batch.
 *
 * `record(output)` computes them on the device and keeps one small tensor per batch; these are
 * stacked and read with one asynchronous read every `flushEvery` batches or at the first
 * eval-mode call (`flushAsync()`), and synchronously, once, when a getter needs them. There is
 * never a device read per batch. `dispose()` copies what is left to the host and frees the tensors.
 */
export class ActivationStats {
  /** Number of histogram bins. */
  readonly bins: number;
  /** Lower edge of the histogram. */
  readonly min: number;
  /** Upper edge of the histogram. */
  readonly max: number;
  /** Batches per asynchronous copy. */
  readonly flushEvery: number;
  private readonly m: number[] = [];
  private readonly s: number[] = [];
  private readonly h: number[][] = [];
  private pending: tf.Tensor1D[] = [];
  private chunks: Chunk[] = [];

  constructor(opts: AppendStatsOptions = {}) {
    this.bins = opts.bins ?? 40;
    this.min = opts.min ?? 0;
    this.max = opts.max ?? 10;
    this.flushEvery = opts.flushEvery ?? 64;
    checkHistRange('ActivationStats', this.bins, this.min, this.max);
    checkInt('ActivationStats', 'flushEvery', this.flushEvery);
  }

  /** Add one batch's statistics of `output` (computed on the device, kept until copied). */
  record(output: tf.Tensor): void {
    const row = tf.tidy(() => {
      const x = tf.cast(output, 'float32');
      const n = x.size;
      const { mean, variance } = tf.moments(x);
      const std = n > 1 ? tf.sqrt(tf.mul(variance, n / (n - 1))) : tf.scalar(NaN);
      return tf.concat([tf.stack([mean, std]), histc(x, this.bins, this.min, this.max)]) as tf.Tensor1D;
    });
    this.pending.push(tf.keep(row));
    if (this.pending.length >= this.flushEvery) this.flushAsync();
  }

  /** Start copying the pending statistics to the host (one asynchronous read); returns at once. */
  flushAsync(): void {
    const chunk = this.stackPending();
    if (!chunk) return;
    chunk.tensor.data().then(
      (v) => {
        chunk.vals ??= v as Float32Array;
        this.settle();
      },
      () => {
        // The next synchronous read retries (or finds the tensor gone and records NaNs).
      },
    );
  }

  /** Copy every pending statistic to the host, asynchronously. */
  async flush(): Promise<void> {
    this.stackPending();
    for (const c of this.chunks) if (!c.vals && !c.tensor.isDisposed) c.vals = (await c.tensor.data()) as Float32Array;
    this.settle();
  }

  /** Number of batches recorded (on the host or not yet). */
  get length(): number {
    return this.m.length + this.chunks.reduce((a, c) => a + c.tensor.shape[0], 0) + this.pending.length;
  }

  /** Output mean per recorded batch. */
  get means(): number[] {
    this.sync();
    return this.m.slice();
  }

  /** Output standard deviation (unbiased) per recorded batch. */
  get stds(): number[] {
    this.sync();
    return this.s.slice();
  }

  /** Histogram counts per recorded batch: `hists[iter][bin]`. */
  get hists(): number[][] {
    this.sync();
    return this.h.map((r) => r.slice());
  }

  /** The histograms as `[bin][iter]` (row 0 = lowest bin), the layout `heatmapImage` draws. */
  histMatrix(): number[][] {
    this.sync();
    return Array.from({ length: this.bins }, (_, b) => this.h.map((r) => r[b]));
  }

  /**
   * Per batch, the fraction of the counted activations in the lowest `lowBins` bins (default 2:
   * the course's `get_min`, `h[:2].sum(0) / h.sum(0)`); NaN for a batch with no counted element.
   */
  minFraction(lowBins = 2): number[] {
    this.sync();
    return this.h.map((r) => {
      const tot = r.reduce((a, b) => a + b, 0);
      return tot > 0 ? r.slice(0, lowBins).reduce((a, b) => a + b, 0) / tot : NaN;
    });
  }

  /** Bring everything to the host now (one synchronous read per outstanding block). */
  sync(): void {
    this.stackPending();
    for (const c of this.chunks) {
      if (c.vals) continue;
      c.vals = c.tensor.isDisposed ? new Float32Array(c.tensor.size).fill(NaN) : (c.tensor.dataSync() as Float32Array);
    }
    this.settle();
  }

  /** Copy what is left to the host, then free every tensor. The numbers stay readable. */
  dispose(): void {
    this.sync();
  }

  /** Forget every statistic (host and device). */
  reset(): void {
    for (const t of this.pending) t.dispose();
    for (const c of this.chunks) if (!c.tensor.isDisposed) c.tensor.dispose();
    this.pending = [];
    this.chunks = [];
    this.m.length = this.s.length = this.h.length = 0;
  }

  /** Stack the pending rows into one kept tensor (a new chunk); null when nothing is pending. */
  private stackPending(): Chunk | null {
    if (!this.pending.length) return null;
    const tensor = tf.keep(tf.stack(this.pending) as tf.Tensor2D);
    for (const t of this.pending) t.dispose();
    this.pending = [];
    const chunk: Chunk = { tensor, vals: null };
    this.chunks.push(chunk);
    return chunk;
  }

  /** Move the leading chunks whose values arrived to the host arrays, in order, freeing them. */
  private settle(): void {
    const width = this.bins + 2;
    while (this.chunks.length && this.chunks[0].vals) {
      const { tensor, vals } = this.chunks.shift() as { tensor: tf.Tensor2D; vals: Float32Array };
      for (let r = 0; r < tensor.shape[0]; r++) {
        const row = vals.subarray(r * width, (r + 1) * width);
        this.m.push(row[0]);
        this.s.push(row[1]);
        this.h.push(Array.from(row.subarray(2)));
      }
      if (!tensor.isDisposed) tensor.dispose();
    }
  }
}

/**
 * A hook function (for `Hook` / `Hooks`) recording `ActivationStats` with the given histogram
 * range into `hook.stats` (made when the hook is), for training batches only (`module.training`); an eval-mode call starts
 * copying the epoch's statistics to the host.
 */
export function appendStatsWith(opts: AppendStatsOptions = {}): HookFn<ActivationStats> {
  new ActivationStats(opts); // validate the options now rather than at the first batch
  const fn: HookFn<ActivationStats> = (hook, { module, output }) => {
    if (!module.training) {
      hook.stats?.flushAsync();
      return;
    }
    hook.stats ??= new ActivationStats(opts);
    hook.stats.record(output);
  };
  fn.initStats = () => new ActivationStats(opts);
  return fn;
}

/**
 * The course's `append_stats`: per training batch, the hooked module's output mean, std and a
 * 40-bin histogram over [0, 10], in `hook.stats` (an `ActivationStats`).
 */
export const appendStats: HookFn<ActivationStats> = appendStatsWith();
