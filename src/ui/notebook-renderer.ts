/**
 * Training progress in a notebook: one HTML output of the running cell (`progressHtml`), replaced in
 * place at every redraw through the kernel's display id — no terminal control characters, and the
 * saved notebook keeps the final table (fastprogress' display).
 */
import type { NotebookDisplay, NotebookKernel } from './notebook-kernel.js';
import { progressHtml } from './progress-html.js';
import type { ProgressFit, ProgressRenderer, ProgressSnapshot } from './progress-renderer.js';

/** A `ProgressRenderer` that draws into one output of the running notebook cell. */
export class NotebookRenderer implements ProgressRenderer {
  /** The bars are redrawn in place. */
  readonly live = true;
  private out: NotebookDisplay | null = null;
  private columns: readonly string[] = [];
  private rows: (readonly string[])[] = [];
  private messages: string[] = [];
  private now: ProgressSnapshot | undefined;

  constructor(private readonly kernel: NotebookKernel) {}

  begin(fit: ProgressFit): void {
    this.out = this.kernel.newDisplay();
    this.columns = [...fit.columns];
    this.rows = [];
    this.messages = [];
    this.now = undefined;
    this.render();
  }

  update(now: ProgressSnapshot): void {
    this.now = now;
    this.render();
  }

  epochRow(cells: readonly string[], now: ProgressSnapshot): void {
    this.rows.push([...cells]);
    this.now = now;
    this.render();
  }

  message(line: string, now: ProgressSnapshot | undefined): void {
    if (!this.out) {
      this.kernel.display.text(`${line}\n`);
      return;
    }
    this.messages.push(line);
    if (now) this.now = now;
    this.render();
  }

  end(now: ProgressSnapshot): void {
    this.now = now;
    this.render();
    this.out = null;
  }

  private render(): void {
    this.out?.html(progressHtml({ now: this.now, columns: this.columns, rows: this.rows, messages: this.messages }));
  }
}
