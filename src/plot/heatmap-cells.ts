/**
 * The pixel part of a heatmap: turning a (bins × iterations) matrix into colour-quantised cells,
 * pooled down when it has more cells than a picture needs, and drawing them as one path per colour.
 */
import type { Box } from './axes.js';
import { COLORMAP_LEVELS, VIRIDIS_LUT } from './colors.js';
import { extent, paddedDomain } from './scale.js';
import { fmt } from './svg.js';

/** Most columns drawn; wider matrices are average-pooled along the iteration axis. */
export const MAX_DRAWN_COLUMNS = 600;
/** Most rows drawn; taller matrices are average-pooled along the bin axis. */
export const MAX_DRAWN_ROWS = 300;

/** A matrix ready to draw: transformed, pooled values (row-major, row 0 = lowest) and their colour range. */
export type CellGrid = {
  /** Rows and columns of the source matrix (the axes are labelled in these units). */
  sourceRows: number;
  sourceCols: number;
  /** Rows and columns actually drawn (after pooling). */
  rows: number;
  cols: number;
  /** Drawn values, `values[r * cols + c]`; NaN marks a missing/non-finite cell. */
  values: Float64Array;
  /** Value range mapped onto the colormap (low end → dark purple, high end → yellow). */
  domain: [number, number];
};

/** Symmetric log1p: log1p(|v|) with the sign of v (plain log1p for counts). */
function symLog1p(v: number): number {
  return v < 0 ? -Math.log1p(-v) : Math.log1p(v);
}

/**
 * Transform (`logScale`: log1p) and pool `matrix` (rows = bins, row 0 lowest; cols = iterations).
 * Ragged rows are padded with missing cells; non-finite entries are missing.
 */
export function prepareCells(matrix: number[][], logScale: boolean): CellGrid {
  const sourceRows = matrix.length;
  const sourceCols = matrix.reduce((m, row) => Math.max(m, row.length), 0);
  const rows = Math.min(sourceRows, MAX_DRAWN_ROWS);
  const cols = Math.min(sourceCols, MAX_DRAWN_COLUMNS);
  const values = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const r0 = Math.floor((r * sourceRows) / rows);
    const r1 = Math.max(r0 + 1, Math.floor(((r + 1) * sourceRows) / rows));
    for (let c = 0; c < cols; c++) {
      const c0 = Math.floor((c * sourceCols) / cols);
      const c1 = Math.max(c0 + 1, Math.floor(((c + 1) * sourceCols) / cols));
      let sum = 0;
      let n = 0;
      for (let i = r0; i < r1; i++) {
        const row = matrix[i];
        for (let j = c0; j < c1 && j < row.length; j++) {
          const v = row[j];
          if (!Number.isFinite(v)) continue;
          sum += logScale ? symLog1p(v) : v;
          n++;
        }
      }
      values[r * cols + c] = n > 0 ? sum / n : NaN;
    }
  }
  return { sourceRows, sourceCols, rows, cols, values, domain: paddedDomain(extent(values), false, 0) };
}

/** Colormap index (0 … COLORMAP_LEVELS-1) of `v` within `domain`. */
export function colorIndex(v: number, domain: [number, number]): number {
  const t = (v - domain[0]) / (domain[1] - domain[0] || 1);
  return Math.min(COLORMAP_LEVELS - 1, Math.max(0, Math.round(t * (COLORMAP_LEVELS - 1))));
}

/**
 * The cells of `grid` filling `plot` (row 0 at the bottom), as SVG: runs of equal colour in a row
 * merge into one rectangle, and all rectangles of one colour share a `<path>`.
 */
export function drawCells(plot: Box, grid: CellGrid): string {
  if (grid.rows === 0 || grid.cols === 0) return '';
  const cw = plot.width / grid.cols;
  const ch = plot.height / grid.rows;
  const byColor = new Map<number, string[]>();
  for (let r = 0; r < grid.rows; r++) {
    const y = plot.y + plot.height - (r + 1) * ch;
    let c = 0;
    while (c < grid.cols) {
      const v = grid.values[r * grid.cols + c];
      if (Number.isNaN(v)) {
        c++;
        continue;
      }
      const idx = colorIndex(v, grid.domain);
      let end = c + 1;
      while (end < grid.cols) {
        const w = grid.values[r * grid.cols + end];
        if (Number.isNaN(w) || colorIndex(w, grid.domain) !== idx) break;
        end++;
      }
      const x0 = plot.x + c * cw;
      const x1 = plot.x + end * cw;
      let list = byColor.get(idx);
      if (!list) byColor.set(idx, (list = []));
      list.push(`M${fmt(x0)} ${fmt(y)}H${fmt(x1)}V${fmt(y + ch)}H${fmt(x0)}Z`);
      c = end;
    }
  }
  const paths = [...byColor.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([idx, d]) => `<path fill="${VIRIDIS_LUT[idx]}" d="${d.join('')}"/>`);
  return `<g class="cells" shape-rendering="crispEdges">${paths.join('')}</g>`;
}
