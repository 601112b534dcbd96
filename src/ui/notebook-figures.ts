/**
 * Figures in a notebook: each one becomes a display output of the running cell, as a PNG by default
 * (rendered with resvg and the bundled DejaVu Sans, so it looks the same in JupyterLab, VS Code and
 * on a repository's page, which shows PNG outputs of committed notebooks) or as SVG markup.
 */
import { svgToPng } from '../plot/png.js';
import type { Figure, FigureDisplay } from './figure-types.js';
import { notebookKernel, type NotebookKernel } from './notebook-kernel.js';

/** Options of `NotebookFigureDisplay`. */
export type NotebookFigureDisplayOptions = {
  /** `png` (default) or `svg` (vector; text in the viewer's fonts). */
  format?: 'png' | 'svg';
};

/** Shows figures as outputs of the running notebook cell. */
export class NotebookFigureDisplay implements FigureDisplay {
  /** The output format. */
  readonly format: 'png' | 'svg';

  constructor(
    private readonly kernel: NotebookKernel,
    opts: NotebookFigureDisplayOptions = {},
  ) {
    const format = opts.format ?? 'png';
    if (format !== 'png' && format !== 'svg') throw new RangeError(`NotebookFigureDisplay: format must be 'png' or 'svg', got ${JSON.stringify(format)}`);
    this.format = format;
  }

  /** Show `figure` under the running cell. */
  show(figure: Figure): void {
    if (this.format === 'svg') this.kernel.display.svg(figure.svg);
    else this.kernel.display.png(svgToPng(figure.svg));
  }
}

/**
 * A `NotebookFigureDisplay` when tfai runs in a notebook kernel, else null:
 * `setFigureDisplay(notebookFigureDisplay({ format: 'svg' }))` shows vector figures.
 */
export function notebookFigureDisplay(opts: NotebookFigureDisplayOptions = {}): FigureDisplay | null {
  const kernel = notebookKernel();
  return kernel ? new NotebookFigureDisplay(kernel, opts) : null;
}
