/** Drawing one panel of line plots (axes, lines, markers, legend) into a box; shared by all line charts. */
import { drawAxes, drawGrid, layoutAxes, type AxesLayout, type Box } from './axes.js';
import { seriesColor } from './colors.js';
import { drawLegend, layoutLegend } from './legend.js';
import { findInsideSpot, type PixelLines } from './legend-placement.js';
import { extent, paddedDomain } from './scale.js';
import { fmt, svgText } from './svg.js';
import { COLOR, FONT_SIZE, SPACING } from './theme.js';
import type { LinePanel } from './types.js';

/** Series with at most this many points get a marker at every point (e.g. per-epoch metrics). */
const MARKER_MAX_POINTS = 40;

/** A series reduced to its drawable points. */
type CleanSeries = { name: string; color: string; xs: number[]; ys: number[] };

/**
 * The drawable points of each series: pairs up `x[i]`/`y[i]` (up to the shorter array), dropping
 * non-finite values and, on a log axis, values <= 0.
 */
export function cleanSeries(panel: LinePanel): CleanSeries[] {
  return panel.series.map((s, i) => {
    const xs: number[] = [];
    const ys: number[] = [];
    const n = Math.min(s.x.length, s.y.length);
    for (let k = 0; k < n; k++) {
      const x = s.x[k];
      const y = s.y[k];
      if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
      if ((panel.logX && x <= 0) || (panel.logY && y <= 0)) continue;
      xs.push(x);
      ys.push(y);
    }
    return { name: s.name, color: seriesColor(i), xs, ys };
  });
}

/** SVG for one line panel filling `outer`, with its title at `titleSize`. */
export function drawLinePanel(outer: Box, panel: LinePanel, titleSize: number = FONT_SIZE.panelTitle): string {
  const series = cleanSeries(panel);
  const xExt = extent(series.flatMap((s) => s.xs));
  const yExt = extent(series.flatMap((s) => s.ys));

  const legend =
    panel.series.length > 1
      ? layoutLegend(
          series.map((s) => ({ label: s.name, color: s.color })),
          outer.height - titleSize - 40,
          outer.width * 0.45,
        )
      : null;

  const axesFor = (rightReserve: number) =>
    layoutAxes(outer, {
      title: panel.title,
      titleSize,
      xLabel: panel.xLabel,
      yLabel: panel.yLabel,
      xDomain: paddedDomain(xExt, panel.logX ?? false),
      yDomain: paddedDomain(yExt, panel.logY ?? false),
      logX: panel.logX,
      logY: panel.logY,
      rightReserve,
    });
  const toPixels = (l: AxesLayout): PixelLines =>
    series.map((s) => s.xs.map((v, k): [number, number] => [l.x.map(v), l.y.map(s.ys[k])]));

  // Legend inside a free corner of the plot if there is one, else outside on the right.
  let layout = axesFor(0);
  let pixels = toPixels(layout);
  let legendSpot = legend ? findInsideSpot(layout.plot, legend.width, legend.height, pixels) : null;
  if (legend && !legendSpot) {
    layout = axesFor(legend.width + SPACING.legendGap);
    pixels = toPixels(layout);
    legendSpot = { x: layout.plot.x + layout.plot.width + SPACING.legendGap, y: layout.plot.y };
  }
  const { plot } = layout;

  const lines: string[] = [];
  series.forEach((s, i) => {
    if (s.xs.length === 0) return;
    const pts = pixels[i].map(([px, py]) => `${fmt(px)},${fmt(py)}`);
    if (pts.length > 1) {
      lines.push(
        `<polyline class="series" fill="none" stroke="${s.color}" stroke-width="1.75" ` +
          `stroke-linejoin="round" stroke-linecap="round" points="${pts.join(' ')}"/>`,
      );
    }
    if (pts.length <= MARKER_MAX_POINTS) {
      const r = pts.length === 1 ? 3.5 : 2.75;
      lines.push(
        `<g fill="${s.color}">` +
          pixels[i].map(([px, py]) => `<circle cx="${fmt(px)}" cy="${fmt(py)}" r="${r}"/>`).join('') +
          '</g>',
      );
    }
  });
  if (xExt === null || yExt === null) {
    lines.push(
      svgText(plot.x + plot.width / 2, plot.y + plot.height / 2, 'no data', {
        size: FONT_SIZE.axisLabel,
        anchor: 'middle',
        valign: 'middle',
        fill: COLOR.axis,
      }),
    );
  }

  const legendSvg = legend && legendSpot ? drawLegend(legendSpot.x, legendSpot.y, legend) : '';
  return `<g class="panel">${drawGrid(layout)}<g class="data">${lines.join('')}</g>${drawAxes(layout)}${legendSvg}</g>`;
}
