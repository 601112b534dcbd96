/** `multiPanelLineChart`: several line panels in a grid under one figure title, as SVG text. */
import { gridLayout } from './grid-layout.js';
import { drawLinePanel } from './line-panel.js';
import { figureSize } from './line-chart.js';
import { svgDocument, svgText } from './svg.js';
import { FONT_SIZE } from './theme.js';
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
  const grid = gridLayout(opts.panels.length, opts.columns, panelWidth, panelHeight);
  const parts = [
    svgText(grid.width / 2, grid.titleY, opts.title, { size: FONT_SIZE.figureTitle, anchor: 'middle', valign: 'top', bold: true }),
  ];
  opts.panels.forEach((panel, i) => {
    const b = grid.boxes[i];
    // A little air between neighbouring panels.
    parts.push(drawLinePanel({ x: b.x + 4, y: b.y, width: b.width - 8, height: b.height - 6 }, panel));
  });
  return svgDocument(grid.width, grid.height, opts.title, parts.join('\n'));
}
