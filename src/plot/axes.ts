/**
 * Axes layout and drawing: given a panel's outer box, reserve room for its title, tick labels and
 * axis labels, build the x/y scales for the remaining plot area, and draw grid, frame, ticks and labels.
 */
import { makeScale, type Scale } from './scale.js';
import { fmt, svgLine, svgText } from './svg.js';
import { textWidth, truncateText } from './text-metrics.js';
import { COLOR, FONT_SIZE, SPACING } from './theme.js';

/** An axis-aligned rectangle in pixels. */
export type Box = { x: number; y: number; width: number; height: number };

/** What `layoutAxes` needs to know about a panel. */
export type AxesSpec = {
  /** Panel title ('' for none). */
  title: string;
  /** Font size of the title. */
  titleSize: number;
  /** Label under the x axis ('' for none). */
  xLabel: string;
  /** Label left of the y axis ('' for none). */
  yLabel: string;
  /** Data domain of the x axis. */
  xDomain: [number, number];
  /** Data domain of the y axis. */
  yDomain: [number, number];
  /** Log10 x axis. */
  logX?: boolean;
  /** Log10 y axis. */
  logY?: boolean;
  /** Pixels kept free right of the plot area (for a legend or colour bar). */
  rightReserve?: number;
};

/** Result of `layoutAxes`: the plot area and the scales mapping data into it. */
export type AxesLayout = { outer: Box; plot: Box; x: Scale; y: Scale; spec: AxesSpec };

/** Height taken above the plot area by a title of `titleSize` (or a small pad when there is no title). */
function topMargin(spec: AxesSpec): number {
  const titleRoom = spec.title ? spec.titleSize + SPACING.titleGap : 0;
  return titleRoom + 8; // room for the top y tick label's upper half
}

/** Height taken below the plot area by x ticks, tick labels and the x label. */
function bottomMargin(spec: AxesSpec): number {
  const labelRoom = spec.xLabel ? SPACING.axisLabelGap + FONT_SIZE.axisLabel : 0;
  return SPACING.tick + SPACING.tickLabelGap + FONT_SIZE.tick + labelRoom + 6;
}

/** Widest of `labels` at the tick font size. */
function maxLabelWidth(labels: string[]): number {
  return labels.reduce((m, l) => Math.max(m, textWidth(l, FONT_SIZE.tick)), 0);
}

/** Split `outer` into margins and a plot area, and build scales for it. */
export function layoutAxes(outer: Box, spec: AxesSpec): AxesLayout {
  const top = outer.y + topMargin(spec);
  const bottom = outer.y + outer.height - bottomMargin(spec);
  const plotHeight = Math.max(10, bottom - top);
  const y = makeScale(spec.yDomain, [top + plotHeight, top], spec.logY ?? false, plotHeight / 45);

  const yLabelRoom = spec.yLabel ? FONT_SIZE.axisLabel + SPACING.axisLabelGap : 0;
  const left = outer.x + 4 + yLabelRoom + maxLabelWidth(y.labels) + SPACING.tickLabelGap + SPACING.tick;
  const right = outer.x + outer.width - (spec.rightReserve ?? 0) - 14;
  const plotWidth = Math.max(10, right - left);

  // Fewer x ticks when their labels are wide, so neighbouring labels never touch.
  let count = plotWidth / 80;
  let x = makeScale(spec.xDomain, [left, left + plotWidth], spec.logX ?? false, count);
  for (let i = 0; i < 4 && x.ticks.length > 2; i++) {
    const need = (maxLabelWidth(x.labels) + 12) * x.ticks.length;
    if (need <= plotWidth) break;
    count = Math.max(2, Math.min(count, x.ticks.length) * (plotWidth / need));
    x = makeScale(spec.xDomain, [left, left + plotWidth], spec.logX ?? false, count);
  }

  return { outer, plot: { x: left, y: top, width: plotWidth, height: plotHeight }, x, y, spec };
}

/** Light grid lines at every tick, drawn behind the data. */
export function drawGrid(layout: AxesLayout): string {
  const { plot, x, y } = layout;
  const parts: string[] = [];
  for (const t of x.ticks) {
    const px = x.map(t);
    parts.push(svgLine(px, plot.y, px, plot.y + plot.height, COLOR.grid));
  }
  for (const t of y.ticks) {
    const py = y.map(t);
    parts.push(svgLine(plot.x, py, plot.x + plot.width, py, COLOR.grid));
  }
  return `<g class="grid">${parts.join('')}</g>`;
}

/** Frame, tick marks, tick labels, axis labels and title, drawn over the data. */
export function drawAxes(layout: AxesLayout): string {
  const { outer, plot, x, y, spec } = layout;
  const parts: string[] = [];
  const bottom = plot.y + plot.height;
  parts.push(
    `<rect x="${fmt(plot.x)}" y="${fmt(plot.y)}" width="${fmt(plot.width)}" height="${fmt(plot.height)}" ` +
      `fill="none" stroke="${COLOR.axis}"/>`,
  );
  const tickLabelY = bottom + SPACING.tick + SPACING.tickLabelGap;
  x.ticks.forEach((t, i) => {
    const px = x.map(t);
    parts.push(svgLine(px, bottom, px, bottom + SPACING.tick, COLOR.axis));
    parts.push(svgText(px, tickLabelY, x.labels[i], { size: FONT_SIZE.tick, anchor: 'middle', valign: 'top' }));
  });
  const tickLabelX = plot.x - SPACING.tick - SPACING.tickLabelGap;
  y.ticks.forEach((t, i) => {
    const py = y.map(t);
    parts.push(svgLine(plot.x - SPACING.tick, py, plot.x, py, COLOR.axis));
    parts.push(svgText(tickLabelX, py, y.labels[i], { size: FONT_SIZE.tick, anchor: 'end', valign: 'middle' }));
  });
  if (spec.xLabel) {
    const label = truncateText(spec.xLabel, plot.width, FONT_SIZE.axisLabel);
    const ly = tickLabelY + FONT_SIZE.tick + SPACING.axisLabelGap;
    parts.push(svgText(plot.x + plot.width / 2, ly, label, { size: FONT_SIZE.axisLabel, anchor: 'middle', valign: 'top' }));
  }
  if (spec.yLabel) {
    const label = truncateText(spec.yLabel, plot.height, FONT_SIZE.axisLabel);
    parts.push(
      svgText(outer.x + 4, plot.y + plot.height / 2, label, {
        size: FONT_SIZE.axisLabel,
        anchor: 'middle',
        valign: 'top',
        rotate: -90,
      }),
    );
  }
  if (spec.title) {
    const title = truncateText(spec.title, outer.width - 8, spec.titleSize, true);
    const w = textWidth(title, spec.titleSize, true);
    // Centre over the plot area, but keep the whole title inside the panel.
    const cx = Math.min(Math.max(plot.x + plot.width / 2, outer.x + 4 + w / 2), outer.x + outer.width - 4 - w / 2);
    parts.push(svgText(cx, outer.y + 2, title, { size: spec.titleSize, anchor: 'middle', valign: 'top', bold: true }));
  }
  return `<g class="axes">${parts.join('')}</g>`;
}
