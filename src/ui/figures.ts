/**
 * Where figures go. Every picture tfai draws — the recorder's plots, the LR finder, the activation
 * statistics, `showBatch`, the interpretation pictures, `showFigure` — is handed to `outputFigure`,
 * which
 *
 * - shows it on the current figure display: the cell's output when tfai runs in a notebook kernel,
 *   the page when it runs in a browser tab (both detected), or whatever a program set with
 *   `setFigureDisplay` (an element of a page, a test);
 * - writes files when the caller named a place (a folder: `<name>.svg` + `.png`; or one file);
 * - with no display and no place (a script), writes `<name>.svg` + `.png` into the default folder
 *   (`out/figures`, or `TFAI_FIGURE_DIR`) and says where, so no figure is silently lost.
 *
 * A new place to show figures (an HTML page, another kernel) is one `FigureDisplay` added to the
 * detection list below (`addFigureDisplayDetector`) or set by the program.
 */
import type { SavedFigure } from '../plot/save-figure.js';
import { writeDefaultFigure, writeFigureFiles } from './figure-files.js';
import type { Figure, FigureDisplay, FigureFiles, OutputFigureOptions } from './figure-types.js';
import { notebookFigureDisplay } from './notebook-figures.js';
import { pageFigureDisplay } from './page-figures.js';

export type { Figure, FigureDisplay, FigureFiles, FigureTarget, OutputFigureOptions } from './figure-types.js';

/** A function that finds a display in the current environment, or null when there is none. */
export type FigureDisplayDetector = () => FigureDisplay | null;

const detectors: FigureDisplayDetector[] = [() => notebookFigureDisplay(), () => pageFigureDisplay()];
let chosen: FigureDisplay | null | undefined;

/**
 * Show figures on `display` from now on (`null`: show none, write files as a script does;
 * `undefined`: detect again).
 */
export function setFigureDisplay(display: FigureDisplay | null | undefined): void {
  chosen = display;
}

/** Add a way to find a display (tried after the notebook kernel and the page, once, when the first figure is made). */
export function addFigureDisplayDetector(detect: FigureDisplayDetector): void {
  detectors.push(detect);
  if (chosen === null) chosen = undefined;
}

/** The display figures go to: the one set with `setFigureDisplay`, else the first one detected, else null. */
export function figureDisplay(): FigureDisplay | null {
  if (chosen === undefined) {
    chosen = null;
    for (const detect of detectors) {
      const d = detect();
      if (d) {
        chosen = d;
        break;
      }
    }
  }
  return chosen;
}

/**
 * Send `figure` where figures go (see the module comment): shown on the display when there is
 * one, written to `opts.target` when given, and written to the default folder when it would
 * otherwise go nowhere. Returns the files written.
 */
export async function outputFigure(figure: Figure, opts: OutputFigureOptions = {}): Promise<FigureFiles> {
  const display = opts.show === false ? null : figureDisplay();
  let files: FigureFiles = {};
  if (opts.target) files = await writeFigureFiles(figure, opts.target);
  else if (!display) files = await writeDefaultFigure(figure);
  if (display) await display.show(figure);
  return files;
}

/** `outputFigure` for callers that promise a `SavedFigure` when given a folder. */
export async function outputFigureTo(figure: Figure, dir: string | undefined, show = true): Promise<SavedFigure | undefined> {
  const files = await outputFigure(figure, { target: dir === undefined ? undefined : { dir }, show });
  return files.svg && files.png ? { svg: files.svg, png: files.png } : undefined;
}

/** Options of `showFigure`. */
export type ShowFigureOptions = {
  /** File name without extension (default `figure`). */
  name?: string;
  /** Also write `<dir>/<name>.svg` and `.png`. */
  dir?: string;
  /** Also write this one file (`.svg`, else PNG). */
  file?: string;
};

/**
 * Show any SVG figure (e.g. from `tfai/plot`'s `lineChart`) where tfai's own figures go: in a
 * notebook as the cell's output; written to `dir` or `file` when given; in a script without either,
 * into `out/figures/<name>.svg|png`. Returns the files written, or undefined when the figure was
 * only shown (so a notebook cell ending with it prints nothing).
 */
export async function showFigure(svg: string, opts: ShowFigureOptions = {}): Promise<FigureFiles | undefined> {
  if (typeof svg !== 'string' || !svg.includes('<svg')) throw new TypeError('showFigure: svg must be SVG markup (a string containing <svg …>)');
  if (opts.dir !== undefined && opts.file !== undefined) throw new TypeError('showFigure: give dir or file, not both');
  const target = opts.dir !== undefined ? { dir: opts.dir } : opts.file !== undefined ? { file: opts.file } : undefined;
  const files = await outputFigure({ svg, name: opts.name ?? 'figure' }, { target });
  return Object.keys(files).length ? files : undefined;
}
