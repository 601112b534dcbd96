/** Colours: a categorical palette for lines and the viridis colormap for heatmaps. */

/** Matplotlib's "tab10" palette, used in order for the series of a chart (cycling after ten). */
export const SERIES_PALETTE: readonly string[] = [
  '#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd',
  '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf',
];

/** Colour of the `index`-th series. */
export function seriesColor(index: number): string {
  return SERIES_PALETTE[((index % SERIES_PALETTE.length) + SERIES_PALETTE.length) % SERIES_PALETTE.length];
}

// Viridis sampled at 0, 0.1, …, 1 (matplotlib's values); linear interpolation in between.
const VIRIDIS_STOPS: readonly (readonly [number, number, number])[] = [
  [0x44, 0x01, 0x54], [0x48, 0x24, 0x75], [0x41, 0x44, 0x87], [0x35, 0x5f, 0x8d],
  [0x2a, 0x78, 0x8e], [0x21, 0x91, 0x8c], [0x22, 0xa8, 0x84], [0x44, 0xbf, 0x70],
  [0x7a, 0xd1, 0x51], [0xbd, 0xdf, 0x26], [0xfd, 0xe7, 0x25],
];

function hex2(v: number): string {
  return Math.round(Math.min(255, Math.max(0, v))).toString(16).padStart(2, '0');
}

/** The viridis colour (as #rrggbb) of `t` in [0, 1] (clamped; NaN gives the low end). */
export function viridis(t: number): string {
  const c = Number.isFinite(t) ? Math.min(1, Math.max(0, t)) : 0;
  const pos = c * (VIRIDIS_STOPS.length - 1);
  const i = Math.min(VIRIDIS_STOPS.length - 2, Math.floor(pos));
  const f = pos - i;
  const a = VIRIDIS_STOPS[i];
  const b = VIRIDIS_STOPS[i + 1];
  return `#${hex2(a[0] + (b[0] - a[0]) * f)}${hex2(a[1] + (b[1] - a[1]) * f)}${hex2(a[2] + (b[2] - a[2]) * f)}`;
}

/** Number of distinct colours heatmaps are quantised to. */
export const COLORMAP_LEVELS = 256;

/** Viridis quantised to `COLORMAP_LEVELS` entries: index `i` is `viridis(i / (COLORMAP_LEVELS - 1))`. */
export const VIRIDIS_LUT: readonly string[] = Array.from({ length: COLORMAP_LEVELS }, (_, i) =>
  viridis(i / (COLORMAP_LEVELS - 1)),
);
