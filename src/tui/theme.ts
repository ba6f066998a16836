// Colours by meaning, in one place. Ink's colours honour NO_COLOR / FORCE_COLOR through chalk.
export const theme = {
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

/** The colour of an operation line by its leading symbol. */
export function symbolColour(text: string): string | undefined {
  if (text.startsWith('+/-') || text.startsWith('-/+') || text.startsWith('~') || text.startsWith('!')) return theme.change;
  if (text.startsWith('+')) return theme.add;
  if (text.startsWith('-')) return theme.remove;
  return undefined;
}
