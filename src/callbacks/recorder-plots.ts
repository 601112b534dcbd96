/**
 * Pictures of a training run, as the course's `recorder.plot_lr()` / `plot_loss()` and fastai's
 * `lr_find` plot: each function draws with `src/plot` and writes `<dir>/<name>.svg` and `.png`.
 */
import { lineChart, multiPanelLineChart, saveFigure, type LinePanel, type SavedFigure, type Series } from '../plot/index.js';
import type { AvgStatsCallback } from './avg-stats.js';

/** What the lr / loss plots read: `Recorder` fits. */
export type RecordedRun = {
  /** `lrs[group][batch]`. */
  readonly lrs: number[][];
  /** Training loss per batch. */
  readonly losses: number[];
};

/** An lr sweep to draw: `lrFind`'s result fits. */
export type LrCurve = {
  lrs: number[];
  losses: number[];
  /** Drawn as the main line when given. */
  smoothLosses?: number[];
  /** Drawn as a vertical marker when finite. */
  suggestion?: number;
};

/** Options shared by the plot functions. */
export type PlotOptions = {
  /** File name without extension (defaults: `lr`, `loss`, `lr-find`, `metrics`). */
  name?: string;
  /** Figure title. */
  title?: string;
};

const iterations = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/**
 * The learning rate of every training batch (one line per parameter group):
 * `<dir>/lr.svg|png`, x = iteration, y = learning rate.
 */
export async function plotLr(rec: RecordedRun, dir: string, opts: PlotOptions = {}): Promise<SavedFigure> {
  const series: Series[] = rec.lrs.map((lrs, g) => ({ name: rec.lrs.length > 1 ? `group ${g}` : 'lr', x: iterations(lrs.length), y: lrs }));
  const svg = lineChart({ title: opts.title ?? 'Learning rate schedule', xLabel: 'iteration', yLabel: 'learning rate', series });
  return saveFigure(svg, dir, opts.name ?? 'lr');
}

/** Options of `plotLoss`. */
export type PlotLossOptions = PlotOptions & {
  /** Leave out the last `skipLast` batches (as the course's `plot_loss(skip_last)`; default 0). */
  skipLast?: number;
};

/** The training loss of every batch: `<dir>/loss.svg|png`, x = iteration, y = loss. */
export async function plotLoss(rec: RecordedRun, dir: string, opts: PlotLossOptions = {}): Promise<SavedFigure> {
  const skip = Math.max(0, Math.floor(opts.skipLast ?? 0));
  const y = rec.losses.slice(0, Math.max(0, rec.losses.length - skip));
  const svg = lineChart({ title: opts.title ?? 'Training loss', xLabel: 'iteration', yLabel: 'loss', series: [{ name: 'train loss', x: iterations(y.length), y }] });
  return saveFigure(svg, dir, opts.name ?? 'loss');
}

/**
 * An lr sweep: loss against learning rate on a log x axis — the smoothed loss (when given), the raw
 * loss, and a vertical line at the suggested lr. Raw losses far above the smoothed curve (a
 * diverging last batch) are left out so that the useful part keeps the height: `<dir>/lr-find.svg|png`.
 */
export async function plotLrFind(curve: LrCurve, dir: string, opts: PlotOptions = {}): Promise<SavedFigure> {
  const finite = (curve.smoothLosses ?? curve.losses).filter(Number.isFinite);
  const lo = Math.min(...finite);
  const hi = Math.max(...finite);
  const cap = finite.length ? hi + (hi - lo) * 0.5 : Infinity;
  const raw = curve.losses.map((l) => (l <= cap ? l : NaN));
  const series: Series[] = [];
  if (curve.smoothLosses) series.push({ name: 'loss (smoothed)', x: curve.lrs, y: curve.smoothLosses });
  series.push({ name: curve.smoothLosses ? 'loss (raw)' : 'loss', x: curve.lrs, y: raw });
  const s = curve.suggestion;
  if (s !== undefined && Number.isFinite(s) && finite.length) {
    series.push({ name: `suggested lr ${s.toPrecision(2)}`, x: [s, s], y: [lo, hi] });
  }
  const svg = lineChart({ title: opts.title ?? 'LR finder', xLabel: 'learning rate (log scale)', yLabel: 'loss', logX: true, series });
  return saveFigure(svg, dir, opts.name ?? 'lr-find');
}

/**
 * Per-epoch averages from an `AvgStatsCallback`: one panel with the train and valid loss, then one
 * panel per metric (train and valid), x = epoch: `<dir>/metrics.svg|png`.
 */
export async function plotMetrics(stats: Pick<AvgStatsCallback, 'history' | 'names'>, dir: string, opts: PlotOptions = {}): Promise<SavedFigure> {
  const epochs = stats.history.map((h) => h.epoch);
  const panels: LinePanel[] = stats.names.map((name, k) => ({
    title: k === 0 ? 'loss' : name,
    xLabel: 'epoch',
    yLabel: name,
    series: [
      { name: `train ${name}`, x: epochs, y: stats.history.map((h) => h.train[k] ?? NaN) },
      { name: `valid ${name}`, x: epochs, y: stats.history.map((h) => h.valid[k] ?? NaN) },
    ],
  }));
  const svg = multiPanelLineChart({ title: opts.title ?? 'Per-epoch loss and metrics', panels });
  return saveFigure(svg, dir, opts.name ?? 'metrics');
}
