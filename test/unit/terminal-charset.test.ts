// The charset decision from the locale, and ASCII that keeps every display width.
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import stringWidth from 'string-width';
import { jsonText } from '../../src/cli/json-output.js';
import { SPINNER_FRAMES, applyCharset, charsetOf, toAscii, writeAsciiTo } from '../../src/terminal/charset.js';

const isAscii = (s: string) => /^[\x00-\x7f]*$/.test(s);

describe('charsetOf: the first non-empty of LC_ALL, LC_CTYPE, LANG decides', () => {
  const table: [Record<string, string | undefined>, 'utf-8' | 'ascii'][] = [
    [{ LANG: 'en_US.UTF-8' }, 'utf-8'],
    [{ LANG: 'C.UTF-8' }, 'utf-8'],
    [{ LANG: 'C.utf8' }, 'utf-8'],
    [{ LANG: 'de_DE.utf8@euro' }, 'utf-8'],
    [{ LC_CTYPE: 'UTF-8' }, 'utf-8'],
    [{ LC_ALL: 'C', LANG: 'en_US.UTF-8' }, 'ascii'],
    [{ LC_ALL: 'POSIX', LC_CTYPE: 'C.UTF-8' }, 'ascii'],
    [{ LC_CTYPE: 'C', LANG: 'en_US.UTF-8' }, 'ascii'],
    [{ LC_ALL: '', LC_CTYPE: '', LANG: 'C.UTF-8' }, 'utf-8'],
    [{ LC_ALL: '', LC_CTYPE: 'en_GB.UTF-8', LANG: 'C' }, 'utf-8'],
    [{ LANG: 'C' }, 'ascii'],
    [{ LANG: 'POSIX' }, 'ascii'],
    [{ LANG: 'en_US' }, 'ascii'],
    [{ LANG: 'de_DE.ISO-8859-1' }, 'ascii'],
    [{ LANG: 'ja_JP.eucJP' }, 'ascii'],
    [{}, 'ascii'],
  ];
  for (const [env, charset] of table) {
    it(`${JSON.stringify(env)} -> ${charset}`, () => assert.equal(charsetOf(env), charset));
  }
});

describe('toAscii: every non-ASCII character as ASCII of the same display width', () => {
  const glyphs: [string, string][] = [
    ['·', '-'], ['…', '.'], ['▶', '>'], ['✓', '+'], ['✗', 'x'], ['•', '*'], ['↑', '^'], ['↓', 'v'], ['—', '-'],
    ['╭', '+'], ['╮', '+'], ['╰', '+'], ['╯', '+'], ['─', '-'], ['│', '|'], ['┌', '+'], ['┼', '+'], ['═', '-'], ['║', '|'],
  ];
  for (const [glyph, ascii] of glyphs) {
    it(`${glyph} -> ${ascii}`, () => assert.equal(toAscii(glyph), ascii));
  }

  it('the spinner\'s frames turn | / - \\ in order, wrapping round without a step back', () => {
    const turn = '|/-\\';
    const shown = SPINNER_FRAMES.map(toAscii);
    assert.deepEqual(new Set(shown), new Set(turn), shown.join(''));
    for (const [i, frame] of shown.entries()) {
      const next = shown[(i + 1) % shown.length]!;
      const step = (turn.indexOf(next) - turn.indexOf(frame) + turn.length) % turn.length;
      assert.ok(step === 0 || step === 1, `frame ${i} ${frame} -> ${next}`);
    }
  });

  const lines: [string, string][] = [
    ['ASCII, escape sequences included, is unchanged', '\x1b[31mred\x1b[0m\ttab\r\n'],
    ['a plan summary', '2 replace · across 2 machines'],
    ['an execute row', '  ▶ pending   +/- replace container api-l3r2 (image changed) [ap…'],
    ['a box', '╭──────╮\n│ help │\n╰──────╯'],
    ['wide CJK characters become ??', 'ログ 日本語'],
    ['emoji, with a ZWJ sequence and a keycap', 'ok 👍 👨‍👩‍👧 1️⃣'],
    ['accented letters keep their letter', 'Zürich café naïve'],
    ['decomposed accents keep their letter', 'cafe\u0301'],
    ['fullwidth letters become ??', 'ＡＢＣ'],
    ['zero-width characters go', 'a\u200bb\u2060c\ufeffd'],
    ['the masked secret', 'DB_PASSWORD: ••••••'],
    ['Braille that is not a spinner frame', '⣿⠁'],
    ['non-breaking space and quotes', 'a\u00a0b ‘q’ “q”'],
  ];
  for (const [rule, text] of lines) {
    it(`${rule}: ASCII with the same width`, () => {
      const ascii = toAscii(text);
      assert.ok(isAscii(ascii), `${JSON.stringify(text)} -> ${JSON.stringify(ascii)}`);
      assert.equal(stringWidth(ascii), stringWidth(text), `${JSON.stringify(text)} -> ${JSON.stringify(ascii)}`);
      for (const [i, line] of text.split('\n').entries()) assert.equal(stringWidth(ascii.split('\n')[i]!), stringWidth(line));
    });
  }

  it('says what it can: accents dropped, other characters one ? per column', () => {
    assert.equal(toAscii('Zürich café'), 'Zurich cafe');
    assert.equal(toAscii('ログ'), '????');
    assert.equal(toAscii('ok 👍'), 'ok ??');
    assert.equal(toAscii('2 replace · across 2 machines'), '2 replace - across 2 machines');
  });
});

/** A stand-in terminal stream: what reaches it, decoded. */
function fakeTerminal() {
  const stream = new PassThrough() as unknown as NodeJS.WriteStream & PassThrough;
  let seen = '';
  stream.on('data', (d: Buffer) => (seen += d.toString('utf8')));
  return { stream, seen: () => seen };
}

describe('writeAsciiTo: the output boundary', () => {
  it('converts strings and UTF-8 buffers, even a character split across two writes', async () => {
    const t = fakeTerminal();
    writeAsciiTo(t.stream);
    t.stream.write('a · b\n');
    const dot = Buffer.from('✓', 'utf8');
    t.stream.write(dot.subarray(0, 1));
    t.stream.write(dot.subarray(1));
    await new Promise<void>((resolve) => t.stream.write(' done\n', () => resolve()));
    assert.equal(t.seen(), 'a - b\n+ done\n');
  });

  it('twice on one stream converts once, and undoing it writes UTF-8 again', async () => {
    const t = fakeTerminal();
    const undo = writeAsciiTo(t.stream);
    writeAsciiTo(t.stream)();
    t.stream.write('·');
    undo();
    await new Promise<void>((resolve) => t.stream.write('·', () => resolve()));
    assert.equal(t.seen(), '-·');
  });

  it('applyCharset converts only outside a UTF-8 locale', async () => {
    const utf8 = fakeTerminal();
    const ascii = fakeTerminal();
    const undoUtf8 = applyCharset({ LANG: 'C.UTF-8' }, utf8.stream);
    const undoAscii = applyCharset({ LC_ALL: 'C', LANG: 'C.UTF-8' }, ascii.stream);
    await new Promise<void>((resolve) => utf8.stream.write('…', () => resolve()));
    await new Promise<void>((resolve) => ascii.stream.write('…', () => resolve()));
    undoUtf8();
    undoAscii();
    assert.equal(utf8.seen(), '…');
    assert.equal(ascii.seen(), '.');
  });
});

describe('jsonText: JSON output is exact data in ASCII bytes', () => {
  const value = { city: 'Zürich', log: 'ログ 👍', ctl: '\x1b[31m\x7f', dot: '·', n: 1, nested: [{ x: '—' }] };

  it('escapes every non-ASCII character and DEL, and parses back to the same value', () => {
    for (const indent of [undefined, 2]) {
      const text = jsonText(value, indent);
      assert.ok(/^[\x20-\x7e\n]*$/.test(text), text);
      assert.deepEqual(JSON.parse(text), value);
    }
  });

  it('is JSON.stringify\'s layout, with \\u escapes', () => {
    assert.equal(jsonText({ a: 'ü' }), '{"a":"\\u00fc"}');
    assert.equal(jsonText({ a: '👍' }), '{"a":"\\ud83d\\udc4d"}');
    assert.equal(jsonText({ a: [1] }, 2), '{\n  "a": [\n    1\n  ]\n}');
  });
});
