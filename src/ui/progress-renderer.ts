/**
 * How a fit's progress is shown: `ProgressCallback` follows the fit (batches, epochs, times, the
 * running metrics) and hands what there is to show to a `ProgressRenderer`, which draws it where
 * the user is — a terminal (terminal-renderer.ts: bars and a table on a TTY, the table alone in a
 * log), a notebook cell, a page. A renderer is told, in order: `begin` once per fit, then any
 * number of `update`s (only a `live` renderer is updated), `epochRow` after each epoch and
 * `message` whenever the fit has something to say, and `end` when the fit ends.
 *
 * Which renderer a `ProgressCallback` given none uses: see progress-renderers.ts.
 */

/** Where a text renderer writes: `process.stdout`, a file stream, or any object with `write`. */
export type ProgressStream = {
  /** Write `chunk` as it is. */
  write(chunk: string): unknown;
  /** True for a terminal: bars are drawn only then. */
  isTTY?: boolean;
  /** Terminal width, when known (read at every redraw; default 80). */
  columns?: number;
};

/** One progress bar as it stands: units done of a total, and the times. */
export type ProgressBar = {
  /** What it counts: `epoch`, or the phase of the batch bar (`train`, `valid`). */
  label: string;
  /** Units done (epochs, or batches of the loader). */
  done: number;
  /** Units in all. */
  total: number;
  /** Seconds since it started. */
  elapsed: number;
  /** Seconds left; undefined while unknown. */
  eta: number | undefined;
};

/** The batch bar: a bar with the recent rate and the phase's running metrics. */
export type BatchProgressBar = ProgressBar & {
  /** Batches per second, recent; undefined while unknown. */
  rate: number | undefined;
  /** The phase's running loss and metrics so far in the epoch, by plain name (`loss`, `accuracy`). */
  metrics: Record<string, number>;
};

/** Everything there is to show at one moment of a fit: the epoch bar, and the batch bar during a phase. */
export type ProgressSnapshot = {
  /** Epochs done of the fit's. */
  epoch: ProgressBar;
  /** Batches done of the current phase's loader (`train` or `valid`); absent between phases. */
  batch?: BatchProgressBar;
};

/** What a renderer learns when a fit begins. */
export type ProgressFit = {
  /** The columns of the per-epoch table (`epoch`, `train_loss`, …, `time`). */
  columns: readonly string[];
  /** Epochs of the fit. */
  epochs: number;
  /** Batches of its training loader. */
  trainBatches: number;
  /** Batches of its validation loader. */
  validBatches: number;
};

/** Shows a fit's progress somewhere (see the file's comment for the order of the calls). */
export interface ProgressRenderer {
  /**
   * Whether this renderer shows bars that `update` redraws. `ProgressCallback` reads the running
   * metrics from the device (and calls `update`) only for a live renderer.
   */
  readonly live: boolean;
  /** A fit begins. */
  begin(fit: ProgressFit): void;
  /** Redraw the bars (called at most once per throttle interval). */
  update(now: ProgressSnapshot): void;
  /** A finished epoch's row of the table, cells formatted (`0`, `0.788081`, …, `00:09`); `now` for a redraw. */
  epochRow(cells: readonly string[], now: ProgressSnapshot): void;
  /** A message to keep in the output (above the bars while they are drawn); `now` is undefined outside a fit. */
  message(line: string, now: ProgressSnapshot | undefined): void;
  /** The fit ended (normally or not): leave the final state. */
  end(now: ProgressSnapshot): void;
}
