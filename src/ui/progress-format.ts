/**
 * Pure text formatting of the progress display: times, rates, bars, the two bar lines and the
 * per-epoch table. No terminal, no clock, no tensors: everything here is a function of its arguments.
 */

/** `mm:ss` (or `h:mm:ss`), as fastai's table shows times. */
export function formatTime(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const two = (n: number): string => String(n).padStart(2, '0');
  const h = Math.floor(s / 3600);
  return h ? `${h}:${two(Math.floor((s % 3600) / 60))}:${two(s % 60)}` : `${two(Math.floor(s / 60))}:${two(s % 60)}`;
}

/** A remaining time: `mm:ss`, or `--` while it is unknown (`undefined`, NaN, ±Inf). */
export function formatEta(seconds: number | undefined): string {
  return seconds === undefined || !Number.isFinite(seconds) ? '--' : formatTime(seconds);
}

/**
 * A batch rate as tqdm shows it: `12.3 it/s` at one batch a second or more, else the time per
 * batch, `1.52 s/it`; `-- it/s` while unknown.
 */
export function formatRate(perSecond: number | undefined): string {
  if (perSecond === undefined || !Number.isFinite(perSecond) || perSecond <= 0) return '-- it/s';
  if (perSecond >= 1) return `${perSecond >= 100 ? perSecond.toFixed(0) : perSecond.toFixed(perSecond >= 10 ? 1 : 2)} it/s`;
  const per = 1 / perSecond;
  return `${per >= 100 ? per.toFixed(0) : per.toFixed(2)} s/it`;
}

/** Eighths of a cell, for a smooth bar (as tqdm): index k draws k/8 of a cell. */
const EIGHTHS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];

/** A bar of `width` cells filled to `fraction` (clamped to [0, 1]): `█████▌░░░░`. */
export function bar(fraction: number, width: number): string {
  const w = Math.max(0, Math.floor(width));
  const f = Number.isFinite(fraction) ? Math.min(1, Math.max(0, fraction)) : 0;
  const eighths = Math.floor(f * w * 8);
  const full = Math.floor(eighths / 8);
  const part = full < w ? EIGHTHS[eighths % 8] : '';
  return '█'.repeat(full) + part + '░'.repeat(w - full - (part ? 1 : 0));
}

/** `text` cut to at most `width` characters (a terminal line that must not wrap). */
export function fitWidth(text: string, width: number): string {
  return text.length <= width ? text : text.slice(0, Math.max(0, width));
}

/** What one bar line shows. */
export type BarLineParts = {
  /** Left label, e.g. `epoch` or `train`. */
  label: string;
  /** Units done and in all (batches of the loader, or epochs). */
  done: number;
  total: number;
  /** Seconds since the bar started. */
  elapsed: number;
  /** Seconds left, undefined while unknown. */
  eta: number | undefined;
  /** Units per second, undefined while unknown; omitted from the line when `showRate` is false. */
  rate?: number;
  showRate?: boolean;
  /** Trailing text (running metrics). */
  extra?: string;
  /** Width the `done/total` count is right-aligned to, so that the bars of several lines start in one column. */
  countWidth?: number;
  /** Most cells of the bar (to give several lines bars of one length). */
  maxBar?: number;
};

/** Most cells a bar takes, and the fewest it is drawn with (narrower terminals drop the bar). */
export const BAR_MAX = 30;
export const BAR_MIN = 8;

/** The text left and right of the bar. */
function sides(p: BarLineParts): { head: string; tail: string } {
  const digits = String(p.total).length;
  const head = `${p.label} ${`${String(p.done).padStart(digits)}/${p.total}`.padStart(p.countWidth ?? 0)}`;
  const pct = p.total > 0 ? Math.floor((100 * p.done) / p.total) : 0;
  const times = `${formatTime(p.elapsed)}<${formatEta(p.eta)}`;
  const tail = `${String(pct).padStart(3)}% [${p.showRate ? `${times}, ${formatRate(p.rate)}` : times}]${p.extra ? ` ${p.extra}` : ''}`;
  return { head, tail };
}

/** Cells a bar line has room for in `columns` (may be < `BAR_MIN`: then it is drawn without a bar). */
export function barRoom(p: BarLineParts, columns: number): number {
  const { head, tail } = sides(p);
  return Math.max(1, columns - 1) - head.length - tail.length - 2;
}

/**
 * One bar line fitted to `columns - 1` characters (never the last column, so no terminal wraps it):
 * `train  12/16 ██████████████▌░░░░░  75% [00:05<00:02, 2.41 it/s] loss 0.1517 accuracy 0.9530`.
 * The bar takes at most `BAR_MAX` cells (and at most `maxBar`), shrinks to fit, and is dropped below
 * `BAR_MIN`; after that, the end of the line (the metrics) is cut.
 */
export function barLine(p: BarLineParts, columns: number): string {
  const width = Math.max(1, columns - 1);
  const { head, tail } = sides(p);
  const cells = Math.min(BAR_MAX, p.maxBar ?? BAR_MAX, barRoom(p, columns));
  const line = cells >= BAR_MIN ? `${head} ${bar(p.total > 0 ? p.done / p.total : 0, cells)} ${tail}` : `${head} ${tail}`;
  return fitWidth(line, width);
}

/** `loss 0.1517  accuracy 0.9530` from `{ loss: 0.15171, accuracy: 0.95302 }` (4 decimals, as Keras). */
export function formatMetrics(values: Record<string, number>): string {
  return Object.entries(values)
    .map(([k, v]) => `${k} ${Number.isFinite(v) ? (Math.abs(v) >= 1e-3 || v === 0 ? v.toFixed(4) : v.toExponential(2)) : String(v)}`)
    .join('  ');
}

/** fastai's console table: every column at least 8 wide, two spaces apart. */
export class TableFormat {
  private readonly widths: number[];

  constructor(readonly columns: string[]) {
    this.widths = columns.map((c) => Math.max(c.length, 8));
  }

  /** The header line. */
  header(): string {
    return this.line(this.columns);
  }

  /** One row of cells (already formatted), padded under the header. */
  line(cells: string[]): string {
    return cells.map((c, i) => c.padEnd(this.widths[i] ?? 0)).join('  ').trimEnd();
  }
}

/** A table cell for a metric value: 6 decimals as fastai, `-` when missing or not finite. */
export function formatCell(v: number | undefined): string {
  return v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(6);
}
