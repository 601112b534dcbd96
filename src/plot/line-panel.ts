/** Drawing one panel of line plots (axes, lines, markers, legend) into a box; shared by all line charts. */
import { drawAxes, drawGrid, layoutAxes, type AxesLayout, type Box } from './axes.js';
import { seriesColor } from './colors.js';
import { drawLegend, layoutLegend } from './legend.js';
import { findInsideSpot, type PixelLines } from './legend-placement.js';
import { extent, paddedDomain } from './scale.js';
import { fmt, svgText } from './svg.js';
import { COLOR, FONT_SIZE, SPACING } from './theme.js';
import type { LinePanel, SeriesStyle } from './types.js';

/** Series with at most this many points get a marker at every point (e.g. per-epoch metrics). */
const MARKER_MAX_POINTS = 40;

/** A series reduced to its drawable points. */
type CleanSeries = { name: string; color: string; style: SeriesStyle; xs: number[]; ys: number[] };

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
    return { name: s.name, color: s.style?.color ?? seriesColor(i), style: s.style ?? {}, xs, ys };
  });
}

/** SVG for one line panel filling `outer`, with its title at `titleSize`. */
export function drawLinePanel(outer: Box, panel: LinePanel, titleSize: number = FONT_SIZE.panelTitle): string {
  const series = cleanSeries(panel);
  const xExt = extent(series.flatMap((s) => s.xs));
  const yRange = checkRange(panel.yRange, panel.logY ?? false);
  const yExt = extent(series.flatMap((s) => s.ys));

  const legend =
    panel.series.length > 1
      ? layoutLegend(
          series.map((s) => ({ label: s.name, color: s.color, marker: s.style.width === 0, opacity: s.style.opacity })),
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
      yDomain: yRange ?? paddedDomain(yExt, panel.logY ?? false),
      logX: panel.logX,
      logY: panel.logY,
      rightReserve,
    });
  // Pixel positions; with a fixed y range, clamped to the plot frame (where the clip cuts the lines).
  const clampY = (l: AxesLayout, py: number): number => (yRange ? Math.min(l.plot.y + l.plot.height, Math.max(l.plot.y, py)) : py);
  const toPixels = (l: AxesLayout): PixelLines =>
    series.map((s) => s.xs.map((v, k): [number, number] => [l.x.map(v), clampY(l, l.y.map(s.ys[k]))]));

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
    // unclamped pixels: a fixed y range clips lines at the frame instead of flattening them onto it
    const raw = s.xs.map((v, k): [number, number] => [layout.x.map(v), layout.y.map(s.ys[k])]);
    const pts = raw.map(([px, py]) => `${fmt(px)},${fmt(py)}`);
    const { width = 1.75, opacity, markers = 'auto', markerRadius } = s.style;
    const op = opacity !== undefined && opacity < 1 ? ` opacity="${fmt(opacity)}"` : '';
    if (pts.length > 1 && width > 0) {
      lines.push(
        `<polyline class="series" fill="none" stroke="${s.color}" stroke-width="${fmt(width)}"${op} ` +
          `stroke-linejoin="round" stroke-linecap="round" points="${pts.join(' ')}"/>`,
      );
    }
    if (markers === 'all' || (markers === 'auto' && pts.length <= MARKER_MAX_POINTS)) {
      const r = markerRadius ?? (pts.length === 1 ? 3.5 : 2.75);
      const ring = r >= 4 ? ` stroke="${COLOR.background}" stroke-width="1.25"` : '';
      const inside = yRange ? raw.filter(([, py]) => py >= plot.y - 0.5 && py <= plot.y + plot.height + 0.5) : raw;
      lines.push(
        `<g class="markers" fill="${s.color}"${ring}${op}>` +
          inside.map(([px, py]) => `<circle cx="${fmt(px)}" cy="${fmt(py)}" r="${fmt(r)}"/>`).join('') +
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
  let data = `<g class="data">${lines.join('')}</g>`;
  if (yRange) {
    // ids only need to be unique within a figure, where panels never overlap
    const id = `clip-${Math.round(plot.x)}-${Math.round(plot.y)}-${Math.round(plot.width)}-${Math.round(plot.height)}`;
    data =
      `<defs><clipPath id="${id}"><rect x="${fmt(plot.x)}" y="${fmt(plot.y)}" width="${fmt(plot.width)}" height="${fmt(plot.height)}"/></clipPath></defs>` +
      `<g class="data" clip-path="url(#${id})">${lines.join('')}</g>`;
  }
  return `<g class="panel">${drawGrid(layout)}${data}${drawAxes(layout)}${legendSvg}</g>`;
}

/** A usable fixed range: finite, increasing (and > 0 on a log axis), else a RangeError naming it. */
function checkRange(r: [number, number] | undefined, log: boolean): [number, number] | undefined {
  if (r === undefined) return undefined;
  const [lo, hi] = r;
  if (!Number.isFinite(lo) || !Number.isFinite(hi) || !(lo < hi) || (log && lo <= 0)) {
    throw new RangeError(`lineChart: yRange must be two finite numbers lo < hi${log ? ' (both > 0 on a log axis)' : ''}, got [${lo}, ${hi}]`);
  }
  return [lo, hi];
}
