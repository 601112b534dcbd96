/**
 * `heatmapImage` and `heatmapGrid`: the fastai course's "colorful dimension" pictures of activation
 * histograms over training — iterations left to right, histogram bins bottom to top, colour =
 * log1p(count) on viridis.
 */
import { drawAxes, layoutAxes, type Box } from './axes.js';
import { colorbarWidth, drawColorbar } from './colorbar.js';
import { panelGridFigure } from './grid-layout.js';
import { drawCells, prepareCells } from './heatmap-cells.js';
import { figureSize } from './line-chart.js';
import { svgDocument, svgText } from './svg.js';
import { COLOR, FONT_SIZE, SPACING } from './theme.js';
import type { HeatmapGridOptions, HeatmapImageOptions } from './types.js';

/** Default width of one `heatmapGrid` panel in pixels. */
export const DEFAULT_HEATMAP_PANEL_WIDTH = 360;
/** Default height of one `heatmapGrid` panel in pixels. */
export const DEFAULT_HEATMAP_PANEL_HEIGHT = 260;

/** What one heatmap panel shows. */
type HeatmapPanelSpec = {
  title: string;
  titleSize: number;
  matrix: number[][];
  xLabel: string;
  yLabel: string;
  logScale: boolean;
  colorbar: boolean;
  yRange?: [number, number];
};

/** SVG for one heatmap panel filling `outer`: cells, frame, ticks in source units, labels and optional colour bar. */
function drawHeatmapPanel(outer: Box, spec: HeatmapPanelSpec): string {
  const cells = prepareCells(spec.matrix, spec.logScale);
  const colorbarLabel = spec.logScale ? 'log1p(count)' : 'count';
  // The colour bar's tick count depends on its height, which is about the panel height less the margins.
  const approxPlotHeight = outer.height - spec.titleSize - 60;
  const layout = layoutAxes(outer, {
    title: spec.title,
    titleSize: spec.titleSize,
    xLabel: spec.xLabel,
    yLabel: spec.yLabel,
    xDomain: [0, Math.max(1, cells.sourceCols)],
    yDomain: checkYRange(spec.yRange) ?? [0, Math.max(1, cells.sourceRows)],
    rightReserve: spec.colorbar ? colorbarWidth(cells.domain, approxPlotHeight, colorbarLabel) : 0,
  });
  const { plot } = layout;
  const parts = [drawCells(plot, cells)];
  if (cells.rows === 0 || cells.cols === 0) {
    parts.push(
      svgText(plot.x + plot.width / 2, plot.y + plot.height / 2, 'no data', {
        size: FONT_SIZE.axisLabel,
        anchor: 'middle',
        valign: 'middle',
        fill: COLOR.axis,
      }),
    );
  }
  parts.push(drawAxes(layout));
  if (spec.colorbar && cells.rows > 0 && cells.cols > 0) {
    parts.push(drawColorbar({ x: plot.x + plot.width, y: plot.y, width: 0, height: plot.height }, cells.domain, colorbarLabel));
  }
  return `<g class="panel heatmap">${parts.join('')}</g>`;
}

/** A usable `yRange` (finite, lo < hi), else a RangeError naming it. */
function checkYRange(r: [number, number] | undefined): [number, number] | undefined {
  if (r === undefined) return undefined;
  if (!Array.isArray(r) || r.length !== 2 || !Number.isFinite(r[0]) || !Number.isFinite(r[1]) || !(r[0] < r[1])) {
    throw new RangeError(`heatmap: yRange must be two finite numbers lo < hi, got ${JSON.stringify(r)}`);
  }
  return r;
}

/**
 * A histogram-over-time heatmap as SVG text. `matrix[r][c]` is the count in bin `r` (row 0 = lowest
 * bin, drawn at the bottom) at iteration `c`; colour is log1p(count) (or the raw count when
 * `logScale` is false) on a viridis colormap, with a colour bar. Axes are in iterations and bin
 * indices, or in the values of `yRange` (e.g. activation values). Very large matrices are average-pooled to at most 600 × 300 cells; non-finite entries are
 * left blank.
 */
export function heatmapImage(opts: HeatmapImageOptions): string {
  const width = figureSize(opts.width, 640);
  const height = figureSize(opts.height, 400);
  const o = SPACING.outer;
  const body = drawHeatmapPanel(
    { x: o, y: o, width: width - 2 * o, height: height - 2 * o },
    {
      title: opts.title,
      titleSize: FONT_SIZE.figureTitle,
      matrix: opts.matrix,
      xLabel: opts.xLabel,
      yLabel: opts.yLabel,
      logScale: opts.logScale ?? true,
      colorbar: true,
      yRange: opts.yRange,
    },
  );
  return svgDocument(width, height, opts.title, body);
}

/**
 * Several histogram heatmaps side by side (row by row, `columns` per row) under a figure title, as
 * SVG text — e.g. one per layer, like the fastai course's `get_hist` grid. Each panel is coloured on
 * its own value range, shown by its own colour bar (unless `colorbar: false`); see `heatmapImage`
 * for the matrix layout and `yRange`.
 */
export function heatmapGrid(opts: HeatmapGridOptions): string {
  const panelWidth = figureSize(opts.panelWidth, DEFAULT_HEATMAP_PANEL_WIDTH);
  const panelHeight = figureSize(opts.panelHeight, DEFAULT_HEATMAP_PANEL_HEIGHT);
  return panelGridFigure({ title: opts.title, count: opts.panels.length, columns: opts.columns, panelWidth, panelHeight }, (box, i) => {
    const panel = opts.panels[i]!;
    return drawHeatmapPanel(box, {
      title: panel.title,
      titleSize: FONT_SIZE.panelTitle,
      matrix: panel.matrix,
      xLabel: opts.xLabel ?? 'iteration',
      yLabel: opts.yLabel ?? 'bin',
      logScale: opts.logScale ?? true,
      colorbar: opts.colorbar ?? true,
      yRange: panel.yRange,
    });
  });
}
