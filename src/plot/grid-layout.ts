/** Arranging equally sized panels in rows and columns under a figure title. */
import type { Box } from './axes.js';
import { svgDocument, svgText } from './svg.js';
import { FONT_SIZE, SPACING } from './theme.js';

/** Default panels per row: all in one row up to 3, else about a square grid. */
export function defaultColumns(panelCount: number): number {
  if (panelCount <= 3) return Math.max(1, panelCount);
  return Math.ceil(Math.sqrt(panelCount));
}

/** Figure size and one box per panel for `count` panels of `panelWidth`×`panelHeight` under a title. */
export function gridLayout(
  count: number,
  columns: number | undefined,
  panelWidth: number,
  panelHeight: number,
): { width: number; height: number; titleY: number; boxes: Box[] } {
  const cols = Math.max(1, Math.min(Math.max(1, count), Math.floor(columns ?? defaultColumns(count))));
  const rows = Math.max(1, Math.ceil(count / cols));
  const titleHeight = SPACING.outer + FONT_SIZE.figureTitle + SPACING.titleGap + 4;
  const boxes: Box[] = [];
  for (let i = 0; i < count; i++) {
    const r = Math.floor(i / cols);
    const c = i % cols;
    boxes.push({
      x: SPACING.outer + c * panelWidth,
      y: titleHeight + r * panelHeight,
      width: panelWidth,
      height: panelHeight,
    });
  }
  return {
    width: 2 * SPACING.outer + cols * panelWidth,
    height: titleHeight + rows * panelHeight + SPACING.outer,
    titleY: SPACING.outer,
    boxes,
  };
}

/** What `panelGridFigure` lays out: how many panels of which size, how many per row, under which title. */
export type PanelGrid = { title: string; count: number; columns: number | undefined; panelWidth: number; panelHeight: number };

/**
 * A figure of `count` panels in a grid (`gridLayout`) under a bold centred title, as an SVG
 * document: `drawPanel(box, i)` draws panel `i` inside its box, which is inset a little from its
 * neighbours'. The set-up every multi-panel figure shares (line panels, heatmaps).
 */
export function panelGridFigure(g: PanelGrid, drawPanel: (box: Box, i: number) => string): string {
  const grid = gridLayout(g.count, g.columns, g.panelWidth, g.panelHeight);
  const parts = [svgText(grid.width / 2, grid.titleY, g.title, { size: FONT_SIZE.figureTitle, anchor: 'middle', valign: 'top', bold: true })];
  grid.boxes.forEach((b, i) => {
    // A little air between neighbouring panels.
    parts.push(drawPanel({ x: b.x + 4, y: b.y, width: b.width - 8, height: b.height - 6 }, i));
  });
  return svgDocument(grid.width, grid.height, g.title, parts.join('\n'));
}
