/**
 * Plotting: turn recorded numbers into SVG figures (line charts, multi-panel line charts,
 * activation-histogram heatmaps) and save them as SVG + PNG — headless, no browser.
 *
 * ```ts
 * const svg = lineChart({ title: 'LR finder', xLabel: 'learning rate', yLabel: 'loss', logX: true,
 *   series: [{ name: 'loss', x: lrs, y: losses }] });
 * await saveFigure(svg, 'out/plots', 'lr-find'); // out/plots/lr-find.svg + .png
 * ```
 *
 * @module tfai/plot
 */
export type {
  Series,
  SeriesStyle,
  LinePanel,
  LineChartOptions,
  MultiPanelLineChartOptions,
  HeatmapImageOptions,
  HeatmapPanel,
  HeatmapGridOptions,
} from './types.js';
export { lineChart } from './line-chart.js';
export { multiPanelLineChart } from './multi-panel-chart.js';
export { heatmapImage, heatmapGrid } from './heatmap.js';
export { svgToPng, type SvgToPngOptions } from './png.js';
export { saveFigure, saveFigureFile, type SavedFigure } from './save-figure.js';
