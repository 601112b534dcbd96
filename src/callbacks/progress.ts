/** Progress display: bars in a terminal, a plain per-epoch table everywhere else. */
import cliProgress from 'cli-progress';
import type { MultiBar, SingleBar } from 'cli-progress';
import { Callback } from '../core/callback.js';
import { availableMetrics } from './monitor.js';

/** Where `ProgressCallback` writes: `process.stdout`, a file stream, or any object with `write`. */
export type ProgressStream = {
  write(chunk: string): unknown;
  /** True for a terminal: bars are drawn only then. */
  isTTY?: boolean;
  /** Terminal width, when known. */
  columns?: number;
};

/** Options of `ProgressCallback`. */
export type ProgressCallbackOptions = {
  /** Output (default `process.stdout`). */
  stream?: ProgressStream;
  /** Least time between two reads of the loss for the batch bar, in ms (default 250). */
  throttleMs?: number;
};

/** `mm:ss` (or `h:mm:ss`), as fastai's table shows times. */
export function formatTime(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const two = (n: number): string => String(n).padStart(2, '0');
  const h = Math.floor(s / 3600);
  return h ? `${h}:${two(Math.floor((s % 3600) / 60))}:${two(s % 60)}` : `${two(Math.floor(s / 60))}:${two(s % 60)}`;
}

/**
 * `new ProgressCallback()`: fastai-style progress.
 *
 * - In a TTY: an epoch bar and a batch bar (phase, running training loss, ETA of the current
 *   loader), drawn with `cli-progress`, with each finished epoch's table row printed above them.
 *   The loss shown is read from the device at most once every `throttleMs` (250 ms), never per
 *   batch, and the bars are redrawn at that rate.
 * - Anywhere else (CI logs, files, pipes): one table row per epoch — `epoch`, `train_loss`,
 *   `valid_loss`, one column per metric (validation values), `time` — under a header printed once,
 *   plain text without control characters.
 *
 * The numbers are the epoch's named metrics (`run.epochMetrics`, published by `AvgStatsCallback`;
 * without one the table has only epoch and time): `train_loss`, `valid_loss`, then each validation
 * metric under its plain name, as fastai's table. The progress display declares that it shows the
 * metrics (`displaysMetrics`), so `AvgStatsCallback` does not print its own lines by default.
 */
export class ProgressCallback extends Callback {
  /** After the callbacks that publish epoch metrics (`AvgStatsCallback` is 0). */
  override order = 50;
  /** The table shows the epoch metrics. */
  override readonly displaysMetrics = true;
  private readonly stream: ProgressStream;
  private readonly throttleMs: number;
  private metricNames: string[] = [];
  private bars: { multi: MultiBar; epoch: SingleBar; batch: SingleBar } | null = null;
  private headerDone = false;
  private epochStart = 0;
  private lastDraw = 0;
  private loss = '-';

  constructor(opts: ProgressCallbackOptions = {}) {
    super();
    this.stream = opts.stream ?? process.stdout;
    this.throttleMs = opts.throttleMs ?? 250;
  }

  /** Whether bars are drawn (the stream is a terminal). */
  get tty(): boolean {
    return this.stream.isTTY === true;
  }

  /** Column names of the table. */
  get columns(): string[] {
    return ['epoch', ...this.metricNames.map(columnName), 'time'];
  }

  override beginFit(): void {
    this.metricNames = tableMetrics(availableMetrics(this.run));
    this.headerDone = false;
    this.loss = '-';
    if (!this.tty) return;
    const multi = new cliProgress.MultiBar({
      stream: this.stream as NodeJS.WritableStream,
      hideCursor: true,
      clearOnComplete: false,
      autopadding: true,
      barsize: 30,
    });
    const epoch = multi.create(this.run.epochs, 0, {}, { format: 'epoch |{bar}| {value}/{total} | elapsed {duration_formatted}' });
    const batch = multi.create(1, 0, { label: 'train', info: '' }, { format: '{label} |{bar}| {value}/{total} {info}| ETA {eta_formatted}' });
    this.bars = { multi, epoch, batch };
  }

  override beginEpoch(): void {
    this.epochStart = performance.now();
    this.startBar('train', this.run.learn.data.trainDl.length);
  }

  override beginValidate(): void {
    this.startBar('valid', this.run.learn.data.validDl.length);
  }

  private startBar(label: string, total: number): void {
    if (!this.bars) return;
    this.bars.batch.start(total, 0, { label, info: this.info() });
    this.redraw(true);
  }

  override async afterBatch(): Promise<void> {
    if (!this.bars) return;
    const now = performance.now();
    const due = now - this.lastDraw >= this.throttleMs;
    const { loss } = this.run;
    if (due && this.run.inTrain && loss && !loss.isDisposed) this.loss = (await loss.data())[0].toFixed(4);
    this.bars.batch.increment(1, { info: this.info() });
    if (due) this.redraw(false);
  }

  override afterEpoch(): void {
    const row = this.row();
    if (this.bars) {
      const { multi, epoch } = this.bars;
      if (!this.headerDone) multi.log(`${this.header()}\n`);
      multi.log(`${row}\n`);
      epoch.increment(1);
      this.redraw(true);
    } else {
      if (!this.headerDone) this.stream.write(`${this.header()}\n`);
      this.stream.write(`${row}\n`);
    }
    this.headerDone = true;
  }

  override afterFit(): void {
    this.bars?.multi.stop();
    this.bars = null;
  }

  private info(): string {
    return this.run.inTrain ? `| loss ${this.loss} ` : '';
  }

  private redraw(force: boolean): void {
    if (!this.bars) return;
    const now = performance.now();
    if (!force && now - this.lastDraw < this.throttleMs) return;
    this.lastDraw = now;
    this.bars.multi.update();
  }

  private widths(): number[] {
    return this.columns.map((c) => Math.max(c.length, 8));
  }

  private header(): string {
    const w = this.widths();
    return this.columns.map((c, i) => c.padEnd(w[i])).join('  ').trimEnd();
  }

  private row(): string {
    const m = this.run.epochMetrics;
    const fmt = (v: number | undefined): string => (v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(6));
    const cells = [String(this.run.epoch), ...this.metricNames.map((n) => fmt(m[n]))];
    cells.push(formatTime(m.time ?? (performance.now() - this.epochStart) / 1000));
    const w = this.widths();
    return cells.map((c, i) => c.padEnd(w[i])).join('  ').trimEnd();
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
