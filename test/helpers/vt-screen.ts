/**
 * A small VT100/xterm screen for tests of terminal output: feed it what a program wrote and read
 * back what a terminal would show. Knows printable text with xterm's deferred auto-wrap, CR, LF (as
 * a tty sends it, i.e. CR LF), BS, TAB, and the CSI sequences cursor up/down/left/right, column,
 * position, erase in line, erase in display, SGR and cursor show/hide. Anything else throws, so a
 * program that writes something this screen does not understand fails its test instead of passing
 * by accident.
 */
export class VTScreen {
  /** Lines scrolled off the top, oldest first. */
  readonly scrollback: string[] = [];
  private readonly grid: string[][];
  private row = 0;
  private col = 0;
  private pendingWrap = false;

  constructor(
    readonly cols: number,
    readonly rows: number,
  ) {
    this.grid = Array.from({ length: rows }, () => this.blank());
  }

  /** Interpret `text`. */
  feed(text: string): void {
    for (let i = 0; i < text.length; i++) {
      const ch = text[i];
      if (ch === '\x1b') {
        i = this.escape(text, i);
        continue;
      }
      if (ch === '\r') this.cr();
      else if (ch === '\n') {
        this.cr();
        this.lf();
      } else if (ch === '\b') {
        this.col = Math.max(0, this.col - 1);
        this.pendingWrap = false;
      } else if (ch === '\t') this.col = Math.min(this.cols - 1, (Math.floor(this.col / 8) + 1) * 8);
      else if (ch < ' ' || ch === '\x7f') throw new Error(`VTScreen: control character ${JSON.stringify(ch)} at ${i}`);
      else this.put(ch);
    }
  }

  /** The visible screen, one string per row, trailing spaces removed. */
  screen(): string[] {
    return this.grid.map((r) => r.join('').trimEnd());
  }

  /** Scrollback then screen, with the trailing empty rows dropped: everything the terminal shows, top to bottom. */
  lines(): string[] {
    const all = [...this.scrollback, ...this.screen()];
    while (all.length && all[all.length - 1] === '') all.pop();
    return all;
  }

  /** The cursor's row on the screen and column (0-based). */
  get cursor(): { row: number; col: number } {
    return { row: this.row, col: this.col };
  }

  private blank(): string[] {
    return Array.from({ length: this.cols }, () => ' ');
  }

  private put(ch: string): void {
    if (this.pendingWrap) {
      this.cr();
      this.lf();
    }
    this.grid[this.row][this.col] = ch;
    if (this.col === this.cols - 1) this.pendingWrap = true;
    else this.col++;
  }

  private cr(): void {
    this.col = 0;
    this.pendingWrap = false;
  }

  private lf(): void {
    this.pendingWrap = false;
    if (this.row < this.rows - 1) {
      this.row++;
      return;
    }
    const top = this.grid.shift();
    this.scrollback.push((top ?? []).join('').trimEnd());
    this.grid.push(this.blank());
  }

  /** Interpret the escape sequence starting at `text[i]` (ESC); returns the index of its last character. */
  private escape(text: string, i: number): number {
    const m = /^\x1b\[(\??)([0-9;]*)([A-Za-z])/.exec(text.slice(i, i + 32));
    if (!m) throw new Error(`VTScreen: unsupported escape sequence ${JSON.stringify(text.slice(i, i + 8))}`);
    const [all, priv, params, final] = m;
    const nums = params === '' ? [] : params.split(';').map((p) => (p === '' ? 0 : Number(p)));
    const n = Math.max(1, nums[0] ?? 1);
    if (priv) {
      if (!['25', '7'].includes(params) || !'hl'.includes(final)) throw new Error(`VTScreen: unsupported private sequence ${JSON.stringify(all)}`);
      return i + all.length - 1;
    }
    this.pendingWrap = false;
    switch (final) {
      case 'A':
        this.row = Math.max(0, this.row - n);
        break;
      case 'B':
        this.row = Math.min(this.rows - 1, this.row + n);
        break;
      case 'C':
        this.col = Math.min(this.cols - 1, this.col + n);
        break;
      case 'D':
        this.col = Math.max(0, this.col - n);
        break;
      case 'G':
        this.col = Math.min(this.cols - 1, n - 1);
        break;
      case 'H':
      case 'f':
        this.row = Math.min(this.rows - 1, Math.max(1, nums[0] ?? 1) - 1);
        this.col = Math.min(this.cols - 1, Math.max(1, nums[1] ?? 1) - 1);
        break;
      case 'K':
        this.eraseInLine(nums[0] ?? 0);
        break;
      case 'J':
        this.eraseInDisplay(nums[0] ?? 0);
        break;
      case 'm':
        break;
      default:
        throw new Error(`VTScreen: unsupported sequence ${JSON.stringify(all)}`);
    }
    return i + all.length - 1;
  }

  private eraseInLine(mode: number): void {
    const line = this.grid[this.row];
    const [from, to] = mode === 0 ? [this.col, this.cols] : mode === 1 ? [0, this.col + 1] : [0, this.cols];
    for (let c = from; c < to; c++) line[c] = ' ';
  }

  private eraseInDisplay(mode: number): void {
    if (mode === 0 || mode === 2) {
      this.eraseInLine(mode === 0 ? 0 : 2);
      for (let r = this.row + 1; r < this.rows; r++) this.grid[r] = this.blank();
    }
    if (mode === 1 || mode === 2) {
      this.eraseInLine(1);
      for (let r = 0; r < this.row; r++) this.grid[r] = this.blank();
    }
  }
}
