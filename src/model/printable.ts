// Text from a file (or an engine) as it may be shown to a person: nothing in it may move the
// cursor, erase, retitle the terminal or hide what follows. Pure.

/**
 * Control characters (C0 but tab and line feed, DEL, C1), zero-width and direction marks, line and
 * paragraph separators, the BOM, lone surrogates: invisible or harmful when printed raw.
 */
const UNPRINTABLE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

const escape = (c: string) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

/**
 * The text with every unprintable character written as a `\uXXXX` escape (as JSON writes them);
 * line feeds stay unless `oneLine`, which writes them `\n`.
 */
export function printable(text: string, opts: { oneLine?: boolean } = {}): string {
  const out = text.replace(UNPRINTABLE, escape);
  return opts.oneLine ? out.replace(/\n/g, '\\n') : out;
}

/**
 * A value quoted for a message: `"two"`, with unprintable characters escaped and anything past
 * `max` characters cut (`"aaaa..." (100000 characters)`), so one bad value cannot flood a screen.
 */
export function quoted(value: string, max = 60): string {
  if (value.length <= max) return printable(JSON.stringify(value));
  return `${printable(JSON.stringify(`${value.slice(0, max - 3)}...`))} (${value.length} characters)`;
}
