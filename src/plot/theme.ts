/** Sizes, colours and fonts shared by every chart, so all figures look alike. */

/** Font stack written into every SVG; PNG rendering maps it to the bundled DejaVu Sans. */
export const FONT_FAMILY = "'DejaVu Sans', Verdana, Arial, sans-serif";

/** Font sizes in pixels. */
export const FONT_SIZE = {
  figureTitle: 17,
  panelTitle: 14,
  axisLabel: 13,
  tick: 11,
  legend: 12,
} as const;

/** Colours of the non-data ink. */
export const COLOR = {
  background: '#ffffff',
  text: '#222222',
  axis: '#444444',
  grid: '#e6e6e6',
  legendBorder: '#cccccc',
  missing: '#ffffff',
} as const;

/** Spacing constants in pixels. */
export const SPACING = {
  /** Gap around a figure's outer edge. */
  outer: 10,
  /** Length of a tick mark. */
  tick: 4,
  /** Gap between a tick mark and its label. */
  tickLabelGap: 3,
  /** Gap between tick labels and the axis label. */
  axisLabelGap: 6,
  /** Gap between a title and what is under it. */
  titleGap: 8,
  /** Gap between the plot area and a legend or colour bar. */
  legendGap: 12,
} as const;
