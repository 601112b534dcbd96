/** `fitOneCycle`: fastai v2's `Learner.fit_one_cycle` as one call that builds the schedulers. */
import { Callback } from '../core/callback.js';
import type { Learner } from '../core/learner.js';
import { Runner, type FitOptions, type RunnerOptions } from '../core/runner.js';
import { cosOneCycle } from '../core/optim/schedules.js';
import { ParamScheduler } from './param-scheduler.js';

/** Options of `fitOneCycle`. */
export type FitOneCycleOptions = {
  /** The learner to train. */
  learn: Learner;
  /** Callbacks of the runner `fitOneCycle` creates (not with `run`: add them to that runner). */
  cbs?: Callback[];
  /** Fit with this runner instead: the schedulers are added for this fit and removed after. */
  run?: Runner;
  /** Options of the runner `fitOneCycle` creates (`log`, `handleInterrupts`, …). */
  runner?: Omit<RunnerOptions, 'cbs'>;
  /** Fraction of training spent warming up (default 0.25, fastai's). */
  pctStart?: number;
  /** The lr starts at `lrMax / divFactor` (default 25, fastai's `div`). */
  divFactor?: number;
  /** The lr ends at `lrMax / divFinal` (default 1e5, fastai's `div_final`). */
  divFinal?: number;
  /**
   * Momentum `[start, middle, end]`, scheduled inversely to the lr (default `[0.95, 0.85, 0.95]`),
   * on the optimizer's `mom` (SGD's momentum, Adam's `beta1`); `null` leaves momentum alone.
   */
  moms?: readonly [number, number, number] | null;
  /** Passed to `run.fit` (e.g. `resume`). */
  fit?: FitOptions;
};

/**
 * `await fitOneCycle(5, 1e-2, { learn, cbs })`: train for `epochs` with the one-cycle policy as
 * fastai v2 — the lr of each parameter group goes up from `lrMax / divFactor` to `lrMax` along a
 * cosine over the first `pctStart` of training, then down to `lrMax / divFinal` along a cosine;
 * the momentum (or Adam's β1) does the inverse, `moms[0] → moms[1] → moms[2]`. It is exactly
 * `ParamScheduler('lr', cosOneCycle(lrMax / divFactor, lrMax, lrMax / divFinal, pctStart))` and
 * `ParamScheduler('mom', cosOneCycle(...moms, pctStart))` (on Adam under the name `beta1`) added to the runner. `lrMax` may give one
 * value per parameter group (discriminative rates). Returns the runner (its callbacks hold the results).
 */
export async function fitOneCycle(epochs: number, lrMax: number | readonly number[], opts: FitOneCycleOptions): Promise<Runner> {
  const { learn } = opts;
  if (!learn) throw new TypeError('fitOneCycle: options.learn (the Learner to train) is required');
  const pctStart = opts.pctStart ?? 0.25;
  const divFactor = opts.divFactor ?? 25;
  const divFinal = opts.divFinal ?? 1e5;
  const moms = opts.moms === undefined ? ([0.95, 0.85, 0.95] as const) : opts.moms;
  const groups = learn.opt.paramGroups.length;
  const lrs = typeof lrMax === 'number' ? Array.from({ length: groups }, () => lrMax) : [...lrMax];
  if (lrs.length !== groups) throw new RangeError(`fitOneCycle: got ${lrs.length} lrMax values for ${groups} parameter groups (give 1 or ${groups})`);
  lrs.forEach((lr, i) => {
    if (!(Number.isFinite(lr) && lr > 0)) throw new RangeError(`fitOneCycle: lrMax${groups > 1 ? `[${i}]` : ''} must be a finite number > 0, got ${lr}`);
  });
  for (const [name, v] of [['divFactor', divFactor], ['divFinal', divFinal]] as const) {
    if (!(Number.isFinite(v) && v > 0)) throw new RangeError(`fitOneCycle: ${name} must be a finite number > 0, got ${v}`);
  }
  const scheds: Callback[] = [new ParamScheduler('lr', lrs.map((lr) => cosOneCycle(lr / divFactor, lr, lr / divFinal, pctStart)))];
  if (moms) {
    // `mom`: the momentum of any optimizer, scheduled under its own name (SGD's `mom`, Adam's `beta1`)
    if (!learn.opt.hasHyper('mom')) {
      if (opts.moms) throw new RangeError(`fitOneCycle: moms given, but ${learn.opt.constructor.name} has no momentum 'mom' (it has: ${learn.opt.hyperNames.join(', ')})`);
    } else scheds.push(new ParamScheduler(learn.opt.hyperKey('mom'), cosOneCycle(moms[0], moms[1], moms[2], pctStart)));
  }
  if (opts.run && (opts.cbs || opts.runner)) throw new TypeError('fitOneCycle: give either run (an existing runner) or cbs / runner options for a new one, not both');
  const run = opts.run ?? new Runner({ ...opts.runner, cbs: opts.cbs ?? [] });
  run.addCbs(scheds);
  try {
    await run.fit(epochs, learn, opts.fit);
  } finally {
    run.removeCbs(scheds);
  }
  return run;
}
