/**
 * A block of lines redrawn in place at the bottom of a terminal (the progress bars), with permanent
 * lines (table rows, messages) printed above it. Plain ANSI/VT100: cursor up, erase line, erase below.
 */

/** Erase from the cursor to the end of the screen. */
const ERASE_BELOW = '\x1b[J';

/** What `LiveLines` writes to: a terminal stream. */
export type LineSink = { write(chunk: string): unknown };

/**
 * `new LiveLines(process.stdout)`: `draw(lines)` replaces the block, `print(text, lines)` adds a
 * permanent line above it, `close(lines)` leaves `lines` as ordinary output.
 *
 * Every write first goes back to the block's first line and erases everything from there down, so
 * a shorter line never keeps the end of a longer one, and a long printed line that wraps lands on
 * erased rows. Lines of the block must fit the terminal width (a wrapped block line would break the
 * count of rows to move up); lines printed above may be of any length. The cursor stays at the end
 * of the block's last line, as tqdm leaves it. (A terminal made narrower while the block is shown
 * re-wraps it, and the next redraw then leaves a stale copy above, as with tqdm.)
 */
export class LiveLines {
  /** Lines of the block now on screen. */
  private shown = 0;

  constructor(private readonly sink: LineSink) {}

  /** Replace the block with `lines`. */
  draw(lines: readonly string[]): void {
    this.sink.write(this.rewind() + this.block(lines));
  }

  /** Print `text` (one or more lines) permanently above the block, then redraw the block as `lines`. */
  print(text: string, lines: readonly string[]): void {
    this.sink.write(`${this.rewind()}${ERASE_BELOW}${text}\n${this.block(lines)}`);
  }

  /** Draw `lines` one last time as ordinary output and end on a fresh line; the block is then empty. */
  close(lines: readonly string[]): void {
    this.sink.write(this.rewind() + this.block(lines) + (lines.length ? '\n' : ''));
    this.shown = 0;
  }

  /** Back to the start of the block's first line. */
  private rewind(): string {
    if (this.shown === 0) return '';
    return `\r${this.shown > 1 ? `\x1b[${this.shown - 1}A` : ''}`;
  }

  /** Erase from the cursor down, then write the block's lines. */
  private block(lines: readonly string[]): string {
    this.shown = lines.length;
    return ERASE_BELOW + lines.join('\n');
  }
}
