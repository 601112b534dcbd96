/** `fineTune`: fastai's `Learner.fine_tune`, the transfer-learning recipe, as one call. */
import { Callback } from '../core/callback.js';
import type { Learner } from '../core/learner.js';
import { Runner, type RunnerOptions } from '../core/runner.js';
import { checkInt } from '../core/validate.js';
import { fitOneCycle } from './fit-one-cycle.js';

/** Options of `fineTune`. */
export type FineTuneOptions = {
  /** The learner to train (its splitter gives at least two parameter groups: body …, head). */
  learn: Learner;
  /** Epochs with the body frozen first (default 1, fastai's `freeze_epochs`; 0 skips that phase). */
  freezeEpochs?: number;
  /** The first group's learning rate is the last one's divided by this (default 100, fastai's `lr_mult`). */
  lrMult?: number;
  /** Warm-up fraction of the unfrozen phase (default 0.3; the frozen phase always uses 0.99, as fastai). */
  pctStart?: number;
  /** The unfrozen phase starts at its learning rates / `div` (default 5; the frozen phase uses one-cycle's 25). */
  div?: number;
  /** Both phases end at their learning rates / `divFinal` (default 1e5). */
  divFinal?: number;
  /** Momentum `[start, middle, end]` of both phases (default `[0.95, 0.85, 0.95]`). */
  moms?: readonly [number, number, number];
  /** Callbacks of the runner both phases use (not with `run`). */
  cbs?: Callback[];
  /** Fit both phases with this runner (the schedulers are added for each phase and removed after). */
  run?: Runner;
  /** Options of the runner `fineTune` creates. */
  runner?: Omit<RunnerOptions, 'cbs'>;
};

/**
 * fastai's `slice(lr)`: `lr / 10` for every group but the last, `lr` for the last.
 * With `start`, fastai's `slice(start, lr)`: `even_mults(start, lr, n)`, learning rates spaced
 * evenly on a log scale from `start` (first group) to `lr` (last group).
 */
export function sliceLrs(n: number, lr: number, start?: number): number[] {
  checkInt('sliceLrs', 'n', n);
  if (start === undefined) return Array.from({ length: n }, (_, i) => (i === n - 1 ? lr : lr / 10));
  if (n === 1) return [lr];
  const step = (lr / start) ** (1 / (n - 1));
  return Array.from({ length: n }, (_, i) => start * step ** i);
}

/**
 * `await fineTune(epochs, 2e-3, { learn })` — fastai's `fine_tune`:
 *
 * 1. `freeze()` (only the last group, the head, trains — and norm layers, see `trainBN`), then
 *    one-cycle for `freezeEpochs` with `slice(baseLr)` (the head at `baseLr`, the other groups'
 *    norm layers at `baseLr / 10`) and `pctStart` 0.99;
 * 2. `baseLr /= 2`, `unfreeze()`, then one-cycle for `epochs` with `slice(baseLr / lrMult,
 *    baseLr)` spread over the groups, `pctStart` (0.3) and `div` (5).
 *
 * Each freeze / unfreeze forgets the optimizer's state (momenta, step counts), as fastai's
 * `freeze_to` does. Both phases run on one runner, which is returned.
 */
export async function fineTune(epochs: number, baseLr = 2e-3, opts: FineTuneOptions): Promise<Runner> {
  const { learn } = opts;
  if (!learn) throw new TypeError('fineTune: options.learn (the Learner to train) is required');
  checkInt('fineTune', 'epochs', epochs);
  const freezeEpochs = opts.freezeEpochs ?? 1;
  if (!Number.isInteger(freezeEpochs) || freezeEpochs < 0) throw new RangeError(`fineTune: freezeEpochs must be an integer >= 0, got ${freezeEpochs}`);
  if (!(Number.isFinite(baseLr) && baseLr > 0)) throw new RangeError(`fineTune: baseLr must be a finite number > 0, got ${baseLr}`);
  const lrMult = opts.lrMult ?? 100;
  if (!(Number.isFinite(lrMult) && lrMult > 0)) throw new RangeError(`fineTune: lrMult must be a finite number > 0, got ${lrMult}`);
  const groups = learn.opt.paramGroups.length;
  if (groups < 2) throw new Error(`fineTune: the learner has ${groups} parameter group; it needs a splitter that returns [body …, head] groups (visionLearner's does)`);
  if (opts.run && (opts.cbs || opts.runner)) throw new TypeError('fineTune: give either run (an existing runner) or cbs / runner options for a new one, not both');
  const run = opts.run ?? new Runner({ ...opts.runner, cbs: opts.cbs ?? [] });
  const common = { learn, run, divFinal: opts.divFinal, ...(opts.moms ? { moms: opts.moms } : {}) };
  learn.freeze();
  learn.opt.resetState();
  if (freezeEpochs > 0) await fitOneCycle(freezeEpochs, sliceLrs(groups, baseLr), { ...common, pctStart: 0.99 });
  const lr = baseLr / 2;
  learn.unfreeze();
  learn.opt.resetState();
  await fitOneCycle(epochs, sliceLrs(groups, lr, lr / lrMult), { ...common, pctStart: opts.pctStart ?? 0.3, divFactor: opts.div ?? 5 });
  return run;
}
