/** Learning rates and losses of every training batch, as the course's `Recorder`. */
import { tf } from '../backend/tf.js';
import { Callback } from '../core/callback.js';
import type { SavedFigure } from '../plot/index.js';
import type { EpochMetrics } from '../core/epoch-metrics.js';
import type { JsonValue } from '../io/checkpoint-types.js';
import { stateArray, stateInt, stateNumbers, stateObject } from '../core/state-checks.js';
import { minLossLr, suggestLr, smoothLosses } from './lr-finder.js';
import { plotLoss, plotLr, plotLrFind, plotMetrics, type PlotLossOptions, type PlotLrFindOptions, type PlotOptions } from '../plot/training-plots.js';

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

  /** Save the learning rate of every training batch to `<dir>/lr.svg|png` (see `plotLr`). */
  plotLr(dir: string, opts: PlotOptions = {}): Promise<SavedFigure> {
    return plotLr(this, dir, opts);
  }

  /** Save the training loss of every batch to `<dir>/loss.svg|png` (see `plotLoss`). */
  plotLoss(dir: string, opts: PlotLossOptions = {}): Promise<SavedFigure> {
    return plotLoss(this, dir, opts);
  }

  /**
   * Save loss against learning rate (log x) to `<dir>/lr-find.svg|png`, for a run that swept the lr
   * (an `LRFinder` callback next to this recorder), with the smoothed loss and the suggested lr.
   */
  plotLrFind(dir: string, opts: PlotLrFindOptions = {}): Promise<SavedFigure> {
    const lrs = this.lr;
    const smooth = smoothLosses(this.losses);
    const suggestion = suggestLr(lrs, smooth);
    return plotLrFind({ lrs, losses: this.losses, smoothLosses: smooth, suggestion: Number.isFinite(suggestion) ? suggestion : minLossLr(lrs, smooth) }, dir, opts);
  }

  /** Save the recorded per-epoch losses and metrics to `<dir>/metrics.svg|png` (see `plotMetrics`). */
  plotMetrics(dir: string, opts: PlotOptions = {}): Promise<SavedFigure> {
    return plotMetrics(this.metrics, dir, opts);
  }
}
