/** `CSVLogger`: one CSV row per epoch with the named epoch metrics (Keras' and fastai's `CSVLogger`). */
import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { Callback } from '../core/callback.js';
import { availableMetrics } from './monitor.js';

/** Options of `CSVLogger`. */
export type CSVLoggerOptions = {
  /** The CSV file (its directory is created if needed). */
  path: string;
  /** Add rows to an existing file instead of starting a new one (default false; use it when resuming). */
  append?: boolean;
  /** Column separator (default `,`). */
  separator?: string;
};

/**
 * `new CSVLogger({ path: 'history.csv' })`: writes a header at the start of the fit — `epoch`, every
 * epoch metric the runner's callbacks publish (`train_loss`, `valid_loss`, `valid_accuracy`, …),
 * `time` (seconds the epoch took) and `wall_time` (when it ended, ISO 8601) — then appends one row
 * after each epoch, so a crash keeps the finished epochs. A metric missing from an epoch (one cut
 * short) is an empty cell. With `append`, rows go after an existing file's, whose header must match.
 */
export class CSVLogger extends Callback {
  /** After the callbacks that publish the epoch's metrics. */
  override order = 30;
  /** The CSV file. */
  readonly path: string;
  /** Whether an existing file is continued rather than replaced. */
  readonly append: boolean;
  /** The column separator. */
  readonly separator: string;
  /** The columns of the last fit. */
  columns: string[] = [];

  constructor(opts: CSVLoggerOptions) {
    super();
    if (!opts || typeof opts.path !== 'string' || !opts.path) throw new TypeError('CSVLogger: path (the CSV file) is required');
    this.path = opts.path;
    this.append = opts.append ?? false;
    this.separator = opts.separator ?? ',';
    if (!this.separator || /["\r\n]/.test(this.separator)) throw new RangeError(`CSVLogger: separator must be a non-empty string without quotes or newlines, got ${JSON.stringify(this.separator)}`);
  }

  override async beginFit(): Promise<void> {
    const names = availableMetrics(this.run).filter((n) => n !== 'epoch' && n !== 'time');
    this.columns = ['epoch', ...names, 'time', 'wall_time'];
    const header = this.line(this.columns);
    await mkdir(path.dirname(path.resolve(this.path)), { recursive: true });
    const existing = this.append ? await readFile(this.path, 'utf8').catch(() => '') : '';
    if (!existing) {
      await writeFile(this.path, `${header}\n`);
      return;
    }
    const first = existing.split('\n', 1)[0];
    if (first !== header) {
      throw new Error(`CSVLogger: ${this.path} has columns '${first}' but this fit logs '${header}' (log to another file, or append: false to start it anew)`);
    }
    if (!existing.endsWith('\n')) await appendFile(this.path, '\n');
  }

  override async afterEpoch(): Promise<void> {
    const m = this.run.epochMetrics;
    const cells = this.columns.map((c) => {
      if (c === 'wall_time') return new Date().toISOString();
      const v = m[c];
      return typeof v === 'number' && !Number.isNaN(v) ? String(v) : '';
    });
    await appendFile(this.path, `${this.line(cells)}\n`);
  }

  private line(cells: string[]): string {
    return cells.map((c) => (c.includes(this.separator) || /["\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c)).join(this.separator);
  }
}
