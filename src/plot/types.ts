/**
 * Option types of the plotting module. Every chart function takes plain numbers and returns SVG text;
 * nothing here touches tensors, the DOM or a browser.
 */

/** How one series is drawn; every field is optional (defaults: palette colour, 1.75 px line). */
export type SeriesStyle = {
  /** Line and marker colour (default: the palette colour of the series' position). */
  color?: string;
  /** Line width in pixels (default 1.75); 0 draws no line, only markers. */
  width?: number;
  /** Opacity of the line and markers, 0 to 1 (default 1). */
  opacity?: number;
  /** Markers at the points: `'auto'` (default: when there are at most 40 points), `'all'` or `'none'`. */
  markers?: 'auto' | 'all' | 'none';
  /** Marker radius in pixels (default 2.75, or 3.5 for a single point); 4 or more gets a white outline. */
  markerRadius?: number;
};

/** One named line: `y[i]` plotted against `x[i]`. Non-finite points are dropped when drawn. */
export type Series = {
  /** The legend's label. */
  name: string;
  /** The x values. */
  x: number[];
  /** The y values (as many as `x`). */
  y: number[];
  /** How the line is drawn. */
  style?: SeriesStyle;
};

/** One panel of line plots: a titled pair of axes holding one or more series. */
export type LinePanel = {
  /** Panel title, drawn above the plot area. */
  title: string;
  /** Label under the x axis. */
  xLabel: string;
  /** Label left of the y axis (rotated). */
  yLabel: string;
  /** The lines to draw; more than one gets a legend. */
  series: Series[];
  /** Log10 x axis (points with x <= 0 are dropped). */
  logX?: boolean;
  /** Log10 y axis (points with y <= 0 are dropped). */
  logY?: boolean;
  /**
   * A fixed y range `[lo, hi]` instead of one fitted to every point: lines leaving it are clipped at
   * the plot frame (e.g. to keep a diverging tail from flattening the useful part).
   */
  yRange?: [number, number];
};

/** Options of `lineChart`: one panel plus the figure size in CSS pixels. */
export type LineChartOptions = LinePanel & {
  /** Figure width in pixels (default 640). */
  width?: number;
  /** Figure height in pixels (default 400). */
  height?: number;
};

/** Options of `multiPanelLineChart`: several line panels in a grid under one figure title. */
export type MultiPanelLineChartOptions = {
  /** Figure title, drawn above all panels. */
  title: string;
  /** The panels, filled row by row. */
  panels: LinePanel[];
  /** Panels per row (default: all in one row up to 3, else about a square grid). */
  columns?: number;
  /** Width of one panel in pixels (default 460). */
  panelWidth?: number;
  /** Height of one panel in pixels (default 320). */
  panelHeight?: number;
};

/**
 * Options of `heatmapImage`: a "colorful dimension" picture of activation histograms.
 * `matrix[r][c]` is the count of bin `r` at iteration `c`; row 0 is the lowest bin, drawn at the bottom.
 */
export type HeatmapImageOptions = {
  /** Figure title. */
  title: string;
  /** Rows = bins (row 0 = lowest bin, drawn at the bottom), columns = iterations. */
  matrix: number[][];
  /** Label under the x axis (the iteration axis). */
  xLabel: string;
  /** Label left of the y axis (the bin axis). */
  yLabel: string;
  /**
   * The values the rows stand for, `[lo, hi]`: row 0 starts at `lo` and the last row ends at `hi`
   * (e.g. a histogram's range), so the y axis is labelled in those units. Default: bin indices.
   */
  yRange?: [number, number];
  /** Colour by log1p(count) instead of the raw count (default true, as in the fastai course). */
  logScale?: boolean;
  /** Figure width in pixels (default 640). */
  width?: number;
  /** Figure height in pixels (default 400). */
  height?: number;
};

/**
 * One panel of `heatmapGrid`: a titled histogram matrix (same layout as `HeatmapImageOptions.matrix`)
 * and, optionally, the values its rows stand for (as `HeatmapImageOptions.yRange`).
 */
export type HeatmapPanel = {
  /** The panel's title. */
  title: string;
  /** The values, `matrix[row][column]`. */
  matrix: number[][];
  /** The values the rows span, for the y axis (default: row indices). */
  yRange?: [number, number];
};

/** Options of `heatmapGrid`: several histogram pictures side by side, each coloured on its own range. */
export type HeatmapGridOptions = {
  /** Figure title, drawn above all panels. */
  title: string;
  /** The panels, filled row by row. */
  panels: HeatmapPanel[];
  /** Panels per row (default: all in one row up to 3, else about a square grid). */
  columns?: number;
  /** Colour by log1p(count) instead of the raw count (default true). */
  logScale?: boolean;
  /** A colour bar beside each panel, which is coloured on its own range (default true). */
  colorbar?: boolean;
  /** Label under each panel's x axis (default "iteration"; "" for none). */
  xLabel?: string;
  /** Label left of each panel's y axis (default "bin"; "" for none). */
  yLabel?: string;
  /** Width of one panel in pixels (default 360). */
  panelWidth?: number;
  /** Height of one panel in pixels (default 260). */
  panelHeight?: number;
};
