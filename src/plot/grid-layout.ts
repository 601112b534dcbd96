/** Arranging equally sized panels in rows and columns under a figure title. */
import type { Box } from './axes.js';
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
