/** The confusion-matrix picture: actual classes down, predicted across, cells shaded by count (matplotlib's Blues). */
import { fmt, svgDocument, svgRect, svgText } from '../plot/svg.js';

// matplotlib's "Blues" at 0, 1/8, …, 1.
const BLUES: readonly (readonly [number, number, number])[] = [
  [247, 251, 255], [222, 235, 247], [198, 219, 239], [158, 202, 225], [107, 174, 214],
  [66, 146, 198], [33, 113, 181], [8, 81, 156], [8, 48, 107],
];

/** The Blues colour of `t` in [0, 1], and whether text on it should be white. */
function blues(t: number): { fill: string; light: boolean } {
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (BLUES.length - 1);
  const i = Math.min(BLUES.length - 2, Math.floor(x));
  const f = x - i;
  const c = BLUES[i].map((v, j) => Math.round(v + (BLUES[i + 1][j] - v) * f));
  return { fill: `#${c.map((v) => v.toString(16).padStart(2, '0')).join('')}`, light: t > 0.5 };
}

/** Options of `confusionMatrixSvg` and `ClassificationInterpretation.plotConfusionMatrix`. */
export type ConfusionPlotOptions = {
  /** The figure's title (default "Confusion matrix", or "… (normalised by row)"). */
  title?: string;
  /** Divide each row by its total: the fraction of each actual class predicted as each class (default false: counts). */
  normalize?: boolean;
};

/**
 * SVG of `matrix` (rows = actual, columns = predicted) with class names on both axes and each
 * cell's value written in it; with `normalize`, each row is divided by its total (2 decimals).
 */
export function confusionMatrixSvg(matrix: number[][], classes: string[], opts: ConfusionPlotOptions = {}): string {
  const n = matrix.length;
  const shown = opts.normalize ? matrix.map((r) => { const s = r.reduce((a, b) => a + b, 0); return r.map((v) => (s ? v / s : 0)); }) : matrix;
  const max = Math.max(1e-12, ...shown.flat());
  const cell = Math.max(28, Math.min(56, Math.floor(560 / Math.max(1, n))));
  const labelW = Math.max(40, 7.5 * Math.max(...classes.map((c) => c.length)) + 12);
  const left = 34 + labelW, top = 48, bottom = 52 + labelW;
  const W = left + n * cell + 24, H = top + n * cell + bottom;
  const title = opts.title ?? (opts.normalize ? 'Confusion matrix (normalised by row)' : 'Confusion matrix');
  const body: string[] = [svgText(W / 2, 26, title, { size: 16, anchor: 'middle', bold: true })];
  const fontSize = Math.min(13, cell / 3.2);
  shown.forEach((row, i) =>
    row.forEach((v, j) => {
      const { fill, light } = blues(v / max);
      const x = left + j * cell, y = top + i * cell;
      body.push(svgRect(x, y, cell, cell, fill, '#ffffff'));
      const text = opts.normalize ? v.toFixed(2) : String(v);
      body.push(svgText(x + cell / 2, y + cell / 2, text, { size: fontSize, anchor: 'middle', valign: 'middle', fill: light ? '#ffffff' : '#222222' }));
    }),
  );
  classes.forEach((c, k) => {
    body.push(svgText(left - 6, top + k * cell + cell / 2, c, { size: 12, anchor: 'end', valign: 'middle' }));
    body.push(svgText(left + k * cell + cell / 2, top + n * cell + 8, c, { size: 12, anchor: 'end', valign: 'middle', rotate: -90 }));
  });
  body.push(svgText(14, top + (n * cell) / 2, 'Actual', { size: 13, anchor: 'middle', bold: true, rotate: -90 }));
  body.push(svgText(left + (n * cell) / 2, H - 14, 'Predicted', { size: 13, anchor: 'middle', bold: true }));
  body.push(`<rect x="${fmt(left)}" y="${fmt(top)}" width="${fmt(n * cell)}" height="${fmt(n * cell)}" fill="none" stroke="#444444"/>`);
  return svgDocument(W, H, title, body.join('\n'));
}
