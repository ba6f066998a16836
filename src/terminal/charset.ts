// What the terminal can show: UTF-8, or ASCII only. Decided once from the locale, and applied at the
// output boundary, so no screen or command needs to know.
import { StringDecoder } from 'node:string_decoder';
import { charsetOf } from './locale-charset.js';
import { graphemeWidth, graphemesOf } from './text.js';

// The locale's decision lives apart, so that a start in a UTF-8 locale loads none of the conversion.
export { charsetOf, type Charset } from './locale-charset.js';

/**
 * The glyphs dockplan draws, each as the one ASCII character that takes its place. Every one is a
 * single column wide, like its replacement, so a layout measured with the glyph holds with the
 * ASCII character.
 */
const GLYPHS: Record<string, string> = {
  '·': '-', '…': '.', '▶': '>', '►': '>', '✓': '+', '✔': '+', '✗': 'x', '✘': 'x', '•': '*',
  '↑': '^', '↓': 'v', '←': '<', '→': '>', '—': '-', '–': '-', '‘': "'", '’': "'", '“': '"', '”': '"',
  '×': 'x', '\u00a0': ' ',
};

/**
 * The activity spinner's frames, in order (Braille dots going round). In ASCII they become a line
 * that turns, | / - \, two or three frames each, so the ten wrap round to | without a step back.
 */
export const SPINNER_FRAMES: readonly string[] = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const TURN = '|/-\\';
for (const [i, frame] of SPINNER_FRAMES.entries()) GLYPHS[frame] = TURN[Math.floor((i * TURN.length) / SPINNER_FRAMES.length)]!;

/** Box drawing (U+2500 to U+257F) by shape: a horizontal line, a vertical line, a diagonal, else a corner or junction. */
function boxDrawing(ch: string): string {
  if ('─━┄┅┈┉╌╍═╴╶╸╺╼╾'.includes(ch)) return '-';
  if ('│┃┆┇┊┋╎╏║╵╷╹╻╽╿'.includes(ch)) return '|';
  if (ch === '╱') return '/';
  if (ch === '╲') return '\\';
  return '+';
}

const ASCII = /^[\x00-\x7f]*$/;

/** One user-perceived character (a grapheme cluster) that is not ASCII, as ASCII of the same display width. */
function graphemeToAscii(g: string): string {
  const known = GLYPHS[g];
  if (known !== undefined) return known;
  const code = g.codePointAt(0)!;
  if (g.length === 1 && code >= 0x2500 && code <= 0x257f) return boxDrawing(g);
  const width = graphemeWidth(g);
  // A letter with accents keeps its letter: é -> e, Zürich -> Zurich.
  const bare = g.normalize('NFKD').replace(/\p{M}/gu, '');
  if (bare !== '' && /^[\x20-\x7e]+$/.test(bare) && bare.length === width) return bare;
  return '?'.repeat(width);
}

/**
 * The text with every non-ASCII character replaced, keeping its display width (`string-width`,
 * as Ink measures): dockplan's glyphs by {@link GLYPHS} (`·` -> `-`, `✓` -> `+`, box drawing ->
 * `+ - |`, the spinner's Braille frames -> `| / - \`), accented letters by their letter, any other
 * character by one `?` per column (a wide CJK character or emoji -> `??`), and zero-width ones
 * dropped. ASCII, escape sequences included, passes unchanged.
 */
export function toAscii(text: string): string {
  if (ASCII.test(text)) return text;
  let out = '';
  for (const segment of graphemesOf(text)) out += ASCII.test(segment) ? segment : graphemeToAscii(segment);
  return out;
}

type Write = NodeJS.WriteStream['write'];
const asciiStreams = new WeakSet<NodeJS.WriteStream>();

/**
 * Makes everything written to `stream` ASCII through {@link toAscii}: the output boundary for a
 * terminal whose locale is not UTF-8. Strings and UTF-8 buffers are both converted (a character
 * split across two buffers is held until its last byte arrives). Applying it to a stream that
 * already has it changes nothing. Returns a function that puts the stream's own write back.
 */
export function writeAsciiTo(stream: NodeJS.WriteStream): () => void {
  if (asciiStreams.has(stream)) return () => undefined;
  asciiStreams.add(stream);
  const own = Object.prototype.hasOwnProperty.call(stream, 'write') ? stream.write : undefined;
  const write = stream.write.bind(stream) as (chunk: string, encoding?: BufferEncoding | ((err?: Error | null) => void), cb?: (err?: Error | null) => void) => boolean;
  const decoder = new StringDecoder('utf8');
  stream.write = ((chunk: string | Uint8Array, encoding?: BufferEncoding | ((err?: Error | null) => void), cb?: (err?: Error | null) => void) => {
    if (typeof chunk === 'string') return write(toAscii(chunk), encoding, cb);
    const done = typeof encoding === 'function' ? encoding : cb;
    return write(toAscii(decoder.write(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength))), 'utf8', done);
  }) as Write;
  return () => {
    asciiStreams.delete(stream);
    if (own) stream.write = own;
    else delete (stream as Partial<NodeJS.WriteStream>).write;
  };
}

/** {@link writeAsciiTo} on each stream when the locale in `env` is not UTF-8; returns what undoes it. */
export function applyCharset(env: Record<string, string | undefined>, ...streams: NodeJS.WriteStream[]): () => void {
  if (charsetOf(env) === 'utf-8') return () => undefined;
  const undo = streams.map(writeAsciiTo);
  return () => undo.forEach((u) => u());
}
