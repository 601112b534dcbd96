/** Early stopping on a monitored epoch average, as Keras' and fastai's `EarlyStoppingCallback`. */
import { Callback } from '../core/callback.js';
import { CancelTrainError } from '../core/cancel.js';
import { AvgStatsCallback } from './avg-stats.js';
import { checkInt } from '../core/validate.js';

/** Options of `EarlyStoppingCallback`. */
export type EarlyStoppingOptions = {
  /** `valid_loss` (default), `train_loss`, `valid_<metric>` or `train_<metric>` (metric names from `AvgStatsCallback.names`). */
  monitor?: string;
  /** Epochs without improvement tolerated before stopping (default 1). */
  patience?: number;
  /** Smallest change that counts as an improvement (default 0). */
  minDelta?: number;
  /** `min`, `max`, or `auto` (default): `min` for names containing "loss", else `max`. */
  mode?: 'min' | 'max' | 'auto';
  /** Where the stop message goes (default `console.log`). */
  log?: (line: string) => void;
};

/**
 * `new EarlyStoppingCallback({ monitor: 'valid_accuracy', patience: 2 })`: after each epoch it reads
 * the monitored value from the runner's `AvgStatsCallback` (required; no extra device read) and
 * stops the fit with `CancelTrainError` once `patience` epochs in a row have not improved on the
 * best value by more than `minDelta`. An unknown `monitor` is an error at `beginFit` that lists the
 * valid names. It runs late (`order` 60) so that every other callback, progress display included,
 * has seen the last epoch before the fit stops. `best`, `bestEpoch` and `stoppedEpoch` tell what happened.
 */
export class EarlyStoppingCallback extends Callback {
  override order = 60;
  /** The monitored name, e.g. `valid_loss`. */
  readonly monitor: string;
  /** Epochs without improvement tolerated. */
  readonly patience: number;
  /** Smallest change that counts as an improvement. */
  readonly minDelta: number;
  /** Whether lower (`min`) or higher (`max`) is better, after resolving `auto`. */
  readonly mode: 'min' | 'max';
  /** Best monitored value so far. */
  best = NaN;
  /** Epoch of `best` (-1 before the first epoch). */
  bestEpoch = -1;
  /** Epoch after which the fit was stopped, or null. */
  stoppedEpoch: number | null = null;
  private wait = 0;
  private stats!: AvgStatsCallback;
  private index: { phase: 'train' | 'valid'; k: number } = { phase: 'valid', k: 0 };
  private readonly log: (line: string) => void;

  constructor(opts: EarlyStoppingOptions = {}) {
    super();
    this.monitor = opts.monitor ?? 'valid_loss';
    this.patience = opts.patience ?? 1;
    this.minDelta = Math.abs(opts.minDelta ?? 0);
    const mode = opts.mode ?? 'auto';
    if (!['min', 'max', 'auto'].includes(mode)) throw new RangeError(`EarlyStoppingCallback: mode must be 'min', 'max' or 'auto', got '${mode}'`);
    this.mode = mode === 'auto' ? (this.monitor.includes('loss') ? 'min' : 'max') : mode;
    checkInt('EarlyStoppingCallback', 'patience', this.patience);
    this.log = opts.log ?? ((l) => console.log(l));
  }

  /** The monitor names a runner with `stats` offers. */
  static monitorNames(stats: AvgStatsCallback): string[] {
    const ms = stats.names.slice(1);
    return ['valid_loss', 'train_loss', ...ms.map((m) => `valid_${m}`), ...ms.map((m) => `train_${m}`)];
  }

  override beginFit(): void {
    const stats = this.run.cbs.find((c): c is AvgStatsCallback => c instanceof AvgStatsCallback);
    if (!stats) throw new Error(`EarlyStoppingCallback: needs an AvgStatsCallback in the runner to monitor '${this.monitor}'`);
    const valid = EarlyStoppingCallback.monitorNames(stats);
    if (!valid.includes(this.monitor)) {
      throw new Error(`EarlyStoppingCallback: unknown monitor '${this.monitor}'; valid names: ${valid.join(', ')}`);
    }
    const [phase, ...rest] = this.monitor.split('_');
    this.index = { phase: phase as 'train' | 'valid', k: stats.names.indexOf(rest.join('_')) };
    this.stats = stats;
    this.best = NaN;
    this.bestEpoch = -1;
    this.stoppedEpoch = null;
    this.wait = 0;
  }

  private improved(v: number): boolean {
    if (!Number.isFinite(v)) return false;
    if (Number.isNaN(this.best)) return true;
    return this.mode === 'min' ? v < this.best - this.minDelta : v > this.best + this.minDelta;
  }

  override afterEpoch(): void {
    const h = this.stats.history.at(-1);
    if (!h || h.epoch !== this.run.epoch) return;
    const v = h[this.index.phase][this.index.k] ?? NaN;
    if (this.improved(v)) {
      this.best = v;
      this.bestEpoch = this.run.epoch;
      this.wait = 0;
      return;
    }
    this.wait++;
    if (this.wait < this.patience) return;
    this.stoppedEpoch = this.run.epoch;
    this.log(`EarlyStoppingCallback: no improvement in ${this.monitor} for ${this.wait} epoch(s) (best ${this.best} at epoch ${this.bestEpoch}); stopping after epoch ${this.run.epoch}`);
    throw new CancelTrainError(`early stopping after epoch ${this.run.epoch}`);
  }
}
