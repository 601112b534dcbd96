/** A vertical colour bar showing which value each heatmap colour stands for. */
import type { Box } from './axes.js';
import { viridis } from './colors.js';
import { makeScale } from './scale.js';
import { fmt, svgLine, svgText } from './svg.js';
import { textWidth } from './text-metrics.js';
import { COLOR, FONT_SIZE, SPACING } from './theme.js';

/** Width of the coloured bar itself. */
const BAR_WIDTH = 14;
/** Number of bands the bar's gradient is drawn with. */
const BANDS = 64;

/** Horizontal room (pixels) a colour bar for `domain` titled `label` needs right of the plot area. */
export function colorbarWidth(domain: [number, number], height: number, label: string): number {
  const scale = makeScale(domain, [height, 0], false, height / 45);
  const labelsWidth = scale.labels.reduce((m, l) => Math.max(m, textWidth(l, FONT_SIZE.tick)), 0);
  const titleRoom = label ? SPACING.axisLabelGap + FONT_SIZE.axisLabel : 0;
  return SPACING.legendGap + BAR_WIDTH + SPACING.tick + SPACING.tickLabelGap + labelsWidth + titleRoom;
}

/** Draw a viridis colour bar for `domain` into `box` (bar at the left of the box, ticks and `label` right of it). */
export function drawColorbar(box: Box, domain: [number, number], label: string): string {
  const x = box.x + SPACING.legendGap;
  const bottom = box.y + box.height;
  const parts: string[] = [];
  const band = box.height / BANDS;
  for (let i = 0; i < BANDS; i++) {
    const y = bottom - (i + 1) * band;
    // Overlap bands by a hair so anti-aliasing leaves no seams.
    parts.push(
      `<rect x="${fmt(x)}" y="${fmt(y)}" width="${BAR_WIDTH}" height="${fmt(band + 0.5)}" fill="${viridis((i + 0.5) / BANDS)}"/>`,
    );
  }
  parts.push(
    `<rect x="${fmt(x)}" y="${fmt(box.y)}" width="${BAR_WIDTH}" height="${fmt(box.height)}" fill="none" stroke="${COLOR.axis}"/>`,
  );
  const scale = makeScale(domain, [bottom, box.y], false, box.height / 45);
  let labelsWidth = 0;
  scale.ticks.forEach((t, i) => {
    const py = scale.map(t);
    const tx = x + BAR_WIDTH;
    parts.push(svgLine(tx, py, tx + SPACING.tick, py, COLOR.axis));
    parts.push(
      svgText(tx + SPACING.tick + SPACING.tickLabelGap, py, scale.labels[i], { size: FONT_SIZE.tick, valign: 'middle' }),
    );
    labelsWidth = Math.max(labelsWidth, textWidth(scale.labels[i], FONT_SIZE.tick));
  });
  if (label) {
    const lx = x + BAR_WIDTH + SPACING.tick + SPACING.tickLabelGap + labelsWidth + SPACING.axisLabelGap;
    // Rotated like a y-axis label; with valign 'top' its glyphs lie just right of lx.
    parts.push(
      svgText(lx, box.y + box.height / 2, label, {
        size: FONT_SIZE.axisLabel,
        anchor: 'middle',
        valign: 'top',
        rotate: -90,
      }),
    );
  }
  return `<g class="colorbar">${parts.join('')}</g>`;
}
