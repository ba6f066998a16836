// A terminal screen for tests: a grid of cells and a cursor that the bytes written to it move, for
// the control sequences the view's writers use (xterm's meanings, ECMA-48). Colours and links are
// dropped (a cell holds its character); any other escape is an error, so a test cannot pass by
// ignoring a sequence this model does not know. The line discipline's ONLCR is assumed: a newline
// goes to the start of the next row, scrolling at the bottom.

import { Writable } from 'node:stream';

const CSI_RE = /^\x1b\[([?]?)([0-9;:]*)([A-Za-z])/;
const OSC_RE = /^\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)/;

export class Screen {
  /** Rows of cells, top first; a cell is one character, ' ' when blank. */
  readonly cells: string[][];
  row = 0;
  col = 0;
  /** xterm's pending wrap: the last column was written, the next character goes to the next row. */
  private wrapPending = false;
  /** Rows scrolled off the top, oldest first (text, trailing blanks trimmed). */
  readonly scrolledOff: string[] = [];

  constructor(readonly columns: number, readonly rows: number) {
    this.cells = Array.from({ length: rows }, () => this.blankRow());
  }

  /** The screen's text: one string per row, trailing blanks trimmed. */
  text(): string[] {
    return this.cells.map((r) => r.join('').trimEnd());
  }

  write(data: string): void {
    let i = 0;
    while (i < data.length) {
      const ch = data[i]!;
      if (ch === '\x1b') {
        const rest = data.slice(i);
        const osc = OSC_RE.exec(rest);
        if (osc) {
          i += osc[0].length;
          continue;
        }
        const csi = CSI_RE.exec(rest);
        if (!csi) throw new Error(`screen: unknown escape ${JSON.stringify(rest.slice(0, 12))}`);
        this.control(csi[1]!, csi[2]!, csi[3]!);
        i += csi[0].length;
        continue;
      }
      if (ch === '\n') this.newline();
      else if (ch === '\r') {
        this.col = 0;
        this.wrapPending = false;
      } else if (ch < ' ') throw new Error(`screen: unknown control character ${JSON.stringify(ch)}`);
      else this.print(ch);
      i++;
    }
  }

  private control(private_: string, params: string, final: string): void {
    const n = (fallback: number) => {
      const v = Number.parseInt(params.split(';')[0] ?? '', 10);
      return Number.isNaN(v) || v === 0 ? fallback : v;
    };
    if (private_ === '?') {
      if (final === 'h' || final === 'l') return; // modes: cursor visibility, synchronised output, alt screen
      throw new Error(`screen: unknown private sequence ?${params}${final}`);
    }
    switch (final) {
      case 'm':
        return;
      case 'A':
        this.row = Math.max(0, this.row - n(1));
        break;
      case 'B':
        this.row = Math.min(this.rows - 1, this.row + n(1));
        break;
      case 'G':
        this.col = Math.min(this.columns - 1, n(1) - 1);
        break;
      case 'H': {
        const [r, c] = params.split(';').map((p) => Number.parseInt(p, 10));
        this.row = Math.min(this.rows - 1, (r || 1) - 1);
        this.col = Math.min(this.columns - 1, (c || 1) - 1);
        break;
      }
      case 'K': {
        const mode = params === '' ? 0 : Number(params);
        const line = this.cells[this.row]!;
        if (mode === 2) this.cells[this.row] = this.blankRow();
        else if (mode === 0) for (let c = this.col; c < this.columns; c++) line[c] = ' ';
        else throw new Error(`screen: unknown EL mode ${params}`);
        break;
      }
      case 'J': {
        const mode = params === '' ? 0 : Number(params);
        if (mode === 0) {
          for (let c = this.col; c < this.columns; c++) this.cells[this.row]![c] = ' ';
          for (let r = this.row + 1; r < this.rows; r++) this.cells[r] = this.blankRow();
        } else if (mode === 2) {
          for (let r = 0; r < this.rows; r++) this.cells[r] = this.blankRow();
        } else if (mode !== 3) throw new Error(`screen: unknown ED mode ${params}`);
        break;
      }
      case 'L': {
        // IL: blank rows inserted at the cursor's row, the rows below pushed down (the last ones
        // off the screen); the cursor to the first column (VT510 manual).
        const count = Math.min(n(1), this.rows - this.row);
        this.cells.splice(this.row, 0, ...Array.from({ length: count }, () => this.blankRow()));
        this.cells.length = this.rows;
        this.col = 0;
        break;
      }
      case 'M': {
        // DL: rows deleted at the cursor's row, the rows below pulled up, blank rows at the bottom.
        const count = Math.min(n(1), this.rows - this.row);
        this.cells.splice(this.row, count);
        this.cells.push(...Array.from({ length: count }, () => this.blankRow()));
        this.col = 0;
        break;
      }
      default:
        throw new Error(`screen: unknown sequence ${params}${final}`);
    }
    this.wrapPending = false;
  }

  private print(ch: string): void {
    if (this.wrapPending) {
      this.newline();
    }
    this.cells[this.row]![this.col] = ch;
    if (this.col === this.columns - 1) this.wrapPending = true;
    else this.col++;
  }

  private newline(): void {
    this.wrapPending = false;
    this.col = 0;
    if (this.row < this.rows - 1) {
      this.row++;
      return;
    }
    this.scrolledOff.push(this.cells.shift()!.join('').trimEnd());
    this.cells.push(this.blankRow());
  }

  private blankRow(): string[] {
    return Array.from({ length: this.columns }, () => ' ');
  }
}

/**
 * A TTY-like stdout of `columns` x `rows` whose writes go to a Screen: what a view or Ink draws on
 * it can be read back as the terminal would show it. Counts the bytes written (UTF-8).
 */
export class ScreenTty extends Writable {
  readonly isTTY = true;
  readonly screen: Screen;
  bytes = 0;
  private waiters: (() => void)[] = [];

  constructor(readonly columns: number, readonly rows: number) {
    super({ decodeStrings: false });
    this.screen = new Screen(columns, rows);
  }

  override _write(chunk: unknown, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    const text = String(chunk);
    this.bytes += Buffer.byteLength(text);
    this.screen.write(text);
    for (const wake of this.waiters.splice(0)) wake();
    callback();
  }

  /** Resolves once a row of the screen shows `text`; rejects after `timeoutMs` with the screen. */
  async shows(text: string, timeoutMs = 5_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.screen.text().some((r) => r.includes(text))) {
      if (Date.now() >= deadline) throw new Error(`the screen never showed ${JSON.stringify(text)}:\n${this.screen.text().join('\n')}`);
      // The next write, or a look again after 100 ms at the latest.
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 100);
      });
    }
  }
}
