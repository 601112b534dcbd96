/** `ReduceLROnPlateau`: lower the learning rate when a monitored epoch metric stops improving (Keras). */
import { Callback } from '../core/callback.js';
import type { JsonValue } from '../io/checkpoint-types.js';
import { stateInt, stateNumber, stateNumbers, stateObject } from '../core/state-checks.js';
import { checkInt } from '../core/validate.js';
import { Monitor, type MonitorMode } from './monitor.js';

/** Options of `ReduceLROnPlateau` (Keras' names and defaults). */
export type ReduceLROnPlateauOptions = {
  /** The epoch metric to watch (default `valid_loss`; see `Monitor`). */
  monitor?: string;
  /** Multiply the lr by this on a plateau (default 0.1; in (0, 1)). */
  factor?: number;
  /** Epochs without improvement before reducing (default 10). */
  patience?: number;
  /** Smallest change that counts as an improvement (default 1e-4). */
  minDelta?: number;
  /** Epochs to wait after a reduction before counting again (default 0). */
  cooldown?: number;
  /** The lr is not reduced below this (default 0); one value, or one per parameter group. */
  minLr?: number | readonly number[];
  /** `min`, `max` or `auto` (default; see `Monitor`). */
  mode?: MonitorMode;
  /** Where the "reducing" line goes (default `console.log`; `() => {}` for none). */
  log?: (line: string) => void;
};

type SavedState = { best: number | null; wait: number; cooldownCounter: number; scale: number[]; applied: number[] | null; reductions: number };

/**
 * `new ReduceLROnPlateau({ monitor: 'valid_loss', factor: 0.5, patience: 2 })`, with Keras'
 * semantics: after each epoch, a value better than the best by more than `minDelta` resets the
 * wait; otherwise (outside cooldown) the wait grows and, at `patience`, every parameter group's lr
 * above `minLr` is multiplied by `factor` (not going below `minLr`), then `cooldown` epochs pass
 * before waiting resumes.
 *
 * It composes with a scheduler (`ParamScheduler`, `fitOneCycle`): a reduction is kept as a factor
 * on whatever lr the scheduler sets each batch (it runs after schedulers, `order` 2), so the
 * schedule's shape is kept, scaled down. Its state (best, wait, cooldown, the factor) is saved in
 * checkpoints and restored on resume. `reductions` counts the reductions of the last fit.
 */
export class ReduceLROnPlateau extends Callback {
  /** After `ParamScheduler` (1) in `beginBatch`; after `AvgStatsCallback` (0) in `afterEpoch`. */
  override order = 2;
  /** The watched metric, its mode and `minDelta`. */
  readonly monitor: Monitor;
  /** What the lr is multiplied by on a plateau. */
  readonly factor: number;
  /** Epochs without improvement before the lr is reduced. */
  readonly patience: number;
  /** Epochs after a reduction before waiting starts again. */
  readonly cooldown: number;
  /** The lowest lr (one, or one per parameter group). */
  readonly minLr: number | readonly number[];
  /** Best monitored value so far (null before the first epoch). */
  best: number | null = null;
  /** Reductions in the last fit. */
  reductions = 0;
  private wait = 0;
  private cooldownCounter = 0;
  /** Per group: the product of the reductions, applied on top of a scheduler's values. */
  private scale: number[] = [];
  /** Per group: the lr this callback last set (to tell a scheduler's new value from its own). */
  private applied: number[] | null = null;
  private readonly log: (line: string) => void;

  constructor(opts: ReduceLROnPlateauOptions = {}) {
    super();
    this.monitor = new Monitor('ReduceLROnPlateau', opts.monitor ?? 'valid_loss', opts.mode ?? 'auto', opts.minDelta ?? 1e-4);
    this.factor = opts.factor ?? 0.1;
    if (!(this.factor > 0 && this.factor < 1)) throw new RangeError(`ReduceLROnPlateau: factor must be in (0, 1) (the lr is multiplied by it), got ${this.factor}`);
    this.patience = opts.patience ?? 10;
    this.cooldown = opts.cooldown ?? 0;
    checkInt('ReduceLROnPlateau', 'patience', this.patience, 0);
    checkInt('ReduceLROnPlateau', 'cooldown', this.cooldown, 0);
    this.minLr = opts.minLr ?? 0;
    for (const v of typeof this.minLr === 'number' ? [this.minLr] : this.minLr) {
      if (!(Number.isFinite(v) && v >= 0)) throw new RangeError(`ReduceLROnPlateau: minLr must be finite and >= 0, got ${v}`);
    }
    this.log = opts.log ?? ((l) => console.log(l));
  }

  override beginFit(): void {
    this.monitor.check(this.run);
    const n = this.run.learn.opt.paramGroups.length;
    if (typeof this.minLr !== 'number' && this.minLr.length !== n) {
      throw new RangeError(`ReduceLROnPlateau: got ${this.minLr.length} minLr values for ${n} parameter groups (give 1 or ${n})`);
    }
    this.best = null;
    this.wait = 0;
    this.cooldownCounter = 0;
    this.reductions = 0;
    this.scale = Array.from({ length: n }, () => 1);
    this.applied = null;
  }

  /** A scheduler set a fresh lr this batch: scale it by the reductions so far. */
  override beginBatch(): void {
    if (!this.run.inTrain || !this.applied || this.scale.every((s) => s === 1)) return;
    const opt = this.run.learn.opt;
    const lrs = opt.getHyper('lr');
    const next = lrs.map((lr, i) => (lr === this.applied![i] ? lr : Math.max(lr * this.scale[i], Math.min(lr, this.minLrOf(i)))));
    if (next.some((v, i) => v !== lrs[i])) opt.setHyper('lr', next);
    this.applied = next;
  }

  override afterEpoch(): void {
    const v = this.monitor.value(this.run);
    if (v === undefined) return;
    if (this.cooldownCounter > 0) {
      this.cooldownCounter--;
      this.wait = 0;
    }
    if (this.monitor.isBetter(v, this.best)) {
      this.best = v;
      this.wait = 0;
      return;
    }
    if (this.cooldownCounter > 0) return;
    this.wait++;
    if (this.wait < this.patience) return;
    const opt = this.run.learn.opt;
    const old = opt.getHyper('lr');
    const next = old.map((lr, i) => (lr > this.minLrOf(i) ? Math.max(lr * this.factor, this.minLrOf(i)) : lr));
    this.scale = this.scale.map((s, i) => (old[i] > 0 ? (s * next[i]) / old[i] : s));
    opt.setHyper('lr', next);
    this.applied = next;
    this.cooldownCounter = this.cooldown;
    this.wait = 0;
    if (next.some((lr, i) => lr !== old[i])) {
      this.reductions++;
      this.log(`ReduceLROnPlateau: no improvement in ${this.monitor.name} for ${this.patience} epoch(s) (best ${this.best}); reducing lr to ${next.map((x) => x.toPrecision(4)).join(', ')} after epoch ${this.run.epoch}`);
    }
  }

  private minLrOf(i: number): number {
    return typeof this.minLr === 'number' ? this.minLr : this.minLr[i];
  }

  override getState(): JsonValue {
    const s: SavedState = { best: this.best, wait: this.wait, cooldownCounter: this.cooldownCounter, scale: this.scale, applied: this.applied, reductions: this.reductions };
    return s as JsonValue;
  }

  /** A saved state must hold best, wait, cooldown, one scale (and applied lr) per parameter group, reductions. */
  override checkState(saved: JsonValue): void {
    const s = stateObject(saved, ['best', 'wait', 'cooldownCounter', 'scale', 'applied', 'reductions']);
    const groups = this.run?.learn?.opt.paramGroups.length;
    const what = `parameter group${groups === 1 ? '' : 's'}`;
    stateNumber('best', s.best, { nullable: true });
    stateInt('wait', s.wait);
    stateInt('cooldownCounter', s.cooldownCounter);
    const scale = stateNumbers('scale', s.scale, { length: groups, what });
    scale.forEach((v, i) => {
      if (!(Number.isFinite(v) && v > 0 && v <= 1)) throw new RangeError(`scale[${i}] must be a number in (0, 1], got ${JSON.stringify(v)}`);
    });
    if (s.applied !== null) stateNumbers('applied', s.applied, { length: groups, what });
    stateInt('reductions', s.reductions);
  }

  override setState(saved: JsonValue): void {
    const s = saved as SavedState;
    this.best = s.best;
    this.wait = s.wait;
    this.cooldownCounter = s.cooldownCounter;
    this.scale = [...s.scale];
    this.applied = s.applied ? [...s.applied] : null;
    this.reductions = s.reductions;
  }
}
