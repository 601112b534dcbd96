/** Learning rates and losses of every training batch, as the course's `Recorder`. */
import { tf } from '../backend/tf.js';
import { Callback } from '../core/callback.js';
import type { SavedFigure } from '../plot/index.js';
import type { EpochMetrics } from '../core/epoch-metrics.js';
import type { JsonValue } from '../io/checkpoint-types.js';
import { stateArray, stateInt, stateNumbers, stateObject } from '../core/state-checks.js';
import { minLossLr, suggestLr, smoothLosses } from './lr-finder.js';
import { lossChart, lrChart, lrFindChart, metricsChart, type PlotLossOptions, type PlotLrFindOptions, type PlotOptions } from '../plot/training-plots.js';
import { outputFigureTo } from '../ui/figures.js';

type SavedState = { lrs: number[][]; losses: number[]; metrics: EpochMetrics[] };

/**
 * Records, for every training batch, each parameter group's learning rate and the loss, and every
 * epoch's named metrics (`run.epochMetrics`). Losses stay on the device during an epoch and are
 * read in one go at its end.
 */
export class Recorder extends Callback {
  /** After the callbacks that publish epoch metrics (`AvgStatsCallback` is 0). */
  override order = 20;
  /** `lrs[group][batch]`. */
  lrs: number[][] = [];
  /** Training loss per batch. */
  losses: number[] = [];
  /** Every epoch's `run.epochMetrics`, in order. */
  metrics: EpochMetrics[] = [];
  private pending: tf.Tensor[] = [];

  override beginFit(): void {
    this.lrs = this.run.learn.opt.paramGroups.map(() => []);
    this.losses = [];
    this.metrics = [];
    this.dropPending();
  }

  override afterBatch(): void {
    if (!this.run.inTrain) return;
    const lrs = this.run.learn.opt.getHyper('lr');
    lrs.forEach((lr, i) => this.lrs[i].push(lr));
    const loss = this.run.loss;
    this.pending.push(loss && !loss.isDisposed ? tf.clone(loss) : tf.scalar(NaN));
  }

  override async afterEpoch(): Promise<void> {
    this.metrics.push({ ...this.run.epochMetrics });
    await this.flush();
  }

  override async afterFit(): Promise<void> {
    await this.flush();
  }

  /** Learning rates, losses and epoch metrics so far (pending losses are read first). */
  override async getState(): Promise<JsonValue> {
    await this.flush();
    const pos = this.run.control.position;
    const state: SavedState = { lrs: this.lrs, losses: this.losses, metrics: this.metrics.filter((m) => m.epoch < pos.epoch) };
    return state as JsonValue;
  }

  /** A saved state must be `{ lrs: number[][] (one per parameter group), losses: number[], metrics }`. */
  override checkState(saved: JsonValue): void {
    const s = stateObject(saved, ['lrs', 'losses']);
    const groups = this.run?.learn?.opt.paramGroups.length;
    const lrs = stateArray('lrs', s.lrs);
    if (groups !== undefined && lrs.length !== groups) throw new RangeError(`lrs has ${lrs.length} lists for ${groups} parameter group${groups > 1 ? 's' : ''}`);
    lrs.forEach((g, i) => stateNumbers(`lrs[${i}]`, g));
    stateNumbers('losses', s.losses);
    if (s.metrics !== undefined) stateArray('metrics', s.metrics).forEach((m, i) => stateInt(`metrics[${i}].epoch`, stateObject(m, ['epoch'], `metrics[${i}]`).epoch));
  }

  override setState(saved: JsonValue): void {
    const s = saved as SavedState;
    this.lrs = s.lrs.map((g) => [...g]);
    this.losses = [...s.losses];
    this.metrics = (s.metrics ?? []).map((m) => ({ ...m }));
  }

  /** Read the pending losses from the device. */
  private async flush(): Promise<void> {
    if (!this.pending.length) return;
    const stacked = tf.stack(this.pending);
    this.dropPending();
    const vals = await stacked.data();
    stacked.dispose();
    this.losses.push(...vals);
  }

  private dropPending(): void {
    for (const t of this.pending) t.dispose();
    this.pending = [];
  }

  /** The learning rate of the last group per batch (what the course's `plot_lr` shows). */
  get lr(): number[] {
    return this.lrs.at(-1) ?? [];
  }

  /**
   * The learning rate of every training batch (see `lrChart`): shown in a notebook; written to
   * `<dir>/lr.svg|png` when `dir` is given (in a script without `dir`, into `out/figures`).
   */
  plotLr(dir: string, opts?: PlotOptions): Promise<SavedFigure>;
  plotLr(opts?: PlotOptions): Promise<SavedFigure | undefined>;
  plotLr(a?: string | PlotOptions, b?: PlotOptions): Promise<SavedFigure | undefined> {
    const [dir, opts] = where(a, b);
    return outputFigureTo({ svg: lrChart(this, opts), name: opts.name ?? 'lr' }, dir, opts.show);
  }

  /**
   * The training loss of every batch (see `lossChart`): shown in a notebook; written to
   * `<dir>/loss.svg|png` when `dir` is given (in a script without `dir`, into `out/figures`).
   */
  plotLoss(dir: string, opts?: PlotLossOptions): Promise<SavedFigure>;
  plotLoss(opts?: PlotLossOptions): Promise<SavedFigure | undefined>;
  plotLoss(a?: string | PlotLossOptions, b?: PlotLossOptions): Promise<SavedFigure | undefined> {
    const [dir, opts] = where(a, b);
    return outputFigureTo({ svg: lossChart(this, opts), name: opts.name ?? 'loss' }, dir, opts.show);
  }

  /**
   * Loss against learning rate (log x), for a run that swept the lr (an `LRFinder` callback next to
   * this recorder), with the smoothed loss and the suggested lr: shown in a notebook; written to
   * `<dir>/lr-find.svg|png` when `dir` is given (in a script without `dir`, into `out/figures`).
   */
  plotLrFind(dir: string, opts?: PlotLrFindOptions): Promise<SavedFigure>;
  plotLrFind(opts?: PlotLrFindOptions): Promise<SavedFigure | undefined>;
  plotLrFind(a?: string | PlotLrFindOptions, b?: PlotLrFindOptions): Promise<SavedFigure | undefined> {
    const [dir, opts] = where(a, b);
    const lrs = this.lr;
    const smooth = smoothLosses(this.losses);
    const suggestion = suggestLr(lrs, smooth);
    const curve = { lrs, losses: this.losses, smoothLosses: smooth, suggestion: Number.isFinite(suggestion) ? suggestion : minLossLr(lrs, smooth) };
    return outputFigureTo({ svg: lrFindChart(curve, opts), name: opts.name ?? 'lr-find' }, dir, opts.show);
  }

  /**
   * The recorded per-epoch losses and metrics (see `metricsChart`): shown in a notebook; written to
   * `<dir>/metrics.svg|png` when `dir` is given (in a script without `dir`, into `out/figures`).
   */
  plotMetrics(dir: string, opts?: PlotOptions): Promise<SavedFigure>;
  plotMetrics(opts?: PlotOptions): Promise<SavedFigure | undefined>;
  plotMetrics(a?: string | PlotOptions, b?: PlotOptions): Promise<SavedFigure | undefined> {
    const [dir, opts] = where(a, b);
    return outputFigureTo({ svg: metricsChart(this.metrics, opts), name: opts.name ?? 'metrics' }, dir, opts.show);
  }
}

/** A plot method's arguments: `(dir, opts)` or `(opts)`. */
function where<O extends object>(a: string | O | undefined, b: O | undefined): [string | undefined, O] {
  return typeof a === 'string' ? [a, b ?? ({} as O)] : [undefined, a ?? b ?? ({} as O)];
}
