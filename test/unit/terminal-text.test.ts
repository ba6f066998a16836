// Untrusted text as display lines: escape sequences, carriage returns, tabs, controls, width.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import stringWidth from 'string-width';
import { displayFit, displayLine, displayLines, fitWidth } from '../../src/terminal/text.js';

const tenColumns = Array.from({ length: 10 }, (_, i) => `c${i + 1}`);

describe('displayLine: one log record as the line a terminal would show', () => {
  const table: [string, string, string][] = [
    // [rule, record, shown]
    ['plain text passes unchanged', 'GET /health 200', 'GET /health 200'],
    ['SGR colours are removed', '\x1b[31mred\x1b[0m and \x1b[1;38;5;208mbold\x1b[m', 'red and bold'],
    ['cursor movement and erase sequences are removed', 'a\x1b[2J\x1b[H\x1b[10;20Hb\x1b[K', 'ab'],
    ['a private-mode CSI is removed', '\x1b[?1049hscreen\x1b[?25l', 'screen'],
    ['an OSC ended by BEL (window title) is removed', '\x1b]0;pwned\x07after', 'after'],
    ['an OSC ended by ST (hyperlink) is removed, its text stays', '\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\', 'link'],
    ['a DCS string is removed', 'a\x1bPq#0;2;0;0;0\x1b\\b', 'ab'],
    ['an nF sequence (charset designation) is removed', '\x1b(Bascii\x1b)0', 'ascii'],
    ['two-byte ESC sequences are removed', '\x1b7saved\x1b8\x1bc\x1bM', 'saved'],
    ['8-bit CSI and OSC are removed', '\u009b31mred\u009b0m \u009d0;t\u009cx', 'red x'],
    ['an OSC that never ends is shown, not swallowed', 'x\x1b]0;title', 'x^[]0;title'],
    ['a CSI cut short is shown', 'x\x1b[31', 'x^[[31'],
    ['a lone ESC at the end is shown', 'x\x1b', 'x^['],
    ['text after \\r overwrites from column 0', 'progress 10%\rprogress 100%', 'progress 100%'],
    ['a shorter overwrite leaves the rest, as on a terminal', 'abcdef\rXY', 'XYcdef'],
    ['several \\r: the last overwrite wins', '1%\r50%\r100%', '100%'],
    ['a \\r at the end (CRLF logs) changes nothing', 'line\r', 'line'],
    ['a tab moves to the next multiple of 8', 'c1\tc2\tEND', 'c1      c2      END'],
    ['a tab at column 0 is 8 columns', '\tx', '        x'],
    ['a tab already on a stop moves a whole stop', '12345678\tx', '12345678        x'],
    ['a tab counts a wide character as two columns', '日\tx', '日      x'],
    ['a tab over text after \\r keeps the text under it', 'abcdefghij\r\tX', 'abcdefghXj'],
    ['C0 controls are shown in caret notation', 'a\x00b\x07c\x08d\x0be\x0cf', 'a^@b^Gc^Hd^Ke^Lf'],
    ['DEL is shown as ^?', 'a\x7fb', 'a^?b'],
    ['a newline inside a record is shown, not obeyed', 'a\nb', 'a^Jb'],
    ['other C1 controls are shown as ?', 'a\u0085b\u0084c', 'a?b?c'],
    ['bidi overrides are dropped', 'abc\u202edef\u202c', 'abcdef'],
    ['an accent stays on its letter', 'cafe\u0301', 'cafe\u0301'],
    ['overwriting half of a wide character blanks the other half', '日本\rx', 'x 本'],
    ['overwriting the second half blanks the first', '日本\r x', ' x本'],
  ];
  for (const [rule, record, shown] of table) {
    it(rule, () => assert.equal(displayLine(record), shown));
  }

  it('the fault report\'s record: tabs expanded to 8-column stops, 83 columns before the cut', () => {
    const line = displayLine(`${tenColumns.join('\t')}\tEND`);
    assert.equal(line, `${tenColumns.map((c) => c.padEnd(8)).join('')}END`);
    assert.equal(stringWidth(line), 83);
  });

  it('no control character of any kind survives', () => {
    const nasty = [
      '\x1b[31m\t\r\x00\x7f\u0085\u009b', '\x1b]0;\x1b[1m\x07', '\u009d\u009d\u009d', '\x1bP\x1b\x1b\\', 'a\x1b\x1b[[m\x1b]\x1b',
      ...Array.from({ length: 0x20 }, (_, c) => `x${String.fromCharCode(c)}y`),
      ...Array.from({ length: 0x20 }, (_, c) => `x${String.fromCharCode(0x80 + c)}y`),
    ];
    for (const record of nasty) {
      const line = displayLine(record);
      assert.doesNotMatch(line, /[\x00-\x1f\x7f-\x9f]/, `${JSON.stringify(record)} -> ${JSON.stringify(line)}`);
    }
  });

  it('long records (unterminated sequences, plain text, tabs, CJK, 60,000 characters each) take well under a second each', () => {
    const records = ['\u009d'.repeat(20_000) + '\x1b]'.repeat(20_000), 'a'.repeat(60_000), 'ab\t'.repeat(20_000), '日本語'.repeat(20_000)];
    for (const record of records) {
      const started = process.hrtime.bigint();
      const line = displayLine(record);
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      assert.ok(line.length > 0);
      assert.ok(ms < 1_500, `${ms} ms for ${JSON.stringify(record.slice(0, 8))}...`);
    }
  });
});

describe('displayLines: a block of output as records', () => {
  it('splits on \\n, drops the empty records at the end, and lays out each', () => {
    assert.deepEqual(displayLines('a\tb\r\nprogress 1%\rprogress 2%\r\n\r\n\n'), ['a       b', 'progress 2%']);
  });
  it('keeps empty records in the middle', () => {
    assert.deepEqual(displayLines('a\n\nb\n'), ['a', '', 'b']);
  });
  it('gives only the last records when asked', () => {
    assert.deepEqual(displayLines('1\n2\n3\n4\n', 2), ['3', '4']);
    assert.deepEqual(displayLines('1\n2\n', 5), ['1', '2']);
    assert.deepEqual(displayLines('1\n2\n', 0), []);
  });
  it('no output is no lines', () => {
    assert.deepEqual(displayLines(''), []);
    assert.deepEqual(displayLines('\n\r\n'), []);
  });
});

describe('fitWidth: cut to display columns', () => {
  const table: [string, string, number, string][] = [
    ['a line that fits is unchanged', 'abcd', 4, 'abcd'],
    ['a longer line ends in … within the width', 'abcdef', 4, 'abc…'],
    ['wide characters count two columns', '日本語', 5, '日本…'],
    ['a wide character that would cross the edge goes', '日本語', 4, '日…'],
    ['one column holds only the …', 'abc', 1, '…'],
    ['no columns, no text', 'abc', 0, ''],
    ['an emoji counts two columns', 'ok 👍👍', 5, 'ok …'],
  ];
  for (const [rule, line, columns, fitted] of table) {
    it(rule, () => {
      assert.equal(fitWidth(line, columns), fitted);
      assert.ok(stringWidth(fitted) <= columns);
    });
  }

  it('the fault report\'s record at 80 columns takes exactly one row', () => {
    const fitted = displayFit(`${tenColumns.join('\t')}\tEND`, 80);
    assert.equal(fitted, `${tenColumns.map((c) => c.padEnd(8)).join('').slice(0, 79)}…`);
    assert.equal(stringWidth(fitted), 80);
  });
});
