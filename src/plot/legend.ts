/** Legends for line charts: a bordered box of colour swatches and series names, in one or more columns. */
import { escapeXml, svgLine, svgRect, svgText } from './svg.js';
import { textWidth, truncateText } from './text-metrics.js';
import { COLOR, FONT_SIZE } from './theme.js';

/** One legend row: a series name and its colour, drawn as a line swatch or (`marker`) a dot. */
export type LegendEntry = { label: string; color: string; marker?: boolean; opacity?: number };

/** A legend laid out for a given height: its size and the (possibly truncated) entries per column. */
export type LegendLayout = { width: number; height: number; columns: LegendEntry[][]; columnWidth: number };

const PAD = 6;
const SWATCH = 18;
const SWATCH_GAP = 6;
const ROW = Math.round(FONT_SIZE.legend * 1.5);
const COLUMN_GAP = 10;
/** Longest name shown in full, in pixels; longer names are cut with an ellipsis. */
const MAX_LABEL_WIDTH = 180;
/** Names are never cut shorter than this many pixels, even when the legend then exceeds its width budget. */
const MIN_LABEL_WIDTH = 50;

/**
 * Lay out `entries` in as many columns as needed to fit `maxHeight` pixels, cutting long names
 * (with an ellipsis) so the legend is at most `maxWidth` pixels wide where possible.
 */
export function layoutLegend(entries: LegendEntry[], maxHeight: number, maxWidth = Infinity): LegendLayout {
  const rowsPerColumn = Math.max(1, Math.min(entries.length, Math.floor((maxHeight - 2 * PAD) / ROW)));
  const columnCount = Math.max(1, Math.ceil(entries.length / rowsPerColumn));
  // Label room per column so that all columns fit maxWidth, within [MIN_LABEL_WIDTH, MAX_LABEL_WIDTH].
  const fitting = (maxWidth - 2 * PAD + COLUMN_GAP) / columnCount - SWATCH - SWATCH_GAP - COLUMN_GAP;
  const labelRoom = Math.max(MIN_LABEL_WIDTH, Math.min(MAX_LABEL_WIDTH, fitting));
  const shown = entries.map((e) => ({ ...e, label: truncateText(e.label, labelRoom, FONT_SIZE.legend) }));
  const columns: LegendEntry[][] = [];
  for (let i = 0; i < shown.length; i += rowsPerColumn) columns.push(shown.slice(i, i + rowsPerColumn));
  const labelWidth = shown.reduce((m, e) => Math.max(m, textWidth(e.label, FONT_SIZE.legend)), 0);
  const columnWidth = SWATCH + SWATCH_GAP + labelWidth + COLUMN_GAP;
  return {
    width: 2 * PAD + columns.length * columnWidth - COLUMN_GAP,
    height: 2 * PAD + rowsPerColumn * ROW,
    columns,
    columnWidth,
  };
}

/** Draw a legend laid out by `layoutLegend` with its top-left corner at (x, y). */
export function drawLegend(x: number, y: number, layout: LegendLayout): string {
  const parts: string[] = [svgRect(x, y, layout.width, layout.height, COLOR.background, COLOR.legendBorder)];
  layout.columns.forEach((column, c) => {
    const cx = x + PAD + c * layout.columnWidth;
    column.forEach((entry, r) => {
      const cy = y + PAD + r * ROW + ROW / 2;
      parts.push(
        `<g class="legend-entry" data-series="${escapeXml(entry.label)}">` +
          swatch(cx, cy, entry) +
          svgText(cx + SWATCH + SWATCH_GAP, cy, entry.label, { size: FONT_SIZE.legend, valign: 'middle' }) +
          '</g>',
      );
    });
  });
  return `<g class="legend">${parts.join('')}</g>`;
}

/** The swatch of one entry: a short line, or a dot for marker-only series. */
function swatch(cx: number, cy: number, entry: LegendEntry): string {
  const op = entry.opacity !== undefined && entry.opacity < 1 ? ` opacity="${entry.opacity}"` : '';
  if (entry.marker) return `<circle cx="${cx + SWATCH / 2}" cy="${cy}" r="4.5" fill="${entry.color}"${op}/>`;
  const line = svgLine(cx, cy, cx + SWATCH, cy, entry.color, 2.5);
  return op ? `<g${op}>${line}</g>` : line;
}
