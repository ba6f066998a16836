// Whether dockplan writes colour, decided once at start from the flags, the environment and the
// stream, and applied at the output boundary: the CLI paints through a palette, the view through
// chalk (Ink draws with it) and a theme that has no hue when colour is off.
import chalk, { Chalk, type ChalkInstance } from 'chalk';

/**
 * What may be written to one stream: `level` is what the terminal can show (0: no escape sequence
 * at all; 1: 16 colours; 2: 256; 3: 24-bit, chalk's levels), `hues` whether colours are wanted.
 * NO_COLOR and `--no-color` turn the hues off but keep the level, so bold and inverse (the view's
 * selection) still show: the NO_COLOR convention is about colour only.
 */
export interface ColourDecision {
  level: 0 | 1 | 2 | 3;
  hues: boolean;
}

/** The stream the decision is for: a `tty.WriteStream` (process.stdout) fits. */
export interface ColourStream {
  isTTY?: boolean;
  /** Node's `tty.WriteStream.getColorDepth(env)`: 1, 4, 8 or 24 bits. */
  getColorDepth?(env?: Record<string, string | undefined>): number;
}

/** What decides: the environment, the `--no-color` flag (commander's `color: false`), the stream. */
export interface ColourInputs {
  env: Record<string, string | undefined>;
  noColorFlag?: boolean;
  stream: ColourStream;
}

/**
 * FORCE_COLOR as chalk reads it: empty or `true` is 1, `false` is 0, a number is that level (at
 * most 3, 0 or less is 0); anything else forces nothing (chalk reads NaN, Node 2 colours: neither
 * colours). Undefined when it is not set.
 */
function forcedLevel(value: string | undefined): ColourDecision['level'] | undefined {
  if (value === undefined) return undefined;
  if (value === '' || value === 'true') return 1;
  if (value === 'false') return 0;
  const n = Number.parseInt(value, 10);
  if (Number.isNaN(n) || n <= 0) return 0;
  return n >= 3 ? 3 : (n as 1 | 2);
}

/** A colour depth in bits (tty getColorDepth) as a chalk level. */
function levelOfDepth(bits: number): ColourDecision['level'] {
  if (bits >= 24) return 3;
  if (bits >= 8) return 2;
  if (bits >= 4) return 1;
  return 0;
}

/**
 * The decision for one stream, in this order (the first that applies wins):
 * 1. FORCE_COLOR set: its level (0 for `0`/`false`), colour on at any level above 0 even when the
 *    stream is not a terminal (chalk's reading; Node's getColorDepth also lets FORCE_COLOR beat
 *    NO_COLOR);
 * 2. not a terminal: nothing;
 * 3. a terminal: the level its `getColorDepth` reports (TERM=dumb, an unknown TERM or a CI
 *    variable report none), colour on unless NO_COLOR is set to anything but the empty string
 *    (https://no-color.org);
 * and `--no-color` turns the hues off whatever the environment says (the command line beats it).
 */
export function decideColour({ env, noColorFlag, stream }: ColourInputs): ColourDecision {
  const forced = forcedLevel(env.FORCE_COLOR);
  let level: ColourDecision['level'];
  let hues: boolean;
  if (forced !== undefined) {
    level = forced;
    hues = forced > 0;
  } else if (stream.isTTY !== true) {
    level = 0;
    hues = false;
  } else {
    const plain = { ...env, FORCE_COLOR: undefined, NO_COLOR: undefined };
    level = levelOfDepth(stream.getColorDepth?.(plain) ?? 4);
    hues = level > 0 && !(env.NO_COLOR !== undefined && env.NO_COLOR !== '');
  }
  if (noColorFlag) hues = false;
  return { level, hues: hues && level > 0 };
}

let viewHues = true;

/**
 * Applies the decision for the stream Ink draws on (stdout): chalk's level, once, before the view
 * is loaded, and whether the view's theme has hues ({@link hue}).
 */
export function applyViewColour(decision: ColourDecision): void {
  chalk.level = decision.level;
  viewHues = decision.hues;
}

/** `colour` when the view draws in colour, else undefined (Ink then leaves the text as it is). */
export function hue<C extends string>(colour: C): C | undefined {
  return viewHues ? colour : undefined;
}

/** Text painted by meaning; every function is the identity when colour is off. */
export interface Palette {
  add(text: string): string;
  change(text: string): string;
  remove(text: string): string;
  good(text: string): string;
  bad(text: string): string;
  warn(text: string): string;
}

/** The palette for a stream: basic colours (level 1 suffices) when `hues`, else plain text. */
export function paletteOf(hues: boolean | undefined): Palette {
  const c: ChalkInstance = new Chalk({ level: hues ? 1 : 0 });
  return { add: c.green, change: c.yellow, remove: c.red, good: c.green, bad: c.red, warn: c.yellow };
}

/** A plan symbol (`+`, `-`, `~`, `+/-`, `-/+`, `!`) painted as the view paints it: adds green, changes yellow, removals red. */
export function paintSymbolLine(line: string, palette: Palette): string {
  const m = /^(\s*)(\+\/-|-\/\+|~|!|\+|-)( .*)$/.exec(line);
  if (!m) return line;
  const [, indent, symbol, rest] = m;
  const paint = symbol === '+' ? palette.add : symbol === '-' ? palette.remove : palette.change;
  return `${indent}${paint(`${symbol}${rest}`)}`;
}

/**
 * Plan text (formatPlan's lines) painted line by line: operation and change lines by their symbol,
 * `warning:`, `risk:` and down-machine (`?`) lines yellow. Everything else is left as it is.
 */
export function paintPlanText(text: string, palette: Palette): string {
  return text
    .split('\n')
    .map((line) => (/^(warning|risk): |^\s*\? /.test(line) ? palette.warn(line) : paintSymbolLine(line, palette)))
    .join('\n');
}
