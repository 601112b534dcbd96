/**
 * Progress in a terminal, or in a log: on a TTY two bars redrawn in place (epochs, then the
 * batches of the current phase) under the per-epoch table, fastprogress' layout with tqdm's
 * numbers; on anything else (CI logs, files, pipes) only the table, plain text without control
 * characters.
 */
import { LiveLines } from './live-lines.js';
import { BAR_MIN, TableFormat, barLine, barRoom, formatMetrics, type BarLineParts } from './progress-format.js';
import type { ProgressFit, ProgressRenderer, ProgressSnapshot, ProgressStream } from './progress-renderer.js';

/** `new TerminalRenderer(process.stdout)`: bars when the stream is a TTY, the table always. */
export class TerminalRenderer implements ProgressRenderer {
  private table = new TableFormat([]);
  private headerDone = false;
  private block: LiveLines | null = null;
  private countDigits = 1;

  constructor(private readonly stream: ProgressStream) {}

  /** Bars are drawn on a terminal only. */
  get live(): boolean {
    return this.stream.isTTY === true;
  }

  begin(fit: ProgressFit): void {
    this.table = new TableFormat([...fit.columns]);
    this.headerDone = false;
    this.countDigits = String(Math.max(fit.epochs, fit.trainBatches, fit.validBatches)).length;
    this.block = this.live ? new LiveLines(this.stream) : null;
  }

  update(now: ProgressSnapshot): void {
    this.block?.draw(this.barLines(now));
  }

  epochRow(cells: readonly string[], now: ProgressSnapshot): void {
    const row = this.table.line([...cells]);
    const text = this.headerDone ? row : `${this.table.header()}\n${row}`;
    this.headerDone = true;
    this.message(text, now);
  }

  message(line: string, now: ProgressSnapshot | undefined): void {
    if (this.block && now) this.block.print(line, this.barLines(now));
    else this.stream.write(`${line}\n`);
  }

  end(now: ProgressSnapshot): void {
    this.block?.close(this.barLines(now));
    this.block = null;
  }

  /** The bar lines for `now`, fitted to the terminal's width: the epoch bar, and the batch bar during a phase. */
  private barLines(now: ProgressSnapshot): string[] {
    const cols = this.stream.columns && this.stream.columns > 0 ? this.stream.columns : 80;
    const countWidth = 2 * this.countDigits + 1;
    const parts: BarLineParts[] = [{ ...now.epoch, countWidth }];
    const b = now.batch;
    if (b) parts.push({ label: b.label, done: b.done, total: b.total, elapsed: b.elapsed, eta: b.eta, rate: b.rate, showRate: true, extra: formatMetrics(b.metrics), countWidth });
    const common = Math.min(...parts.map((q) => barRoom(q, cols))); // bars of one length when all lines have room
    return parts.map((q) => barLine(common >= BAR_MIN ? { ...q, maxBar: common } : q, cols));
  }
}
