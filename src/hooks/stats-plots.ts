/**
 * The course's activation-statistics pictures from `appendStats` hooks: per-layer means and stds
 * over iterations, the "colorful dimension" histogram images, and the fraction of activations in
 * the lowest bins (`get_min`).
 */
import { multiPanelLineChart } from '../plot/multi-panel-chart.js';
import { heatmapGrid } from '../plot/heatmap.js';
import { lineChart } from '../plot/line-chart.js';
import type { SavedFigure } from '../plot/save-figure.js';
import { outputFigureTo } from '../ui/figures.js';
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

/** The four activation-statistics figures, by name. */
export type StatsFigure = 'meanStdFirst' | 'meanStd' | 'hists' | 'minFraction';

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

/** Options of `plotStats`. */
export type PlotStatsOptions = StatsPlotOptions & {
  /** Which figures, in this order (default all four: `meanStdFirst`, `meanStd`, `hists`, `minFraction`). */
  which?: readonly StatsFigure[];
  /** Also write each figure to `<dir>/<prefix>-<figure>.svg|png`. */
  dir?: string;
  /** File names start with this (default `stats`). */
  prefix?: string;
};

const ALL_FIGURES: readonly StatsFigure[] = ['meanStdFirst', 'meanStd', 'hists', 'minFraction'];

/**
 * The course's activation-statistics pictures of `appendStats` hooks — each layer's mean and std
 * over the first `firstN` (10) iterations and over all, the histograms over time and the fraction
 * in the lowest bins — sent where figures go: shown in a notebook; written to `dir` when given (in
 * a script without `dir`, into `out/figures`), as `<prefix>-means-stds-first<N>`,
 * `<prefix>-means-stds`, `<prefix>-hists` and `<prefix>-min`. Returns the files written, by figure.
 * @throws RangeError for an unknown figure in `which`.
 */
export async function plotStats(src: StatsSource, opts: PlotStatsOptions = {}): Promise<Partial<Record<StatsFigure, SavedFigure>>> {
  const hooks = [...src];
  const n = opts.firstN ?? 10;
  const prefix = opts.prefix ?? 'stats';
  const figures: Record<StatsFigure, () => { svg: string; name: string }> = {
    meanStdFirst: () => ({ svg: meanStdChart(hooks, { ...opts, limit: n }), name: `${prefix}-means-stds-first${n}` }),
    meanStd: () => ({ svg: meanStdChart(hooks, opts), name: `${prefix}-means-stds` }),
    hists: () => ({ svg: histogramGrid(hooks, opts), name: `${prefix}-hists` }),
    minFraction: () => ({ svg: minFractionChart(hooks, opts), name: `${prefix}-min` }),
  };
  const out: Partial<Record<StatsFigure, SavedFigure>> = {};
  for (const which of opts.which ?? ALL_FIGURES) {
    const make = figures[which];
    if (!make) throw new RangeError(`plotStats: unknown figure ${JSON.stringify(which)}; choose from ${ALL_FIGURES.join(', ')}`);
    const saved = await outputFigureTo(make(), opts.dir);
    if (saved) out[which] = saved;
  }
  return out;
}

/**
 * Save the four activation-statistics figures into `dir` as SVG + PNG, named
 * `<prefix>-means-stds-first<N>`, `<prefix>-means-stds`, `<prefix>-hists` and `<prefix>-min`
 * (and show them in a notebook). Returns their absolute paths.
 */
export async function saveStatsPlots(src: StatsSource, dir: string, prefix: string, opts: StatsPlotOptions = {}): Promise<StatsPlotPaths> {
  return (await plotStats(src, { ...opts, dir, prefix })) as StatsPlotPaths;
}
