/**
 * Pictures of a training run, as the course's `recorder.plot_lr()` / `plot_loss()` and fastai's
 * `lr_find` plot: each function draws with `src/plot` and writes `<dir>/<name>.svg` and `.png`.
 */
import { lineChart, multiPanelLineChart, saveFigure, type LinePanel, type SavedFigure, type Series } from '../plot/index.js';
import type { EpochMetrics } from '../core/epoch-metrics.js';

/** What the lr / loss plots read: `Recorder` fits. */
export type RecordedRun = {
  /** `lrs[group][batch]`. */
  readonly lrs: number[][];
  /** Training loss per batch. */
  readonly losses: number[];
};

/** An lr sweep to draw: `lrFind`'s result fits. */
export type LRCurve = {
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
export async function plotLrFind(curve: LRCurve, dir: string, opts: PlotOptions = {}): Promise<SavedFigure> {
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
 * Per-epoch metrics (`Recorder.metrics`, i.e. each epoch's `run.epochMetrics`): one panel per
 * quantity — the loss first, then each metric — with its `train_` and `valid_` series, x = epoch:
 * `<dir>/metrics.svg|png`.
 */
export async function plotMetrics(history: readonly EpochMetrics[], dir: string, opts: PlotOptions = {}): Promise<SavedFigure> {
  if (!history.length) throw new Error('plotMetrics: no epoch metrics recorded (fit first, with an AvgStatsCallback)');
  const epochs = history.map((h) => h.epoch);
  const quantities = [...new Set(history.flatMap((h) => Object.keys(h)).map((k) => /^(train|valid)_(.+)$/.exec(k)?.[2]).filter((q): q is string => !!q))];
  quantities.sort((a, b) => Number(b === 'loss') - Number(a === 'loss'));
  const panels: LinePanel[] = quantities.map((q) => ({
    title: q,
    xLabel: 'epoch',
    yLabel: q,
    series: (['train', 'valid'] as const).map((phase) => ({ name: `${phase} ${q}`, x: epochs, y: history.map((h) => h[`${phase}_${q}`] ?? NaN) })),
  }));
  const svg = multiPanelLineChart({ title: opts.title ?? 'Per-epoch loss and metrics', panels });
  return saveFigure(svg, dir, opts.name ?? 'metrics');
}
