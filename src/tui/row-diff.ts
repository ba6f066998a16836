// What the view writes to the terminal: only the rows of a frame that changed. Ink (incremental
// rendering off, see render-options.ts) writes each frame whole, after erasing the last one; over
// SSH from a jump host that is the whole screen for one changed row. A stdout placed between Ink
// and the terminal recognises those writes and, when it knows what the screen shows, writes
// instead the moves and rows that turn the last frame into the new one, leaving the cursor where
// Ink's own write would have (the start of the row below the frame), so Ink's next erase still
// fits. Anything else Ink writes (a clear, a resize redraw, a frame as tall as the terminal) goes
// through unchanged, and the next frame is then written whole.

import stringWidth from 'string-width';

const CSI = '\x1b[';
/** ansi-escapes' eraseLine + cursorUp(), repeated by its eraseLines(count) (Ink's erase of a frame). */
const ERASE_UP = `${CSI}2K${CSI}1A`;
/** What ends ansi-escapes' eraseLines(count): the last eraseLine, then cursorLeft. */
const ERASE_END = `${CSI}2K${CSI}G`;
/** Writes that change no cell: cursor hide and show, synchronised-update brackets (Ink's bsu, esu). */
const NEUTRAL = new Set([`${CSI}?25l`, `${CSI}?25h`, `${CSI}?2026h`, `${CSI}?2026l`]);
/** SGR (colours, bold) and OSC 8 hyperlinks: the only escapes a row of a frame may hold. */
const ROW_STYLE = /\x1b\[[0-9;:]*m|\x1b\]8;[^\x07\x1b]*(?:\x07|\x1b\\)/g;

/** One of Ink's frame writes: how many rows it erases first, and the frame's rows. */
export interface FrameWrite {
  /** The count given to eraseLines: the previous frame's rows plus the row the cursor was on. */
  erased: number;
  rows: string[];
}

/**
 * Reads a write as Ink's standard log-update makes it for a frame shorter than the terminal:
 * eraseLines(n) (none for the first frame), then the frame, ending in a newline. Undefined for
 * anything else, including a frame holding an escape other than SGR or an OSC 8 link, or a
 * carriage return: such a write is not a plain grid of rows.
 */
export function readFrameWrite(data: string): FrameWrite | undefined {
  let erased = 0;
  let at = 0;
  while (data.startsWith(ERASE_UP, at)) {
    erased++;
    at += ERASE_UP.length;
  }
  if (data.startsWith(ERASE_END, at)) {
    erased++;
    at += ERASE_END.length;
  } else if (erased > 0) {
    return undefined;
  }
  const body = data.slice(at);
  if (!body.endsWith('\n')) return undefined;
  const plain = body.replace(ROW_STYLE, '');
  if (plain.includes('\x1b') || plain.includes('\r')) return undefined;
  return { erased, rows: body.slice(0, -1).split('\n') };
}

/** A block of rows that moved up by `by` rows: rows `from`..`to` of the next frame were `by` rows lower. */
interface Scroll {
  from: number;
  to: number;
  by: number;
}

/** The shortest scroll worth doing: fewer moved rows cost more in escapes than they save. */
const MIN_SCROLLED_ROWS = 3;
/** The furthest shift looked for (a logs pane gains a few lines a frame). */
const MAX_SCROLL = 12;

/**
 * The longest run of rows of `next` that are rows of `previous` moved up by the same count (a
 * scrolling logs pane), when it is at least MIN_SCROLLED_ROWS rows that changed; else undefined.
 */
export function findScroll(previous: readonly string[], next: readonly string[]): Scroll | undefined {
  let best: Scroll | undefined;
  for (let by = 1; by <= Math.min(MAX_SCROLL, previous.length - 1); by++) {
    let start = -1;
    for (let i = 0; i <= next.length; i++) {
      const moved = i < next.length && i + by < previous.length && next[i] === previous[i + by] && next[i] !== previous[i];
      if (moved && start < 0) start = i;
      if (!moved && start >= 0) {
        if (i - start >= MIN_SCROLLED_ROWS && (!best || i - start > best.to - best.from + 1)) best = { from: start, to: i - 1, by };
        start = -1;
      }
    }
  }
  return best;
}

/**
 * The bytes that turn `previous` (on the screen, cursor at the start of the row below it) into
 * `next`, leaving the cursor at the start of the row below `next`. A block of rows that moved up
 * (a scrolling logs pane, see findScroll) is moved on the terminal: DL (delete lines) at its top
 * pulls everything below up, IL (insert lines) under it pushes the rows below it back down, both
 * VT102 and relative to the cursor; what is left is written. Then up to the first row, each
 * changed row erased and written, unchanged runs skipped with a cursor move (CUD, which never
 * scrolls: those rows are on the screen), rows below a shorter frame erased (ED 0). Rows past the
 * previous frame end in a newline, which scrolls at the bottom as Ink's own write does. Expects
 * both frames shorter than the terminal (with the cursor's row below them).
 */
export function rowDiff(previous: readonly string[], next: readonly string[]): string {
  let out = '';
  let rows = previous;
  let cursor = previous.length;
  const scroll = findScroll(previous, next);
  if (scroll) {
    const { from, to, by } = scroll;
    // DL at the block's top: previous rows from+by.. come up to from..; IL at to+1: the rows after
    // the block go back down, leaving `by` blank rows under it for what is new.
    out += `${CSI}${cursor - from}A\r${CSI}${by}M${CSI}${to + 1 - from}B${CSI}${by}L\r`;
    cursor = to + 1;
    rows = [...previous.slice(0, from), ...previous.slice(from + by, to + 1 + by), ...Array.from({ length: by }, () => ''), ...previous.slice(to + 1 + by)];
  }
  out += cursor > 0 ? `${CSI}${cursor}A\r` : '\r';
  let skipped = 0;
  const skip = () => {
    if (skipped > 0) out += `${CSI}${skipped}B`;
    skipped = 0;
  };
  for (let i = 0; i < next.length; i++) {
    if (i < rows.length && rows[i] === next[i]) {
      skipped++;
      continue;
    }
    skip();
    out += `${CSI}2K${next[i]}\n`;
  }
  skip();
  if (next.length < rows.length) out += `${CSI}J`;
  return out;
}

/** A stdout that writes only what changed between frames (see the module), and what a resize tells it. */
export type RowDiffStdout = NodeJS.WriteStream & {
  /**
   * For a resize, called before Ink's own resize handler: the terminal has cut or re-wrapped what
   * it showed, so the screen is forgotten, and the next frame that fits the terminal (no row wider
   * than it, fewer rows than it has) is written after `wipe` (a clear that homes the cursor), whole
   * from the top, where Ink's next write expects it. Frames that do not fit yet (laid out for the
   * old size) go through as Ink wrote them. Nothing is wiped until such a frame comes: a screen
   * whose frame the new size does not change stays as it is, never blank.
   */
  afterResize(wipe: string): void;
};

/**
 * Wraps `stdout` for Ink's render: every property is the stream's own (size, isTTY, events), except
 * `write`, which turns Ink's frame writes into row diffs while it knows the screen (see rowDiff),
 * writing the original when that is no longer. Any write it does not recognise goes through as is
 * and makes it forget the screen. Never throws of its own.
 */
export function rowDiffStdout(stdout: NodeJS.WriteStream): RowDiffStdout {
  let screen: string[] | undefined;
  /** The clear that goes before the next frame that fits, after a resize (afterResize). */
  let wipe: string | undefined;
  const fits = (rows: readonly string[]) =>
    (stdout.rows === undefined || rows.length < stdout.rows) && (stdout.columns === undefined || rows.every((r) => stringWidth(r) <= stdout.columns));
  const write = (chunk: unknown, ...rest: unknown[]): boolean => {
    const send = (data: unknown) => (stdout.write as (...args: unknown[]) => boolean)(data, ...rest);
    const pass = () => send(chunk);
    if (typeof chunk !== 'string') {
      screen = undefined;
      return pass();
    }
    if (NEUTRAL.has(chunk)) return pass();
    const frame = readFrameWrite(chunk);
    if (frame && wipe !== undefined) {
      if (!fits(frame.rows)) return pass();
      const clear = wipe;
      wipe = undefined;
      screen = frame.rows;
      return send(`${clear}${frame.rows.join('\n')}\n`);
    }
    const before = screen;
    screen = frame?.rows;
    if (!frame || !before || frame.erased !== before.length + 1) return pass();
    // Ink draws a frame as tall as the terminal another way (cleared first); never diffed here.
    const rows = stdout.rows;
    if (rows !== undefined && (before.length >= rows || frame.rows.length >= rows)) return pass();
    const diff = rowDiff(before, frame.rows);
    if (diff.length >= chunk.length) return pass();
    return send(diff);
  };
  const afterResize = (clear: string) => {
    screen = undefined;
    wipe = clear;
  };
  return new Proxy(stdout, {
    get(target, key) {
      if (key === 'write') return write;
      if (key === 'afterResize') return afterResize;
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  }) as RowDiffStdout;
}
