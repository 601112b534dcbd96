/** `CSVLogger`: one CSV row per epoch with the named epoch metrics (Keras' and fastai's `CSVLogger`). */
import * as fs from '../platform/fs.js';
import * as path from '../platform/path.js';
import { Callback } from '../core/callback.js';
import { availableMetrics } from './monitor.js';
import { fsFailure } from '../io/fs-errors.js';
import { makeDir } from '../io/make-dir.js';
import { writeFileAtomic } from '../io/atomic-write.js';

/** Options of `CSVLogger`. */
export type CSVLoggerOptions = {
  /** The CSV file (its directory is created if needed). */
  path: string;
  /**
   * Add rows to an existing file instead of starting a new one. Default: start anew, except when
   * the fit resumes from a checkpoint — then the file is continued after the rows of the epochs the
   * checkpoint covers. `false` on a resumed fit is refused (it would overwrite those rows).
   */
  append?: boolean;
  /** Column separator (default `,`). */
  separator?: string;
  /** Where the notice of a continued file goes (default `console.log`). */
  log?: (line: string) => void;
};

/** CSV files being written by a fit in this process, by resolved path. */
const filesInUse = new Set<string>();

/**
 * `new CSVLogger({ path: 'history.csv' })`: writes a header at the start of the fit — `epoch`, every
 * epoch metric the runner's callbacks publish (`train_loss`, `valid_loss`, `valid_accuracy`, …),
 * `time` (seconds the epoch took) and `wall_time` (when it ended, ISO 8601) — then appends one row
 * after each epoch, so a crash keeps the finished epochs. A metric missing from an epoch (one cut
 * short) is an empty cell. With `append`, rows go after an existing file's, whose header must match.
 *
 * A path that cannot be written (a folder, a path through a file, a read-only disk) fails at
 * `beginFit`, naming it and why; a write that fails later (a full disk) names the file. Two loggers
 * on one file at once (in one fit or two) are refused. A resumed fit continues the file.
 */
export class CSVLogger extends Callback {
  /** After the callbacks that publish the epoch's metrics. */
  override order = 30;
  /** The CSV file. */
  readonly path: string;
  /** The `append` option as given (undefined: start anew, or continue when the fit resumes). */
  readonly append: boolean | undefined;
  /** The column separator. */
  readonly separator: string;
  /** The columns of the last fit. */
  columns: string[] = [];
  private claimed: string | null = null;
  private readonly log: (line: string) => void;

  constructor(opts: CSVLoggerOptions) {
    super();
    if (!opts || typeof opts.path !== 'string' || !opts.path) throw new TypeError('CSVLogger: path (the CSV file) is required');
    this.path = opts.path;
    this.append = opts.append;
    this.separator = opts.separator ?? ',';
    if (!this.separator || /["\r\n]/.test(this.separator)) throw new RangeError(`CSVLogger: separator must be a non-empty string without quotes or newlines, got ${JSON.stringify(this.separator)}`);
    this.log = opts.log ?? ((l) => console.log(l));
  }

  override async beginFit(): Promise<void> {
    const names = availableMetrics(this.run).filter((n) => n !== 'epoch' && n !== 'time');
    this.columns = ['epoch', ...names, 'time', 'wall_time'];
    const header = this.line(this.columns);
    const resumed = this.run.control.resumedFrom !== null;
    if (resumed && this.append === false) {
      throw new Error(`CSVLogger: this fit resumes from a checkpoint, but append: false would overwrite the rows '${this.path}' holds of the earlier epochs; leave append unset (or true) to continue the file, or log to another path`);
    }
    this.claim();
    await makeDir(path.dirname(path.resolve(this.path)), 'CSVLogger', 'folder of the log file');
    const existing = this.append || resumed ? await this.readExisting() : '';
    if (!existing) {
      await this.writing('writing the header of', () => fs.writeFile(this.path, `${header}\n`));
      return;
    }
    const first = existing.split('\n', 1)[0];
    if (first !== header) {
      throw new Error(`CSVLogger: ${this.path} has columns '${first}' but this fit logs '${header}' (log to another file, or append: false to start it anew)`);
    }
    if (resumed) await this.continueAt(existing, this.run.position.epoch);
    else await this.writing('appending to', () => fs.appendFile(this.path, existing.endsWith('\n') ? '' : '\n'));
  }

  override async afterEpoch(): Promise<void> {
    const m = this.run.epochMetrics;
    const cells = this.columns.map((c) => {
      if (c === 'wall_time') return new Date().toISOString();
      const v = m[c];
      return typeof v === 'number' && !Number.isNaN(v) ? String(v) : '';
    });
    await this.writing('appending a row to', () => fs.appendFile(this.path, `${this.line(cells)}\n`));
  }

  /** The fit is over (done or failed): the file is free for another logger. */
  override afterFit(): void {
    if (this.claimed) filesInUse.delete(this.claimed);
    this.claimed = null;
  }

  private claim(): void {
    const key = path.resolve(this.path);
    if (this.claimed === key) return;
    if (filesInUse.has(key)) throw new Error(`CSVLogger: '${this.path}' is already being written by another CSVLogger (two loggers on one file would write every row twice); give each its own path`);
    filesInUse.add(key);
    this.claimed = key;
  }

  /** The existing file's text ('' when there is none); a file that cannot be read or written fails naming it. */
  private async readExisting(): Promise<string> {
    const text = await fs.readFile(this.path, 'utf8').catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return '';
      throw fsFailure('CSVLogger: reading the log file', this.path, e);
    });
    if (text) await this.writing('opening for appending', async () => (await fs.open(this.path, 'a')).close()); // writable?
    return text;
  }

  /** A resumed fit at `epoch`: keep the rows of earlier epochs, drop later ones (written after the checkpoint). */
  private async continueAt(existing: string, epoch: number): Promise<void> {
    const [head, ...rows] = existing.split('\n').filter((l) => l.length > 0);
    const kept = rows.filter((r) => {
      const e = Number(r.split(this.separator, 1)[0]);
      return !Number.isInteger(e) || e < epoch;
    });
    const dropped = rows.length - kept.length;
    if (dropped) await this.writing('rewriting', () => writeFileAtomic(this.path, [head, ...kept].map((l) => `${l}\n`).join('')));
    else if (!existing.endsWith('\n')) await this.writing('appending to', () => fs.appendFile(this.path, '\n'));
    const span = epoch > 0 ? `after its rows of epochs 0–${epoch - 1}` : 'from its header';
    this.log(`CSVLogger: the fit resumes at epoch ${epoch}: continuing '${this.path}' ${span}${dropped ? ` (${dropped} later row${dropped > 1 ? 's' : ''} removed)` : ''}`);
  }

  /** Run a write of the log file; a failure names the callback, the file and why. */
  private async writing(doing: string, write: () => Promise<unknown>): Promise<void> {
    try {
      await write();
    } catch (e) {
      throw fsFailure(`CSVLogger: ${doing}`, this.path, e);
    }
  }

  private line(cells: string[]): string {
    return cells.map((c) => (c.includes(this.separator) || /["\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c)).join(this.separator);
  }
}
