import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import ansiEscapes from 'ansi-escapes';
import { findScroll, readFrameWrite, rowDiff, rowDiffStdout } from '../../src/tui/row-diff.js';
import { Screen, ScreenTty } from '../support/screen.js';
import { seededRandom } from '../support/seeded-random.js';

/** What Ink 6.8's standard log-update writes for `rows` after a frame of `previousRows` rows. */
function inkFrameWrite(previousRows: number | undefined, rows: string[]): string {
  // Its previousLineCount is the last string's split('\n') length: the rows plus the empty
  // element after the final newline (0 before the first frame).
  return ansiEscapes.eraseLines(previousRows === undefined ? 0 : previousRows + 1) + rows.join('\n') + '\n';
}


describe('readFrameWrite', () => {
  it("reads Ink's erase-then-frame write: the erased count and the rows", () => {
    assert.deepEqual(readFrameWrite(inkFrameWrite(undefined, ['a', 'b'])), { erased: 0, rows: ['a', 'b'] });
    assert.deepEqual(readFrameWrite(inkFrameWrite(2, ['x'])), { erased: 3, rows: ['x'] });
    assert.deepEqual(readFrameWrite(ansiEscapes.eraseLines(1) + '\n'), { erased: 1, rows: [''] });
  });

  it('keeps colours and hyperlinks in a row, since they move no cursor', () => {
    const row = `\x1b[32mup\x1b[39m \x1b]8;;https://example.test\x07link\x1b]8;;\x07`;
    assert.deepEqual(readFrameWrite(inkFrameWrite(1, [row]))?.rows, [row]);
  });

  it('refuses what is not a plain frame: a clear, cursor moves, a carriage return, no final newline', () => {
    assert.equal(readFrameWrite(ansiEscapes.clearTerminal + 'a\n'), undefined);
    assert.equal(readFrameWrite(inkFrameWrite(1, ['a\x1b[2Ab'])), undefined);
    assert.equal(readFrameWrite(inkFrameWrite(1, ['a\rb'])), undefined);
    assert.equal(readFrameWrite(ansiEscapes.eraseLines(3)), undefined);
    assert.equal(readFrameWrite(`${ansiEscapes.eraseLine}${ansiEscapes.cursorUp()}a\n`), undefined);
  });
});

describe('rowDiff', () => {
  /** Both ways onto a screen: Ink's whole write and the diff; the screens must be the same. */
  function compare(screenRows: number, frames: string[][], columns = 12, before = '') {
    const whole = new Screen(columns, screenRows);
    const diffed = new Screen(columns, screenRows);
    whole.write(before);
    diffed.write(before);
    let previous: string[] | undefined;
    let wholeBytes = 0;
    let diffBytes = 0;
    for (const [i, frame] of frames.entries()) {
      const ink = inkFrameWrite(previous?.length, frame);
      const diff = previous ? rowDiff(previous, frame) : ink;
      whole.write(ink);
      diffed.write(diff);
      wholeBytes += ink.length;
      diffBytes += diff.length;
      assert.deepEqual(diffed.text(), whole.text(), `frame ${i}: ${JSON.stringify(frame)} after ${JSON.stringify(previous)}`);
      assert.deepEqual([diffed.row, diffed.col], [whole.row, whole.col], `frame ${i}: the cursor`);
      assert.deepEqual(diffed.scrolledOff, whole.scrolledOff, `frame ${i}: what scrolled off`);
      previous = frame;
    }
    return { wholeBytes, diffBytes };
  }

  it('rewrites only the changed row of a frame', () => {
    const before = ['header', 'row one', 'row two', 'row three'];
    const after = ['header', 'row one', 'row 2!', 'row three'];
    const diff = rowDiff(before, after);
    assert.ok(diff.includes('row 2!'));
    assert.ok(!diff.includes('header') && !diff.includes('row one') && !diff.includes('three'), diff);
    compare(10, [before, after]);
  });

  it('grows, shrinks to nothing and grows again, as Ink would draw it', () => {
    compare(8, [['a'], ['a', 'b', 'c'], ['a'], [''], ['x', 'b', 'c', 'd'], ['x', 'b']]);
  });

  it('keeps a row as wide as the terminal whole (no erase behind a pending wrap)', () => {
    compare(6, [['abcdefghijkl', 'x'], ['abcdefghijkl', 'y'], ['abcdefghijk', 'y'], ['abcdefghijkl', 'yz']]);
  });

  it('scrolls like Ink when a frame grows past the bottom row of the terminal', () => {
    // Two lines above the frame on a 5-row terminal: a frame of 4 rows (and the cursor's row below
    // it) scrolls them off. Ink draws a frame as tall as the terminal another way (cleared first).
    compare(5, [['1', '2'], ['1', '2', '3', '4'], ['1', 'b', '3', '4'], ['a'], ['a', 'b', 'c']], 12, 'above 1\nabove 2\n');
  });

  it('moves a scrolling pane on the terminal (delete and insert lines) and writes only the new lines', () => {
    const log = (from: number, n: number) => Array.from({ length: n }, (_, i) => `log line ${from + i}`);
    const before = ['title', 'LOGS', ...log(1, 8), 'footer'];
    const after = ['title', 'LOGS', ...log(3, 8), 'footer'];
    assert.deepEqual(findScroll(before, after), { from: 2, to: 7, by: 2 });
    const diff = rowDiff(before, after);
    assert.ok(diff.includes('log line 9') && diff.includes('log line 10'));
    for (const old of ['log line 3', 'log line 8', 'footer', 'title']) assert.ok(!diff.includes(old), `${old} was written again: ${JSON.stringify(diff)}`);
    compare(16, [before, after, ['title', 'LOGS', ...log(6, 8), 'footer'], ['title', 'LOGS', ...log(6, 8), 'footer', 'notice']]);
    // Near the bottom of the terminal (the frame and its cursor row fill it) it still holds.
    compare(12, [before, after], 20, '');
    compare(14, [before, after, ['title', 'LOGS', ...log(4, 8), 'footer']], 20, 'above\n');
  });

  it('draws the same screen as whole frames for random scrolling panes', () => {
    for (const seed of [4, 5, 6]) {
      const next = seededRandom(seed);
      let line = 0;
      const pane = (n: number) => Array.from({ length: n }, () => `line ${line++}`);
      let logs = pane(8);
      const frames: string[][] = [];
      for (let i = 0; i < 60; i++) {
        logs = [...logs.slice(Math.floor(next() * 4)), ...pane(Math.floor(next() * 4))].slice(-8);
        const header = next() < 0.2 ? ['title*', 'LOGS'] : ['title', 'LOGS'];
        frames.push([...header, ...logs, ...(next() < 0.3 ? ['notice', 'footer'] : ['footer'])]);
      }
      const { wholeBytes, diffBytes } = compare(14, frames, 20);
      assert.ok(diffBytes < wholeBytes / 2, `seed ${seed}: ${diffBytes} bytes against ${wholeBytes}`);
    }
  });

  it('draws the same screen as whole frames for 300 random frame changes, in fewer bytes', () => {
    for (const seed of [1, 2, 3]) {
      const next = seededRandom(seed);
      const rowsOf = (n: number) => Array.from({ length: n }, () => (next() < 0.7 ? 'same row' : `row ${Math.floor(next() * 5)}`));
      const frames: string[][] = [rowsOf(5)];
      for (let i = 0; i < 100; i++) {
        const last = frames.at(-1)!;
        const height = Math.max(1, Math.min(9, last.length + Math.floor(next() * 5) - 2));
        frames.push(Array.from({ length: height }, (_, r) => (r < last.length && next() < 0.8 ? last[r]! : rowsOf(1)[0]!)));
      }
      const { wholeBytes, diffBytes } = compare(10, frames);
      assert.ok(diffBytes < wholeBytes, `seed ${seed}: ${diffBytes} bytes against ${wholeBytes}`);
    }
  });
});

describe('rowDiffStdout', () => {
  it('writes the diff of a known screen, and after a write it does not know, the next frame whole', () => {
    const tty = new ScreenTty(20, 10);
    const screen = tty.screen;
    const out = rowDiffStdout(tty as unknown as NodeJS.WriteStream);
    assert.equal(out.columns, 20, 'the size is the terminal\'s');
    const frames = [['title', 'a', 'b', 'c'], ['title', 'a', 'B', 'c'], ['title', 'a', 'B', 'c', 'd']];
    out.write('\x1b[?25l');
    out.write(inkFrameWrite(undefined, frames[0]!));
    const first = tty.bytes;
    out.write('\x1b[?2026h');
    out.write(inkFrameWrite(4, frames[1]!));
    out.write('\x1b[?2026l');
    const second = tty.bytes - first;
    assert.ok(second < inkFrameWrite(4, frames[1]!).length, `a one-row change took ${second} bytes`);
    assert.deepEqual(screen.text().slice(0, 4), frames[1]);

    // A write it does not know (the view's clear after a resize) goes through, and the next frame is whole.
    out.write('\x1b[2J\x1b[3J\x1b[H');
    const before = tty.bytes;
    const whole = inkFrameWrite(4, frames[2]!);
    out.write(whole);
    assert.equal(tty.bytes - before, whole.length);
    assert.deepEqual(screen.text().slice(0, 5), frames[2]);

  });

  it('after a resize: frames laid out for the old size go through; the first that fits is drawn whole on a wiped screen; diffs follow', () => {
    const tty = new ScreenTty(20, 10);
    const screen = tty.screen;
    const out = rowDiffStdout(tty as unknown as NodeJS.WriteStream);
    const wipe = '\x1b[2J\x1b[3J\x1b[H';
    out.write(inkFrameWrite(undefined, ['title', 'row']));
    out.afterResize(wipe);
    assert.equal(tty.bytes, inkFrameWrite(undefined, ['title', 'row']).length, 'nothing is written for the resize itself');
    // Ink's redraw at the old width (a row wider than the 20 columns): as Ink wrote it.
    const wide = inkFrameWrite(2, ['title', 'a row wider than twenty columns']);
    let start = tty.bytes;
    out.write(wide);
    assert.equal(tty.bytes - start, wide.length);
    // The view's frame at the new size: wiped and written whole from the top.
    start = tty.bytes;
    out.write(inkFrameWrite(2, ['title', 'row', 'more']));
    assert.ok(tty.bytes - start > wipe.length && String(screen.text()) === String(['title', 'row', 'more', '', '', '', '', '', '', '']), screen.text().join('|'));
    assert.deepEqual([screen.row, screen.col], [3, 0]);
    // Then a diff again: one changed row.
    start = tty.bytes;
    out.write(inkFrameWrite(3, ['title', 'row', 'less']));
    assert.ok(tty.bytes - start < inkFrameWrite(3, ['title', 'row', 'less']).length);
    assert.deepEqual(screen.text().slice(0, 4), ['title', 'row', 'less', '']);
  });

  it('writes the original when the erase does not match the frame it knows', () => {
    const tty = new ScreenTty(20, 10);
    const screen = tty.screen;
    const out = rowDiffStdout(tty as unknown as NodeJS.WriteStream);
    out.write(inkFrameWrite(undefined, ['a', 'b']));
    const odd = inkFrameWrite(5, ['a', 'c']);
    const start = tty.bytes;
    out.write(odd);
    assert.equal(tty.bytes - start, odd.length);
  });
});
