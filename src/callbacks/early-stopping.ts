/** Early stopping on a monitored epoch average, as Keras' and fastai's `EarlyStoppingCallback`. */
import { Callback } from '../core/callback.js';
import { CancelTrainError } from '../core/cancel.js';
import { checkInt } from '../core/validate.js';
import { Monitor, type MonitorMode } from './monitor.js';
import type { JsonValue } from '../io/checkpoint-types.js';
import { stateInt, stateNumber, stateObject } from '../core/state-checks.js';

/** Options of `EarlyStoppingCallback`. */
export type EarlyStoppingCallbackOptions = {
  /** The epoch metric to watch: `valid_loss` (default), `train_loss`, `valid_<metric>`, … (`run.epochMetrics` names). */
  monitor?: string;
  /** Epochs without improvement tolerated before stopping (default 1). */
  patience?: number;
  /** Smallest change that counts as an improvement (default 0). */
  minDelta?: number;
  /** `min`, `max`, or `auto` (default): decided from the name (see `Monitor`). */
  mode?: MonitorMode;
  /** Where the stop message goes (default `console.log`). */
  log?: (line: string) => void;
};

/**
 * `new EarlyStoppingCallback({ monitor: 'valid_accuracy', patience: 2 })`: after each epoch it reads
 * the monitored value from `run.epochMetrics` (no extra device read) and stops the fit with
 * `CancelTrainError` once `patience` epochs in a row have not improved on the best value by more
 * than `minDelta`. An unknown `monitor` is an error at `beginFit` that lists the available names.
 * It runs late (`order` 60) so that every other callback, progress display included, has seen the
 * last epoch before the fit stops. `best`, `bestEpoch` and `stoppedEpoch` tell what happened.
 */
export class EarlyStoppingCallback extends Callback {
  override order = 60;
  /** The watched metric, its mode and `minDelta`. */
  readonly monitor: Monitor;
  /** Epochs without improvement tolerated. */
  readonly patience: number;
  /** Best monitored value so far. */
  best = NaN;
  /** Epoch of `best` (-1 before the first epoch). */
  bestEpoch = -1;
  /** Epoch after which the fit was stopped, or null. */
  stoppedEpoch: number | null = null;
  private wait = 0;
  private readonly log: (line: string) => void;

  constructor(opts: EarlyStoppingCallbackOptions = {}) {
    super();
    this.monitor = new Monitor('EarlyStoppingCallback', opts.monitor ?? 'valid_loss', opts.mode ?? 'auto', opts.minDelta ?? 0);
    this.patience = opts.patience ?? 1;
    checkInt('EarlyStoppingCallback', 'patience', this.patience);
    this.log = opts.log ?? ((l) => console.log(l));
  }

  override beginFit(): void {
    this.monitor.check(this.run);
    this.best = NaN;
    this.bestEpoch = -1;
    this.stoppedEpoch = null;
    this.wait = 0;
  }

  /** Best value, its epoch and the epochs waited so far (so a resumed fit keeps its patience). */
  override getState(): JsonValue {
    return { best: Number.isNaN(this.best) ? null : this.best, bestEpoch: this.bestEpoch, wait: this.wait };
  }

  /** A saved state must be `{ best: number | null, bestEpoch: integer >= -1, wait: integer >= 0 }`. */
  override checkState(saved: JsonValue): void {
    const s = stateObject(saved, ['best', 'bestEpoch', 'wait']);
    stateNumber('best', s.best, { nullable: true });
    stateInt('bestEpoch', s.bestEpoch, -1);
    stateInt('wait', s.wait);
  }

  override setState(saved: JsonValue): void {
    const s = saved as { best: number | null; bestEpoch: number; wait: number };
    this.best = s.best ?? NaN;
    this.bestEpoch = s.bestEpoch;
    this.wait = s.wait;
  }

  override afterEpoch(): void {
    const v = this.monitor.value(this.run);
    if (v === undefined) return;
    if (this.monitor.isBetter(v, this.best)) {
      this.best = v;
      this.bestEpoch = this.run.epoch;
      this.wait = 0;
      return;
    }
    this.wait++;
    if (this.wait < this.patience) return;
    this.stoppedEpoch = this.run.epoch;
    this.log(`EarlyStoppingCallback: no improvement in ${this.monitor.name} for ${this.wait} epoch(s) (best ${this.best} at epoch ${this.bestEpoch}); stopping after epoch ${this.run.epoch}`);
    throw new CancelTrainError(`early stopping after epoch ${this.run.epoch}`);
  }
}
