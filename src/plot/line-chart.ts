/** `lineChart`: one titled line plot (several series get a legend) as SVG text. */
import { drawLinePanel } from './line-panel.js';
import { svgDocument } from './svg.js';
import { FONT_SIZE, SPACING } from './theme.js';
import type { LineChartOptions } from './types.js';

/** Default figure width in pixels. */
export const DEFAULT_WIDTH = 640;
/** Default figure height in pixels. */
export const DEFAULT_HEIGHT = 400;

/** A usable figure dimension: `value` if finite, else `fallback`, never below `min`. */
export function figureSize(value: number | undefined, fallback: number, min = 160): number {
  return Math.max(min, Number.isFinite(value) ? Math.round(value as number) : fallback);
}

/**
 * A line chart as SVG text: title, labelled axes with ticks and grid, one line per series
 * (markers too when a series has few points) and a legend when there is more than one series.
 * NaN/±Infinity points (and, on a log axis, points <= 0) are dropped; a chart with no drawable
 * point still renders, saying "no data".
 */
export function lineChart(opts: LineChartOptions): string {
  const width = figureSize(opts.width, DEFAULT_WIDTH);
  const height = figureSize(opts.height, DEFAULT_HEIGHT);
  const o = SPACING.outer;
  const body = drawLinePanel({ x: o, y: o, width: width - 2 * o, height: height - 2 * o }, opts, FONT_SIZE.figureTitle);
  return svgDocument(width, height, opts.title, body);
}
