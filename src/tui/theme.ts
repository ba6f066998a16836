// Colours by meaning, in one place. Each is undefined when colour is off (NO_COLOR, --no-color:
// src/terminal/colour.ts), so Ink draws the text plain while bold and inverse still show.
import { hue } from '../terminal/colour.js';

const HUES = {
  accent: 'cyan',
  ok: 'green',
  bad: 'red',
  warn: 'yellow',
  dim: 'gray',
  add: 'green',
  change: 'yellow',
  remove: 'red',
  selected: 'cyan',
} as const;

export const theme = {} as { readonly [K in keyof typeof HUES]: (typeof HUES)[K] | undefined };
for (const key of Object.keys(HUES) as (keyof typeof HUES)[]) Object.defineProperty(theme, key, { get: () => hue(HUES[key]), enumerable: true });

/** The colour of an operation line by its leading symbol. */
export function symbolColour(text: string): string | undefined {
  if (text.startsWith('+/-') || text.startsWith('-/+') || text.startsWith('~') || text.startsWith('!')) return theme.change;
  if (text.startsWith('+')) return theme.add;
  if (text.startsWith('-')) return theme.remove;
  return undefined;
}
