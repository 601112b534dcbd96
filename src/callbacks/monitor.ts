/**
 * The one place that knows how callbacks watch an epoch metric: which name (checked against what
 * the runner's callbacks publish), whether lower or higher is better, and what counts as an
 * improvement. Early stopping, checkpoints' `best`, ReduceLROnPlateau and friends all use it.
 */
import type { CallbackRunner } from '../core/callback.js';

/** `'min'`, `'max'`, or `'auto'`: decide from the name (see `Monitor`). */
export type MonitorMode = 'min' | 'max' | 'auto';

/** Names for which lower is better under `'auto'` (as fastai: "loss" or "error" in the name), plus regression errors. */
const LOWER_IS_BETTER = /loss|error|(^|_)(mse|mae|rmse)$/;

/** Every metric name the runner's callbacks declare they publish (`epochMetricNames`). */
export function availableMetrics(run: CallbackRunner): string[] {
  return [...new Set(run.cbs.flatMap((cb) => cb.epochMetricNames?.() ?? []))];
}

/**
 * `new Monitor('EarlyStoppingCallback', 'valid_loss', 'auto', 0)`: watches `run.epochMetrics[name]`.
 * With `'auto'`, names containing `loss` or `error`, or ending in `mse` / `mae` / `rmse`, are
 * minimised and everything else (accuracy, f1, …) maximised.
 */
export class Monitor {
  /** Whether lower or higher values are better (after resolving `'auto'`). */
  readonly mode: 'min' | 'max';
  /** Smallest change that counts as an improvement (≥ 0). */
  readonly minDelta: number;

  constructor(
    /** Who monitors, for error messages (a callback name). */
    readonly owner: string,
    /** The metric name, e.g. `valid_loss`, `valid_accuracy`. */
    readonly name: string,
    mode: MonitorMode = 'auto',
    minDelta = 0,
  ) {
    if (typeof name !== 'string' || !name) throw new TypeError(`${owner}: monitor must be a metric name such as 'valid_loss', got ${String(name)}`);
    if (!['min', 'max', 'auto'].includes(mode)) throw new RangeError(`${owner}: mode must be 'min', 'max' or 'auto', got '${String(mode)}'`);
    if (!Number.isFinite(minDelta)) throw new RangeError(`${owner}: minDelta must be a finite number, got ${minDelta}`);
    this.mode = mode === 'auto' ? (LOWER_IS_BETTER.test(name) ? 'min' : 'max') : mode;
    this.minDelta = Math.abs(minDelta);
  }

  /** Throw, listing the available names, unless a callback of `run` publishes this metric. */
  check(run: CallbackRunner): void {
    const names = availableMetrics(run);
    if (names.includes(this.name)) return;
    const hint = names.length ? `available: ${names.join(', ')}` : 'no callback of this runner publishes epoch metrics (add an AvgStatsCallback)';
    throw new RangeError(`${this.owner}: cannot monitor '${this.name}' (${hint})`);
  }

  /** This epoch's value, or undefined when it was not measured (e.g. an epoch cut short). */
  value(run: CallbackRunner): number | undefined {
    const m = run.epochMetrics;
    const v = m.epoch === run.epoch ? m[this.name] : undefined;
    return typeof v === 'number' ? v : undefined;
  }

  /** Whether `v` improves on `best` by more than `minDelta` (any finite value beats a missing best). */
  isBetter(v: number, best: number | null | undefined): boolean {
    if (!Number.isFinite(v)) return false;
    if (best === null || best === undefined || Number.isNaN(best)) return true;
    return this.mode === 'min' ? v < best - this.minDelta : v > best + this.minDelta;
  }
}
