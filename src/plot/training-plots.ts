/**
 * Pictures of a training run, as the course's `recorder.plot_lr()` / `plot_loss()` and fastai's
 * `lr_find` plot: each `…Chart` function draws the chart as SVG, and each `plot…` function writes it
 * to `<dir>/<name>.svg` and `.png`. (`Recorder`'s methods and `lrFind` send the charts where figures
 * go — shown in a notebook, written in a script — through `ui/figures.ts`.)
 */
import { lineChart } from './line-chart.js';
import { multiPanelLineChart } from './multi-panel-chart.js';
import { saveFigure, type SavedFigure } from './save-figure.js';
import type { LinePanel, Series } from './types.js';
import { seriesColor } from './colors.js';
import { extent } from './scale.js';

/** One epoch's named numbers, as the runner's `run.epochMetrics` holds them (`epoch`, `train_loss`, `valid_accuracy`, …). */
export type EpochRecord = {
  /** The epoch (0-based). */
  epoch: number;
  [name: string]: number;
};

/** What the lr / loss plots read: `Recorder` fits. */
export type RecordedRun = {
  /** `lrs[group][batch]`. */
  readonly lrs: number[][];
  /** Training loss per batch. */
  readonly losses: number[];
};

/** An lr sweep to draw: `lrFind`'s result fits. */
export type LRCurve = {
  /** Learning rate of each batch. */
  lrs: number[];
  /** Raw loss of each batch. */
  losses: number[];
  /** Drawn as the main line when given. */
  smoothLosses?: number[];
  /** Marked on the (smoothed) loss curve when finite. */
  suggestion?: number;
  /** A second suggestion (`lrFind`'s lr at the lowest loss / 10), marked too when finite. */
  minLossLr?: number;
};

/** Options of `plotLrFind`. */
export type PlotLrFindOptions = PlotOptions & {
  /** Leave out the first `skipStart` batches (default 0). */
  skipStart?: number;
  /** Leave out the last `skipEnd` batches, where the loss usually explodes (default 5, as fastai's `skip_end`). */
  skipEnd?: number;
};

/** Options shared by the plot functions. */
export type PlotOptions = {
  /** File name without extension (defaults: `lr`, `loss`, `lr-find`, `metrics`). */
  name?: string;
  /** Figure title. */
  title?: string;
  /** `Recorder`'s methods: show the figure on the figure display (a notebook's output) when there is one (default true). */
  show?: boolean;
};

const iterations = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/** SVG: the learning rate of every training batch (one line per parameter group), x = iteration, y = learning rate. */
export function lrChart(rec: RecordedRun, opts: PlotOptions = {}): string {
  const series: Series[] = rec.lrs.map((lrs, g) => ({ name: rec.lrs.length > 1 ? `group ${g}` : 'lr', x: iterations(lrs.length), y: lrs }));
  return lineChart({ title: opts.title ?? 'Learning rate schedule', xLabel: 'iteration', yLabel: 'learning rate', series });
}

/** `lrChart` written to `<dir>/lr.svg|png`. */
export async function plotLr(rec: RecordedRun, dir: string, opts: PlotOptions = {}): Promise<SavedFigure> {
  return saveFigure(lrChart(rec, opts), dir, opts.name ?? 'lr');
}

/** Options of `plotLoss`. */
export type PlotLossOptions = PlotOptions & {
  /** Leave out the last `skipLast` batches (as the course's `plot_loss(skip_last)`; default 0). */
  skipLast?: number;
};

/** SVG: the training loss of every batch, x = iteration, y = loss. */
export function lossChart(rec: RecordedRun, opts: PlotLossOptions = {}): string {
  const skip = Math.max(0, Math.floor(opts.skipLast ?? 0));
  const y = rec.losses.slice(0, Math.max(0, rec.losses.length - skip));
  return lineChart({ title: opts.title ?? 'Training loss', xLabel: 'iteration', yLabel: 'loss', series: [{ name: 'train loss', x: iterations(y.length), y }] });
}

/** `lossChart` written to `<dir>/loss.svg|png`. */
export async function plotLoss(rec: RecordedRun, dir: string, opts: PlotLossOptions = {}): Promise<SavedFigure> {
  return saveFigure(lossChart(rec, opts), dir, opts.name ?? 'loss');
}

/**
 * SVG: an lr sweep as fastai draws it: loss against learning rate on a log x axis, leaving out the
 * last `skipEnd` (default 5) batches where the loss explodes. The smoothed loss is the main line and
 * the raw loss a faint one behind it; the suggestion (and `minLossLr`) are markers on the curve. The
 * y range comes from the useful part — the smoothed curve's highest value over the shown batches
 * down to the lowest loss — so the raw loss's diverging tail leaves the top of the frame instead of
 * flattening everything else.
 * @throws RangeError if `skipStart` / `skipEnd` are not integers >= 0.
 */
export function lrFindChart(curve: LRCurve, opts: PlotLrFindOptions = {}): string {
  const skipStart = opts.skipStart ?? 0;
  const skipEnd = opts.skipEnd ?? 5;
  for (const [k, v] of [['skipStart', skipStart], ['skipEnd', skipEnd]] as const) {
    if (!Number.isInteger(v) || v < 0) throw new RangeError(`plotLrFind: ${k} must be an integer >= 0, got ${v}`);
  }
  const n = Math.min(curve.lrs.length, curve.losses.length);
  // a sweep too short to skip anything is shown whole
  const [lo, hi] = n - skipStart - skipEnd >= 2 ? [skipStart, n - skipEnd] : [0, n];
  const lrs = curve.lrs.slice(lo, hi);
  const raw = curve.losses.slice(lo, hi);
  const smooth = curve.smoothLosses?.slice(lo, hi);
  const main = smooth ?? raw;

  const series: Series[] = [];
  if (smooth) {
    series.push({ name: 'loss (raw)', x: lrs, y: raw, style: { color: seriesColor(0), width: 1.25, opacity: 0.35 } });
    series.push({ name: 'loss (smoothed)', x: lrs, y: smooth, style: { color: seriesColor(0), width: 2 } });
  } else {
    series.push({ name: 'loss', x: lrs, y: raw, style: { color: seriesColor(0) } });
  }
  const marks: [string, number | undefined, string][] = [
    ['steepest slope', curve.suggestion, seriesColor(3)],
    ['min loss / 10', curve.minLossLr, seriesColor(2)],
  ];
  for (const [label, lr, color] of marks) {
    if (lr === undefined || !Number.isFinite(lr) || lr <= 0) continue;
    const y = valueAt(curve.lrs, curve.smoothLosses ?? curve.losses, lr);
    if (Number.isFinite(y)) series.push({ name: `${label}: ${lr.toPrecision(2)}`, x: [lr], y: [y], style: { color, width: 0, markers: 'all', markerRadius: 6 } });
  }
  const yRange = usefulRange(main, smooth ? raw : []);
  const skipped = lo > 0 || hi < n ? ` — ${[lo > 0 ? `first ${lo}` : '', hi < n ? `last ${n - hi}` : ''].filter(Boolean).join(' and ')} batches not shown` : '';
  return lineChart({ title: opts.title ?? 'LR finder', xLabel: `learning rate (log scale)${skipped}`, yLabel: 'loss', logX: true, yRange, series });
}

/** `lrFindChart` written to `<dir>/lr-find.svg|png`. */
export async function plotLrFind(curve: LRCurve, dir: string, opts: PlotLrFindOptions = {}): Promise<SavedFigure> {
  return saveFigure(lrFindChart(curve, opts), dir, opts.name ?? 'lr-find');
}

/** The loss at the recorded lr nearest to `lr` (in log space); NaN when there is none. */
function valueAt(lrs: number[], losses: number[], lr: number): number {
  let best = -1;
  lrs.forEach((l, i) => {
    if (l > 0 && Number.isFinite(losses[i]) && (best < 0 || Math.abs(Math.log(l / lr)) < Math.abs(Math.log(lrs[best] / lr)))) best = i;
  });
  return best < 0 ? NaN : losses[best];
}

/**
 * The y range of an lr-finder plot: from the lowest of `main` and `extra` to the highest of `main`,
 * padded by 8 %; undefined (fit everything) when `main` has no finite value.
 */
function usefulRange(main: number[], extra: number[]): [number, number] | undefined {
  const top = extent(main);
  if (!top) return undefined;
  const bottom = extent([...main, ...extra]) ?? top;
  const span = top[1] - bottom[0] || Math.abs(top[1]) || 1;
  return [bottom[0] - 0.08 * span, top[1] + 0.08 * span];
}

/**
 * SVG: per-epoch metrics (`Recorder.metrics`, i.e. each epoch's `run.epochMetrics`): one panel per
 * quantity — the loss first, then each metric — with its `train_` and `valid_` series, x = epoch.
 * @throws Error when `history` is empty.
 */
export function metricsChart(history: readonly EpochRecord[], opts: PlotOptions = {}): string {
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
  return multiPanelLineChart({ title: opts.title ?? 'Per-epoch loss and metrics', panels });
}

/** `metricsChart` written to `<dir>/metrics.svg|png`. */
export async function plotMetrics(history: readonly EpochRecord[], dir: string, opts: PlotOptions = {}): Promise<SavedFigure> {
  return saveFigure(metricsChart(history, opts), dir, opts.name ?? 'metrics');
}
