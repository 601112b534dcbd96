/**
 * The progress display as HTML (fastprogress' layout): the bars on top — an HTML `<progress>`
 * element and the bar's text, tqdm's numbers — then the table of finished epochs, then any
 * messages. Plain HTML with inline styles only, so it reads the same in JupyterLab, VS Code and on a
 * repository's page.
 */
import { barLine, formatMetrics } from './progress-format.js';
import type { ProgressBar, ProgressSnapshot } from './progress-renderer.js';

/** Everything the display shows at one moment. */
export type ProgressHtmlState = {
  /** The bars as they stand (none before the first redraw). */
  readonly now: ProgressSnapshot | undefined;
  /** The table's columns. */
  readonly columns: readonly string[];
  /** The finished epochs' rows, cells formatted. */
  readonly rows: readonly (readonly string[])[];
  /** Messages of the fit, in order. */
  readonly messages: readonly string[];
};

/** Escape text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** One bar: `<progress>` and its text (`train 5/16  31% [00:01<00:04, 2.41 it/s] loss 0.1472`) on one line. */
function barHtml(b: ProgressBar, text: string): string {
  const max = Math.max(1, b.total);
  const value = Math.min(max, Math.max(0, b.done));
  return `<div><progress value="${value}" max="${max}" style="width:300px;height:1em;vertical-align:middle;margin-right:0.5em"></progress><code>${escapeHtml(text)}</code></div>`;
}

/** The bars of `now`: the epoch bar, and the batch bar during a phase. */
function barsHtml(now: ProgressSnapshot | undefined): string {
  if (!now) return '';
  const wide = Number.MAX_SAFE_INTEGER; // no width to fit: the text without a drawn bar
  const out = [barHtml(now.epoch, barLine({ ...now.epoch, maxBar: 0 }, wide))];
  const b = now.batch;
  if (b) out.push(barHtml(b, barLine({ label: b.label, done: b.done, total: b.total, elapsed: b.elapsed, eta: b.eta, rate: b.rate, showRate: true, extra: formatMetrics(b.metrics), maxBar: 0 }, wide)));
  return out.join('');
}

/** The table of finished epochs (header only until the first epoch ends; nothing without columns). */
function tableHtml(columns: readonly string[], rows: readonly (readonly string[])[]): string {
  if (!columns.length) return '';
  const cell = (tag: 'th' | 'td', text: string): string => `<${tag} style="text-align:left;padding:0.1em 0.8em">${escapeHtml(text)}</${tag}>`;
  const head = `<thead><tr>${columns.map((c) => cell('th', c)).join('')}</tr></thead>`;
  const body = rows.map((r) => `<tr>${columns.map((_, i) => cell('td', r[i] ?? '')).join('')}</tr>`).join('');
  return `<table class="tfai-progress-table" style="border-collapse:collapse">${head}<tbody>${body}</tbody></table>`;
}

/** The whole display as one HTML fragment. */
export function progressHtml(s: ProgressHtmlState): string {
  const messages = s.messages.length ? `<pre style="margin:0.3em 0">${escapeHtml(s.messages.join('\n'))}</pre>` : '';
  return `<div class="tfai-progress">${barsHtml(s.now)}${tableHtml(s.columns, s.rows)}${messages}</div>`;
}
