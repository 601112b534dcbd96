/**
 * Progress in a web page: the epoch bar and the batch bar as `<progress>` elements with their
 * numbers (fastprogress' layout), the per-epoch table under them, then the fit's messages — drawn
 * into an element of the page and redrawn in place. A `ProgressCallback` given no renderer uses it
 * in any page (a `document`): into the element with id `tfai-progress` when the page has one, else
 * into a new element at the end of the page's body, one per fit.
 */
import { formatEta, formatMetrics, formatRate, formatTime } from './progress-format.js';
import type { ProgressBar, ProgressFit, ProgressRenderer, ProgressSnapshot } from './progress-renderer.js';

/** The id of the element a page renderer draws into by default. */
export const PAGE_PROGRESS_ID = 'tfai-progress';

/** Whether the code runs in a page (a `document`; not Node, not a worker). */
export function inPage(): boolean {
  return pageDocument() !== undefined;
}

/** A page's document, or undefined outside a page (Node, a worker). */
function pageDocument(): Document | undefined {
  const d = (globalThis as { document?: Document }).document;
  return d && typeof d.createElement === 'function' ? d : undefined;
}

/** `new PageRenderer(element)`: progress drawn into `element` (by default, see the file's comment). */
export class PageRenderer implements ProgressRenderer {
  /** The page redraws its bars. */
  readonly live = true;
  private readonly root: HTMLElement;
  private readonly bars: HTMLElement;
  private readonly table: HTMLTableElement;
  private readonly messages: HTMLElement;

  /**
   * @param target the element to draw into (its content is replaced at each fit's `begin`);
   *   default: the page's `#tfai-progress`, else a new element appended to the body.
   */
  constructor(target?: HTMLElement) {
    const doc = target?.ownerDocument ?? pageDocument();
    if (!doc) throw new Error('PageRenderer: there is no page here (no document); use the terminal renderer');
    this.root = target ?? doc.getElementById(PAGE_PROGRESS_ID) ?? doc.body.appendChild(doc.createElement('div'));
    this.root.classList.add('tfai-progress');
    this.bars = doc.createElement('div');
    this.table = doc.createElement('table');
    this.messages = doc.createElement('pre');
    this.table.style.borderCollapse = 'collapse';
    this.messages.style.margin = '0.3em 0';
  }

  begin(fit: ProgressFit): void {
    const doc = this.root.ownerDocument;
    this.bars.replaceChildren();
    this.messages.replaceChildren();
    const head = doc.createElement('thead');
    head.append(this.row('th', fit.columns));
    this.table.replaceChildren(head, doc.createElement('tbody'));
    this.root.replaceChildren(this.bars, this.table, this.messages);
  }

  update(now: ProgressSnapshot): void {
    const lines: [ProgressBar, string][] = [[now.epoch, `${now.epoch.label} ${this.counts(now.epoch)}`]];
    const b = now.batch;
    if (b) {
      const metrics = formatMetrics(b.metrics);
      lines.push([b, `${b.label} ${this.counts(b)} ${formatRate(b.rate)}${metrics ? `  ${metrics}` : ''}`]);
    }
    const doc = this.root.ownerDocument;
    this.bars.replaceChildren(
      ...lines.map(([bar, text]) => {
        const line = doc.createElement('div');
        const p = doc.createElement('progress');
        p.max = Math.max(1, bar.total);
        p.value = Math.min(p.max, Math.max(0, bar.done));
        p.style.cssText = 'width:300px;height:1em;vertical-align:middle;margin-right:0.5em';
        const code = doc.createElement('code');
        code.textContent = text;
        line.append(p, code);
        return line;
      }),
    );
  }

  epochRow(cells: readonly string[], now: ProgressSnapshot): void {
    this.table.tBodies[0]?.append(this.row('td', cells));
    this.update(now);
  }

  message(line: string): void {
    this.messages.append(`${this.messages.childNodes.length ? '\n' : ''}${line}`);
  }

  end(now: ProgressSnapshot): void {
    this.update(now);
  }

  /** `5/16 [00:01<00:04]`: units done of all, elapsed and left. */
  private counts(b: ProgressBar): string {
    return `${b.done}/${b.total} [${formatTime(b.elapsed)}<${formatEta(b.eta)}]`;
  }

  private row(tag: 'th' | 'td', cells: readonly string[]): HTMLTableRowElement {
    const doc = this.root.ownerDocument;
    const tr = doc.createElement('tr');
    for (const c of cells) {
      const cell = doc.createElement(tag);
      cell.textContent = c;
      cell.style.cssText = 'text-align:left;padding:0.1em 0.8em';
      tr.append(cell);
    }
    return tr;
  }
}
