/**
 * The learning-rate finder, as the course's `LR_Find` and fastai's `lr_find`: an exponential
 * learning-rate sweep over training batches, stopped when the loss diverges, on a copy of the
 * training state that is put back exactly afterwards.
 */
import { tf } from '../backend/tf.js';
import { Callback } from '../core/callback.js';
import { CancelEpochError, CancelTrainError } from '../core/cancel.js';
import { Runner } from '../core/runner.js';
import { getRngState, setRngState } from '../core/rng.js';
import type { Learner } from '../core/learner.js';
import type { Trainable } from '../core/trainable.js';
import type { Optimizer } from '../core/optim/optimizer.js';
import type { StateDict } from '../models/module.js';
import type { SavedFigure } from '../plot/index.js';
import { lrFindChart } from '../plot/training-plots.js';
import { figureDisplay, outputFigureTo } from '../ui/figures.js';
import { checkInt } from '../core/validate.js';

/** Options of `LRFinder` and `lrFind`. */
export type LRFinderOptions = {
  /** First learning rate of the sweep (default 1e-7, must be > 0). */
  minLr?: number;
  /** Last learning rate of the sweep (default 10, must be > `minLr`). */
  maxLr?: number;
  /** Sweep length: batches 0 … `maxIter` are run, the last one at `maxLr` (default 100). */
  maxIter?: number;
  /** Stop once the smoothed loss exceeds this multiple of the best smoothed loss (default 4). */
  divThreshold?: number;
  /** Smoothing factor of the exponential moving average of the loss (default 0.98, debiased). */
  beta?: number;
};

/** Why a sweep stopped. */
export type LRFinderStop = 'maxIter' | 'diverged' | 'nonFinite' | 'endOfFit';

/**
 * `new LRFinder({ minLr, maxLr, maxIter })`: before training batch `i` it sets the learning rate of
 * every parameter group to `minLr·(maxLr/minLr)^(i/maxIter)`; after the step it records the lr,
 * the raw loss and a debiased exponential moving average of it (`beta` 0.98). It stops the fit
 * (`CancelTrainError`) after batch `maxIter`, when the loss is NaN or infinite, or when the
 * smoothed loss exceeds `divThreshold` (4) times the best smoothed loss — fastai's `stop_div` rule;
 * the course notebook uses 10× the raw loss, which on noisy batches stops later for no gain.
 * Validation never runs (cancelled at `beginValidate`), and the sweep goes on over several epochs
 * when the loader has fewer than `maxIter + 1` batches, so fit for enough epochs (`lrFind` does).
 *
 * Device reads: the sweep needs every batch's loss, so `afterStep` reads it with one
 * `await loss.data()` per batch — by design, this callback is not for ordinary training.
 */
export class LRFinder extends Callback {
  override order = 1;
  override readonly watchesLoss = true;
  /** First learning rate of the sweep. */
  readonly minLr: number;
  /** Learning rate of batch `maxIter`. */
  readonly maxLr: number;
  /** Index of the last batch of the sweep. */
  readonly maxIter: number;
  /** Divergence multiple of the best smoothed loss. */
  readonly divThreshold: number;
  /** Smoothing factor of the loss average. */
  readonly beta: number;
  /** Learning rate of each recorded batch. */
  lrs: number[] = [];
  /** Raw loss of each recorded batch. */
  losses: number[] = [];
  /** Debiased exponential moving average of `losses`. */
  smoothLosses: number[] = [];
  /** Best smoothed loss so far. */
  bestLoss = Infinity;
  /** Why the sweep stopped (null while running). */
  stopReason: LRFinderStop | null = null;
  private i = 0;
  private avg = 0;

  constructor(opts: LRFinderOptions = {}) {
    super();
    this.minLr = opts.minLr ?? 1e-7;
    this.maxLr = opts.maxLr ?? 10;
    this.maxIter = opts.maxIter ?? 100;
    this.divThreshold = opts.divThreshold ?? 4;
    this.beta = opts.beta ?? 0.98;
    if (!(this.minLr > 0 && Number.isFinite(this.minLr))) throw new RangeError(`LRFinder: minLr must be a finite number > 0, got ${this.minLr}`);
    if (!(this.maxLr > this.minLr && Number.isFinite(this.maxLr))) throw new RangeError(`LRFinder: maxLr must be finite and > minLr (${this.minLr}), got ${this.maxLr}`);
    checkInt('LRFinder', 'maxIter', this.maxIter);
    if (!(this.divThreshold > 1)) throw new RangeError(`LRFinder: divThreshold must be > 1, got ${this.divThreshold}`);
    if (!(this.beta >= 0 && this.beta < 1)) throw new RangeError(`LRFinder: beta must be in [0, 1), got ${this.beta}`);
  }

  /** The learning rate of sweep batch `i`. */
  lrAt(i: number): number {
    return this.minLr * (this.maxLr / this.minLr) ** (i / this.maxIter);
  }

  override beginFit(): void {
    this.lrs = [];
    this.losses = [];
    this.smoothLosses = [];
    this.bestLoss = Infinity;
    this.stopReason = null;
    this.i = 0;
    this.avg = 0;
  }

  override beginBatch(): void {
    if (this.run.inTrain) this.run.learn.opt.setHyper('lr', this.lrAt(this.i));
  }

  override async afterStep(): Promise<void> {
    const loss = (await this.run.loss.data())[0];
    this.avg = this.beta * this.avg + (1 - this.beta) * loss;
    const smooth = this.avg / (1 - this.beta ** (this.i + 1));
    this.lrs.push(this.lrAt(this.i));
    this.losses.push(loss);
    this.smoothLosses.push(smooth);
    this.i++;
    if (!Number.isFinite(loss)) this.stop('nonFinite');
    if (smooth > this.divThreshold * this.bestLoss) this.stop('diverged');
    if (smooth < this.bestLoss) this.bestLoss = smooth;
    if (this.i > this.maxIter) this.stop('maxIter');
  }

  override beginValidate(): void {
    throw new CancelEpochError('LRFinder: no validation during the sweep');
  }

  override afterFit(): void {
    this.stopReason ??= 'endOfFit';
  }

  private stop(reason: LRFinderStop): never {
    this.stopReason = reason;
    throw new CancelTrainError(`LRFinder: stopped (${reason}) after ${this.i} batches`);
  }
}

/** What `lrFind` returns. */
export type LRFindResult = {
  /** Learning rate of each batch of the sweep. */
  lrs: number[];
  /** Raw loss of each batch. */
  losses: number[];
  /** Debiased moving average of the loss (what the suggestion and the plot's main line use). */
  smoothLosses: number[];
  /** Suggested learning rate: the steepest descent of the smoothed loss (see `suggestLr`). */
  suggestion: number;
  /** The lr at the minimum smoothed loss, divided by 10 (fastai v2's `minimum` rule), for comparison. */
  minLossLr: number;
  /** Why the sweep stopped. */
  stopReason: LRFinderStop;
  /** The saved picture, when `plotDir` was given. */
  plot?: SavedFigure;
};

/** Options of `lrFind`. */
export type LRFindOptions = LRFinderOptions & {
  /** Save the loss-vs-lr picture there as `lr-find.svg` / `.png`. */
  plotDir?: string;
  /**
   * Show the loss-vs-lr picture on the figure display — a notebook's output — when there is one
   * (default true, as fastai's `lr_find(show_plot=True)`); a script without `plotDir` draws nothing.
   */
  showPlot?: boolean;
  /** Extra callbacks the sweep needs to run at all (e.g. `CudaCallback`, `BatchTransformXCallback`). */
  cbs?: Callback[];
};

/** A model whose weights and buffers can be saved and loaded (tfai's `Module`). */
type Stateful = Trainable & { stateDict(): StateDict; loadStateDict(sd: StateDict): void; training?: boolean };

function isStateful(m: Trainable): m is Stateful {
  const s = m as Partial<Stateful>;
  return typeof s.stateDict === 'function' && typeof s.loadStateDict === 'function';
}

/**
 * Run an lr sweep (`LRFinder`) on `learn` and put everything back: `lrFind(learn, { plotDir: 'out' })`.
 *
 * Restoring is exact (bit for bit): the model's parameters AND buffers (BatchNorm running stats)
 * are cloned from `model.stateDict()` and assigned back; the global RNG state is saved and
 * restored; the model's train/eval mode is restored. The optimizer is not snapshotted but never
 * touched: the sweep steps a temporary optimizer made with `learn.optFunc` over the same parameter
 * groups, with `learn.opt`'s hyperparameters and fresh (zero) state, so `learn.opt`'s momentum
 * buffers, step counts and hyperparameters stay exactly as they were (and no state tensors are
 * copied). Every tensor made for the sweep is disposed. One thing is not restored: a `DataLoader`
 * built with its own `seed` keeps a private generator, which the sweep's epochs advance.
 *
 * Suggestion rule (`suggestLr`): the learning rate at the steepest descent of the smoothed loss
 * against log lr — fastai v1's `recorder.plot(suggestion=True)` and v2's `steep`, skipping the
 * first 10 and last 5 points as fastai's plot does. `minLossLr` (v2's `minimum`: the lr at the
 * lowest smoothed loss / 10) is returned too.
 */
export async function lrFind(learn: Learner, opts: LRFindOptions = {}): Promise<LRFindResult> {
  const model = learn.model;
  if (!isStateful(model)) throw new Error('lrFind: the model must have stateDict()/loadStateDict() (a tfai Module) so that its weights can be restored');
  const finder = new LRFinder(opts);
  const weights = tf.tidy(() => Object.fromEntries(Object.entries(model.stateDict()).map(([k, v]) => [k, v.clone()])));
  const rng = getRngState();
  const wasTraining = model.training;
  const saved = learn.opt;
  const tmp = tempOptimizer(learn);
  try {
    learn.opt = tmp;
    const epochs = Math.ceil((finder.maxIter + 1) / Math.max(1, learn.data.trainDl.length));
    await new Runner({ cbs: [...(opts.cbs ?? []), finder] }).fit(epochs, learn);
  } finally {
    learn.opt = saved;
    tmp.dispose();
    model.loadStateDict(weights);
    tf.dispose(Object.values(weights));
    setRngState(rng);
    if (wasTraining !== undefined) model.train(wasTraining);
  }
  const { lrs, losses, smoothLosses } = finder;
  const result: LRFindResult = {
    lrs,
    losses,
    smoothLosses,
    suggestion: suggestLr(lrs, smoothLosses),
    minLossLr: minLossLr(lrs, smoothLosses),
    stopReason: finder.stopReason ?? 'endOfFit',
  };
  const show = opts.showPlot !== false;
  if (opts.plotDir !== undefined || (show && figureDisplay())) result.plot = await outputFigureTo({ svg: lrFindChart(result), name: 'lr-find' }, opts.plotDir, show);
  return result;
}

/**
 * A fresh optimizer over `learn.opt`'s parameter groups, with its hyperparameters, its frozen
 * groups (a frozen body stays frozen during the sweep, as fastai's `lr_find`) and its parameters
 * without weight decay.
 */
function tempOptimizer(learn: Learner): Optimizer {
  const src = learn.opt;
  const opt = learn.optFunc(src.paramGroups.map((g) => g.params), src.getHyper('lr')[0]);
  for (const name of src.hyperNames) opt.setHyper(name, src.getHyper(name));
  if (src.frozenIdx > 0) opt.freezeTo(src.frozenIdx, src.keptTraining);
  opt.excludeFromWeightDecay(src.excludedFromWeightDecay);
  return opt;
}

/** Indices `[lo, hi)` of the points a suggestion looks at: skip 10 first / 5 last when there are enough. */
function window(n: number): [number, number] {
  if (n >= 25) return [10, n - 5];
  const lo = Math.floor(n / 5);
  return [lo, Math.max(lo + 1, n - Math.floor(n / 10))];
}

/**
 * The lr at the steepest descent of `smoothLosses` (most negative `np.gradient`-style slope over
 * the evenly log-spaced sweep), skipping the first 10 and last 5 points when there are ≥ 25.
 * Non-finite losses are ignored. NaN when fewer than 2 finite points remain.
 */
export function suggestLr(lrs: number[], smoothLosses: number[]): number {
  const [lo, hi] = window(lrs.length);
  const idx: number[] = [];
  for (let i = lo; i < hi; i++) if (Number.isFinite(smoothLosses[i]) && lrs[i] > 0) idx.push(i);
  if (idx.length < 2) return NaN;
  let best = idx[0];
  let bestSlope = Infinity;
  idx.forEach((i, k) => {
    const a = idx[Math.max(0, k - 1)];
    const b = idx[Math.min(idx.length - 1, k + 1)];
    const slope = (smoothLosses[b] - smoothLosses[a]) / (Math.log(lrs[b]) - Math.log(lrs[a]));
    if (slope < bestSlope) {
      bestSlope = slope;
      best = i;
    }
  });
  return lrs[best];
}

/** The lr at the lowest smoothed loss, divided by 10 (fastai v2's `minimum`); NaN if none is finite. */
export function minLossLr(lrs: number[], smoothLosses: number[]): number {
  let best = -1;
  smoothLosses.forEach((l, i) => {
    if (Number.isFinite(l) && (best < 0 || l < smoothLosses[best])) best = i;
  });
  return best < 0 ? NaN : lrs[best] / 10;
}

/** The debiased exponential moving average of `losses` (what `LRFinder` records as `smoothLosses`). */
export function smoothLosses(losses: number[], beta = 0.98): number[] {
  let avg = 0;
  return losses.map((l, i) => {
    avg = beta * avg + (1 - beta) * l;
    return avg / (1 - beta ** (i + 1));
  });
}
