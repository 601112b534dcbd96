/** The types of `figures.ts`: a figure, a place that shows figures, and where files go. */

/** A finished picture: standalone SVG markup and the name its files get (`loss`, `lr-find`, …). */
export type Figure = {
  /** A standalone SVG document. */
  readonly svg: string;
  /** File name without extension; also the figure's label. */
  readonly name: string;
};

/** Somewhere figures appear as they are made: a notebook's cell output, an element of a page, a test's list. */
export interface FigureDisplay {
  /** Show `figure` now. */
  show(figure: Figure): void | Promise<void>;
}

/** Where to write a figure's files: a folder (`<name>.svg` and `<name>.png`) or one file (`.svg`, else PNG). */
export type FigureTarget = { dir: string } | { file: string };

/** Options of `outputFigure`. */
export type OutputFigureOptions = {
  /** Also write the figure's files there. */
  target?: FigureTarget;
  /** Show it on the figure display, if there is one (default true). */
  show?: boolean;
};

/** The files `outputFigure` wrote (absolute paths; none when the figure was only shown). */
export type FigureFiles = {
  /** `<dir>/<name>.svg`, when written to a folder. */
  svg?: string;
  /** `<dir>/<name>.png`, when written to a folder. */
  png?: string;
  /** The one file, when written to a file. */
  file?: string;
};
