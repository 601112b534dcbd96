/** `multiPanelLineChart`: several line panels in a grid under one figure title, as SVG text. */
import { panelGridFigure } from './grid-layout.js';
import { drawLinePanel } from './line-panel.js';
import { figureSize } from './line-chart.js';
import type { MultiPanelLineChartOptions } from './types.js';

/** Default width of one panel in pixels. */
export const DEFAULT_PANEL_WIDTH = 460;
/** Default height of one panel in pixels. */
export const DEFAULT_PANEL_HEIGHT = 320;

/**
 * Several line panels side by side (row by row, `columns` per row) under a figure title, as SVG
 * text — e.g. per-layer activation means and stds, or per-epoch loss and accuracy. Each panel is
 * drawn like `lineChart` (own axes, scales and legend); series keep the same colour order in every panel.
 */
export function multiPanelLineChart(opts: MultiPanelLineChartOptions): string {
  const panelWidth = figureSize(opts.panelWidth, DEFAULT_PANEL_WIDTH);
  const panelHeight = figureSize(opts.panelHeight, DEFAULT_PANEL_HEIGHT);
  return panelGridFigure({ title: opts.title, count: opts.panels.length, columns: opts.columns, panelWidth, panelHeight }, (box, i) => drawLinePanel(box, opts.panels[i]!));
}
