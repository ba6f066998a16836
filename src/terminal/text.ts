// Untrusted text (container logs, engine messages, inspect values) made safe to draw: one record
// becomes one display line of known width, with nothing in it a terminal would act on.
import stringWidth from 'string-width';

const ESC = '\x1b';
const BEL = '\x07';
/** String Terminator in its 8-bit (C1) form; the 7-bit form is ESC \. */
const ST_C1 = '\u009c';
const TAB_STOP = 8;

const segmenter = new Intl.Segmenter();
/** How long a piece of text is given to Intl.Segmenter at once. */
const PIECE = 256;

/** True when `at` falls between two ASCII characters other than CR LF: always a grapheme boundary (UAX #29). */
function asciiBoundary(text: string, at: number): boolean {
  return text.charCodeAt(at - 1) < 0x80 && text.charCodeAt(at) < 0x80 && !(text[at - 1] === '\r' && text[at] === '\n');
}

/**
 * The grapheme clusters (user-perceived characters, UAX #29) of `text`, in order. Intl.Segmenter
 * takes time growing with the square of a string's length (Node 20: 2.6 s for 60,000 characters),
 * so text is segmented in pieces of about 256 characters, cut between two ASCII characters
 * (a run of over 1,024 characters without such a place is cut anyway, which may split one
 * cluster there); ASCII-only pieces need no segmenter at all.
 */
export function* graphemesOf(text: string): Generator<string> {
  for (let from = 0; from < text.length;) {
    let to = Math.min(text.length, from + PIECE);
    while (to < text.length && to < from + PIECE * 4 && !asciiBoundary(text, to)) to++;
    const piece = text.slice(from, to);
    if (/^[\x00-\x7f]*$/.test(piece)) {
      for (let i = 0; i < piece.length; i++) yield piece[i] === '\r' && piece[i + 1] === '\n' ? piece.slice(i, ++i + 1) : piece[i]!;
    } else {
      for (const { segment } of segmenter.segment(piece)) yield segment;
    }
    from = to;
  }
}

const widths = new Map<string, number>();

/**
 * The display columns of one grapheme cluster, as Ink counts them (`string-width`: 2 for wide East
 * Asian characters and emoji, 0 for marks and format characters). Remembered per cluster, since
 * measuring one costs microseconds and a log is mostly the same few characters.
 */
export function graphemeWidth(g: string): number {
  if (g.length === 1 && g >= ' ' && g < '\x7f') return 1;
  let w = widths.get(g);
  if (w === undefined) {
    if (widths.size >= 4096) widths.clear();
    w = stringWidth(g);
    widths.set(g, w);
  }
  return w;
}

/**
 * One log record (one line of output, without its `\n`) as the one line a terminal would show.
 *
 * - ANSI/VT escape sequences are removed (ECMA-48: CSI `ESC [ … final`, OSC `ESC ] … BEL|ST`,
 *   the DCS/SOS/PM/APC strings `ESC P|X|^|_ … ST`, nF sequences `ESC SP-/ … final`, two-byte
 *   `ESC 0-~`, and the 8-bit C1 introducers of each). A sequence cut short is not removed: its ESC
 *   is shown as `^[`, the rest as text.
 * - `\r` returns to column 0: later text overwrites earlier text column by column, as on a
 *   terminal, so `progress 10%\rprogress 100%` reads `progress 100%`.
 * - A tab moves to the next multiple of 8 columns (the terminal default), over blanks.
 * - Every other C0 control and DEL is shown in caret notation (`^[`, `^H`, `^?`); C1 controls as
 *   `?`; zero-width characters standing alone (bidi overrides, stray joiners) are dropped.
 *
 * The result may be wider than the terminal: cut it with {@link fitWidth}.
 */
export function displayLine(record: string): string {
  return layOut(withoutEscapeSequences(record));
}

/**
 * The records of a block of output (split on `\n`; empty records at the end are dropped) through
 * {@link displayLine}; only the `last` ones when given, so a long tail costs only what is shown.
 */
export function displayLines(text: string, last = Infinity): string[] {
  const records = text.split('\n');
  while (records.length > 0 && records[records.length - 1]!.replace(/\r/g, '') === '') records.pop();
  return (last < records.length ? records.slice(records.length - Math.max(0, last)) : records).map(displayLine);
}

/**
 * A display line cut to at most `columns` display columns, ending in `…` when cut (`…` is one
 * column). Expects a line from {@link displayLine}: controls would not be counted.
 */
export function fitWidth(line: string, columns: number, ellipsis = '…'): string {
  if (columns <= 0) return '';
  const room = columns - stringWidth(ellipsis);
  let used = 0;
  let kept = '';
  for (const segment of graphemesOf(line)) {
    used += graphemeWidth(segment);
    if (used > columns) return kept + ellipsis;
    if (used <= room) kept += segment;
  }
  return line;
}

/** Untrusted text made single-line and cut to `columns`: {@link displayLine} then {@link fitWidth}. */
export function displayFit(record: string, columns: number): string {
  return fitWidth(displayLine(record), columns);
}

// ---- escape sequences ----------------------------------------------------------------------

const inRange = (ch: string | undefined, lo: number, hi: number) => ch !== undefined && ch.charCodeAt(0) >= lo && ch.charCodeAt(0) <= hi;

/**
 * Where the escape sequence starting at `at` ends (the index after it), or undefined when there is
 * no complete sequence there. `at` holds ESC or an 8-bit C1 introducer.
 */
function sequenceEnd(text: string, at: number): number | undefined {
  const first = text[at]!;
  let kind: string;
  let i: number;
  if (first === ESC) {
    const next = text[at + 1];
    if (next === undefined) return undefined;
    kind = next;
    i = at + 2;
    // nF: intermediates (SP to /) then one final byte (0 to ~), e.g. ESC ( B.
    if (inRange(next, 0x20, 0x2f)) {
      while (inRange(text[i], 0x20, 0x2f)) i++;
      return inRange(text[i], 0x30, 0x7e) ? i + 1 : undefined;
    }
    if (!'[]PX^_'.includes(next)) return inRange(next, 0x30, 0x7e) ? i : undefined;
  } else {
    // The 8-bit forms: CSI, OSC, DCS, SOS, PM, APC.
    kind = { '\u009b': '[', '\u009d': ']', '\u0090': 'P', '\u0098': 'X', '\u009e': '^', '\u009f': '_' }[first] ?? '';
    if (!kind) return undefined;
    i = at + 1;
  }
  if (kind === '[') {
    // CSI: parameter bytes (0 to ?), intermediate bytes (SP to /), one final byte (@ to ~).
    while (inRange(text[i], 0x30, 0x3f)) i++;
    while (inRange(text[i], 0x20, 0x2f)) i++;
    return inRange(text[i], 0x40, 0x7e) ? i + 1 : undefined;
  }
  // A control string runs to ST (OSC may also end with BEL); any other ESC or C1 control cuts it
  // short (so each scan stops at the next introducer, and a line is read in linear time).
  for (; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === ST_C1 || (ch === BEL && kind === ']')) return i + 1;
    if (ch === ESC) return text[i + 1] === '\\' ? i + 2 : undefined;
    if (inRange(ch, 0x80, 0x9f)) return undefined;
  }
  return undefined;
}

const INTRODUCERS = /[\x1b\u0090\u0098\u009b\u009d\u009e\u009f]/g;

/** The text without its complete escape sequences; a sequence cut short stays, to be shown as text. */
function withoutEscapeSequences(text: string): string {
  if (!/[\x1b\u0080-\u009f]/.test(text)) return text;
  let out = '';
  let from = 0;
  INTRODUCERS.lastIndex = 0;
  for (let m = INTRODUCERS.exec(text); m; m = INTRODUCERS.exec(text)) {
    const end = sequenceEnd(text, m.index);
    if (end === undefined) continue;
    out += text.slice(from, m.index);
    from = end;
    INTRODUCERS.lastIndex = end;
  }
  return out + text.slice(from);
}

// ---- the line as a row of cells ------------------------------------------------------------

/** The cell after a wide character's first column: it holds nothing of its own. */
const WIDE_TAIL = '';

/** Caret notation for a C0 control or DEL: ESC -> ^[, BS -> ^H, DEL -> ^?. */
function caret(code: number): string {
  return `^${String.fromCharCode(code ^ 0x40)}`;
}

/** Writes graphemes into a row of cells the way a terminal's cursor does. */
function layOut(text: string): string {
  const cells: (string | undefined)[] = [];
  let col = 0;
  // Overwriting half of a wide character blanks its other half, as terminals do.
  const clear = (c: number) => {
    if (cells[c] === WIDE_TAIL) {
      let head = c - 1;
      while (cells[head] === WIDE_TAIL) head--;
      for (let k = head; k < c; k++) cells[k] = ' ';
    }
    for (let k = c + 1; cells[k] === WIDE_TAIL; k++) cells[k] = ' ';
  };
  const put = (g: string, width: number) => {
    for (let k = 0; k < width; k++) clear(col + k);
    for (let k = cells.length; k < col; k++) cells[k] = ' ';
    cells[col] = g;
    for (let k = 1; k < width; k++) cells[col + k] = WIDE_TAIL;
    col += width;
  };
  const putText = (s: string) => {
    for (const ch of s) put(ch, 1);
  };
  for (const segment of graphemesOf(text)) {
    const code = segment.charCodeAt(0);
    if (segment === '\t') col = (Math.floor(col / TAB_STOP) + 1) * TAB_STOP;
    else if (segment === '\r') col = 0;
    else if (segment === '\r\n') {
      col = 0;
      putText(caret(0x0a));
    } else if (code < 0x20 || code === 0x7f) putText(caret(code));
    else if (code >= 0x80 && code <= 0x9f) putText('?');
    else {
      const width = graphemeWidth(segment);
      if (width > 0) put(segment, width);
    }
  }
  return cells.map((c) => c ?? ' ').join('');
}
