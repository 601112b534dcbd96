/**
 * The course's activation-statistics pictures from `appendStats` hooks: per-layer means and stds
 * over iterations, the "colorful dimension" histogram images, and the fraction of activations in
 * the lowest bins (`get_min`).
 */
import { multiPanelLineChart } from '../plot/multi-panel-chart.js';
import { heatmapGrid } from '../plot/heatmap.js';
import { lineChart } from '../plot/line-chart.js';
import { saveFigure, type SavedFigure } from '../plot/save-figure.js';
import type { Series } from '../plot/types.js';
import { ActivationStats } from './activation-stats.js';
import type { Hook } from './hooks.js';

/** What the plots take: hooks whose state is `ActivationStats` (e.g. `Hooks` built with `appendStats`). */
export type StatsSource = Iterable<Hook<ActivationStats>>;

/** Options of the activation-statistics plots. */
export type StatsPlotOptions = {
  /** Figure titles start with this (default "Activations"). */
  title?: string;
  /** One name per hook (default "layer 0", "layer 1", …). */
  names?: string[];
  /** Iterations in the "first iterations" mean/std figure (default 10, as in the course). */
  firstN?: number;
  /** Bins counted by the low-bins fraction (default 2, the course's `get_min`). */
  lowBins?: number;
};

type Layer = { name: string; stats: ActivationStats };

function layers(src: StatsSource, names?: string[]): Layer[] {
  const out: Layer[] = [];
  let i = 0;
  for (const h of src) {
    if (h.stats instanceof ActivationStats) out.push({ name: names?.[i] ?? `layer ${i}`, stats: h.stats });
    i++;
  }
  return out;
}

const iters = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/**
 * SVG: two panels, each layer's output mean and std per training iteration (the first `firstN`
 * iterations only when `firstN` is given, else all).
 */
export function meanStdChart(src: StatsSource, opts: StatsPlotOptions & { limit?: number } = {}): string {
  const ls = layers(src, opts.names);
  const series = (pick: (s: ActivationStats) => number[]): Series[] =>
    ls.map(({ name, stats }) => {
      const y = pick(stats).slice(0, opts.limit);
      return { name, x: iters(y.length), y };
    });
  const what = opts.limit === undefined ? 'all iterations' : `first ${opts.limit} iterations`;
  return multiPanelLineChart({
    title: `${opts.title ?? 'Activations'}: mean and std per layer, ${what}`,
    panels: [
      { title: 'mean', xLabel: 'iteration', yLabel: 'mean', series: series((s) => s.means) },
      { title: 'std', xLabel: 'iteration', yLabel: 'std', series: series((s) => s.stds) },
    ],
    columns: 2,
  });
}

/**
 * SVG: one histogram-over-time image per layer — iterations left to right, activation values
 * bottom to top (the histogram's range), colour = log1p(count) with a colour bar per layer.
 */
export function histogramGrid(src: StatsSource, opts: StatsPlotOptions = {}): string {
  const ls = layers(src, opts.names);
  const s0 = ls[0]?.stats;
  const range = s0 ? ` (${s0.bins} bins over [${s0.min}, ${s0.max}])` : '';
  return heatmapGrid({
    title: `${opts.title ?? 'Activations'}: histograms over training${range}`,
    panels: ls.map(({ name, stats }) => ({ title: name, matrix: stats.histMatrix(), yRange: [stats.min, stats.max] })),
    columns: Math.min(ls.length, 3) || 1,
    panelWidth: 420,
    xLabel: 'iteration',
    yLabel: 'activation',
  });
}

/** SVG: per layer, the fraction of the histogram's activations in the lowest `lowBins` bins. */
export function minFractionChart(src: StatsSource, opts: StatsPlotOptions = {}): string {
  const low = opts.lowBins ?? 2;
  const ls = layers(src, opts.names);
  const s0 = ls[0]?.stats;
  const edge = s0 ? s0.min + ((s0.max - s0.min) * low) / s0.bins : NaN;
  return lineChart({
    title: `${opts.title ?? 'Activations'}: fraction in the lowest ${low} bins${s0 ? ` (< ${edge})` : ''}`,
    xLabel: 'iteration',
    yLabel: 'fraction',
    series: ls.map(({ name, stats }) => {
      const y = stats.minFraction(low);
      return { name, x: iters(y.length), y };
    }),
  });
}

/** Paths of the figures `saveStatsPlots` wrote. */
export type StatsPlotPaths = {
  /** Means and stds over the first iterations. */
  meanStdFirst: SavedFigure;
  /** Means and stds over all iterations. */
  meanStd: SavedFigure;
  /** The histogram grid ("colorful dimension"). */
  hists: SavedFigure;
  /** The fraction of activations in the lowest bins. */
  minFraction: SavedFigure;
};

/**
 * Save the four activation-statistics figures into `dir` as SVG + PNG, named
 * `<prefix>-means-stds-first<N>`, `<prefix>-means-stds`, `<prefix>-hists` and `<prefix>-min`.
 * Returns their absolute paths.
 */
export async function saveStatsPlots(src: StatsSource, dir: string, prefix: string, opts: StatsPlotOptions = {}): Promise<StatsPlotPaths> {
  const hooks = [...src];
  const n = opts.firstN ?? 10;
  return {
    meanStdFirst: await saveFigure(meanStdChart(hooks, { ...opts, limit: n }), dir, `${prefix}-means-stds-first${n}`),
    meanStd: await saveFigure(meanStdChart(hooks, opts), dir, `${prefix}-means-stds`),
    hists: await saveFigure(histogramGrid(hooks, opts), dir, `${prefix}-hists`),
    minFraction: await saveFigure(minFractionChart(hooks, opts), dir, `${prefix}-min`),
  };
}
