/** Progress display: follows the fit and hands what to show to a renderer (src/ui/). */
import { Callback } from '../core/callback.js';
import { availableMetrics } from './monitor.js';
import { RateMeter } from '../ui/rate-meter.js';
import { formatCell, formatTime } from '../ui/progress-format.js';
import type { ProgressRenderer, ProgressSnapshot, ProgressStream } from '../ui/progress-renderer.js';
import { pickProgressRenderer } from '../ui/progress-renderers.js';
import { TerminalRenderer } from '../ui/terminal-renderer.js';
import { standardOutput } from '../platform/process.js';

/** Options of `ProgressCallback`. */
export type ProgressCallbackOptions = {
  /** Output of the terminal renderer (default `process.stdout`): bars on a TTY, the table alone elsewhere. */
  stream?: ProgressStream;
  /**
   * Where progress is shown. Default: the terminal renderer on `stream` when one is given, else the
   * renderer for where the code runs (`pickProgressRenderer`: a notebook, a page), else the
   * terminal renderer on `process.stdout`.
   */
  renderer?: ProgressRenderer;
  /**
   * Least time between two redraws of the bars, in ms (default 250). Each redraw reads the running
   * loss and metrics from the device once (asynchronously); between redraws nothing is read.
   */
  throttleMs?: number;
};

/** Epoch durations the whole-fit ETA averages over (the latest ones). */
const RECENT_EPOCHS = 3;

/**
 * `new ProgressCallback()`: fastai-style progress, shown by a `ProgressRenderer` (src/ui/): by
 * default the terminal renderer, or the one registered for where the code runs (a notebook).
 *
 * In a terminal (`stream.isTTY`), two bars redrawn in place, with each finished epoch's table row
 * printed above them (fastprogress' layout, tqdm's numbers):
 *
 * ```
 * epoch     train_loss  valid_loss  accuracy  time
 * 0         0.788081    0.692896    0.818862  00:09
 * epoch  1/3  █████████▉░░░░░░░░░░░░░░░░░░░░  33% [00:09<00:18]
 * train  5/16 █████████▍░░░░░░░░░░░░░░░░░░░░  31% [00:01<00:04, 2.41 it/s] loss 0.1472  accuracy 0.9551
 * ```
 *
 * - The batch bar (`train`, then `valid`) shows batches done, elapsed time, the ETA of the loader
 *   and the rate (`it/s`, or `s/it` when slower than one batch a second). The ETA reads `--` until a
 *   batch was timed, then follows the recent rate (an exponential moving average, as tqdm's), so
 *   the slow first batches of a fit stop weighing on it within a few redraws.
 * - After the rate come the phase's running loss and metrics so far in the epoch (the `train_…`
 *   or `valid_…` numbers of callbacks implementing `runningMetrics`, i.e. `AvgStatsCallback`,
 *   shown without the phase prefix); without such a callback, the last batch's loss (`batch_loss`).
 *   They are read from the device at most once every `throttleMs`, asynchronously, never per batch.
 * - The epoch bar shows epochs done, time since the fit started and the ETA of the fit: `--` until
 *   an epoch finished, then the mean of the latest epochs' durations times the epochs left (the
 *   first epoch, with its warm-up, left out once another one finished).
 * - When the fit ends, the table stays with the epoch bar under it; the batch bar is erased.
 *
 * Anywhere else (CI logs, files, pipes): only the table — `epoch`, `train_loss`, `valid_loss`, one
 * column per validation metric under its plain name, `time` — one row per epoch under a header
 * printed once, plain text without control characters.
 *
 * The table's numbers are the epoch's named metrics (`run.epochMetrics`, published by
 * `AvgStatsCallback`; without one it has only epoch and time), the time the epoch's wall time. The
 * display declares that it shows the metrics (`displaysMetrics`), so `AvgStatsCallback` does not
 * print its own lines by default. Other output written to the terminal during the fit lands among
 * the bars: send it through `write(line)` to get it printed above them.
 */
export class ProgressCallback extends Callback {
  /** After the callbacks that publish epoch metrics (`AvgStatsCallback` is 0). */
  override order = 50;
  /** The table shows the epoch metrics. */
  override readonly displaysMetrics = true;
  private readonly renderer: ProgressRenderer;
  private readonly throttleMs: number;
  private metricNames: string[] = [];
  private inFit = false;
  private readonly meter = new RateMeter();
  private phase: { label: 'train' | 'valid'; total: number; done: number; start: number } | null = null;
  private running: Record<string, number> = {};
  private fitStart = 0;
  private epochStart = 0;
  private epochsDone = 0;
  private epochTimes: number[] = [];
  private lastDraw = 0;

  constructor(opts: ProgressCallbackOptions = {}) {
    super();
    const throttleMs = opts.throttleMs ?? 250;
    if (!(throttleMs >= 0)) throw new RangeError(`ProgressCallback: throttleMs must be a number ≥ 0, got ${String(opts.throttleMs)}`);
    const terminal = (): ProgressRenderer => {
      const stream = opts.stream ?? standardOutput();
      if (!stream || typeof stream.write !== 'function') throw new TypeError('ProgressCallback: stream must have a write(chunk) method');
      return new TerminalRenderer(stream);
    };
    this.renderer = opts.renderer ?? (opts.stream ? terminal() : (pickProgressRenderer() ?? terminal()));
    this.throttleMs = throttleMs;
  }

  /** Whether bars are drawn (a live renderer: the terminal one on a TTY). */
  get tty(): boolean {
    return this.renderer.live;
  }

  /** Column names of the table. */
  get columns(): string[] {
    return ['epoch', ...this.metricNames.map(columnName), 'time'];
  }

  /**
   * Print `line` as permanent output: above the bars while they are drawn (fastprogress'
   * `master_bar.write`), else as a plain line. Use it for messages during a fit, e.g.
   * `new Runner({ log: (l) => progress.write(l) })`.
   */
  write(line: string): void {
    this.renderer.message(line, this.inFit ? this.snapshot() : undefined);
  }

  override beginFit(): void {
    this.metricNames = tableMetrics(availableMetrics(this.run));
    this.fitStart = performance.now();
    this.epochTimes = [];
    this.phase = null;
    const { trainDl, validDl } = this.run.learn.data;
    this.renderer.begin({ columns: this.columns, epochs: this.run.epochs, trainBatches: trainDl.length, validBatches: validDl.length });
    this.inFit = true;
  }

  override beginEpoch(): void {
    this.epochStart = performance.now();
    this.epochsDone = this.run.epoch;
    this.startPhase('train', this.run.learn.data.trainDl.length);
  }

  override beginValidate(): void {
    this.startPhase('valid', this.run.learn.data.validDl.length);
  }

  override async afterBatch(): Promise<void> {
    if (!this.renderer.live || !this.phase) return;
    this.meter.tick();
    this.phase.done = Math.min(this.phase.total, this.run.iter + 1);
    if (performance.now() - this.lastDraw < this.throttleMs) return;
    this.running = await this.readRunning();
    this.meter.sample(performance.now()); // after the read: the counted batches are computed
    this.draw();
  }

  override afterEpoch(): void {
    const m = this.run.epochMetrics;
    const seconds = m.time ?? (performance.now() - this.epochStart) / 1000;
    const cells = [String(this.run.epoch), ...this.metricNames.map((n) => formatCell(m[n])), formatTime(seconds)];
    if (this.run.position.epoch > this.run.epoch) {
      // A complete epoch (an epoch cut short by an error or Ctrl-C still gets its row: what ran).
      this.epochTimes.push(seconds);
      this.epochsDone = this.run.epoch + 1;
    }
    this.phase = null;
    this.renderer.epochRow(cells, this.snapshot());
  }

  override afterFit(): void {
    this.phase = null;
    if (this.inFit) this.renderer.end(this.snapshot());
    this.inFit = false;
  }

  private startPhase(label: 'train' | 'valid', total: number): void {
    if (!this.renderer.live) return;
    const now = performance.now();
    this.phase = { label, total, done: 0, start: now };
    this.meter.start(now);
    this.running = {};
    this.draw();
  }

  /** The phase's running numbers (one asynchronous device read per provider), prefix dropped. */
  private async readRunning(): Promise<Record<string, number>> {
    const providers = this.run.cbs.filter((cb) => cb.runningMetrics);
    if (providers.length) {
      const all: Record<string, number>[] = await Promise.all(providers.map((cb) => cb.runningMetrics?.() ?? {}));
      const shown: Record<string, number> = {};
      for (const r of all) for (const [k, v] of Object.entries(r)) shown[k.replace(/^(train|valid)_/, '')] = v;
      return shown;
    }
    const { loss } = this.run;
    if (!loss || loss.isDisposed) return {};
    return { batch_loss: (await loss.data())[0] };
  }

  private draw(): void {
    this.lastDraw = performance.now();
    this.renderer.update(this.snapshot());
  }

  /** The bars as they stand now: the epoch bar, and the batch bar during a phase. */
  private snapshot(): ProgressSnapshot {
    const now = performance.now();
    const p = this.phase;
    const epoch = { label: 'epoch', done: this.epochsDone, total: this.run.epochs, elapsed: (now - this.fitStart) / 1000, eta: this.fitEta(now) };
    if (!p) return { epoch };
    const batch = { label: p.label, done: p.done, total: p.total, elapsed: (now - p.start) / 1000, eta: this.meter.eta(p.total - p.done), rate: this.meter.rate, metrics: this.running };
    return { epoch, batch };
  }

  /**
   * Seconds left in the fit: unknown until an epoch finished, then the mean duration of the latest
   * epochs times the epochs left, less the time spent in the current one. The fit's first epoch
   * (compilation, warm-up) stops counting once a later one finished, as Keras drops the first step.
   */
  private fitEta(now: number): number | undefined {
    if (!this.epochTimes.length) return undefined;
    const timed = this.epochTimes.length > 1 ? this.epochTimes.slice(1) : this.epochTimes;
    const recent = timed.slice(-RECENT_EPOCHS);
    const perEpoch = recent.reduce((a, b) => a + b, 0) / recent.length;
    const inEpoch = this.phase ? (now - this.epochStart) / 1000 : 0;
    return Math.max(0, perEpoch * (this.run.epochs - this.epochsDone) - inEpoch);
  }
}

/** The table's metrics, as fastai's: `train_loss`, `valid_loss`, then the other validation metrics. */
function tableMetrics(names: string[]): string[] {
  const losses = ['train_loss', 'valid_loss'].filter((n) => names.includes(n));
  return [...losses, ...names.filter((n) => n.startsWith('valid_') && !losses.includes(n))];
}

/** A validation metric's column is its plain name (`valid_accuracy` → `accuracy`); losses keep theirs. */
function columnName(metric: string): string {
  return metric.endsWith('_loss') ? metric : metric.replace(/^valid_/, '');
}
