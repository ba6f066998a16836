// Compose's variable interpolation in values (https://docs.docker.com/reference/compose-file/interpolation/):
// `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?error}`, `${VAR?error}`,
// `${VAR:+alt}`, `${VAR+alt}`, nested in defaults (`${A:-${B:-x}}`), and `$$` for a literal `$`.
// A `$` not followed by a name or `{` stays as it is. Pure: the environment is passed in.
import type { ComposeNode } from './tree.js';
import type { ComposeProblems } from './node-reader.js';

/** Looks a variable up; undefined when it is not set (an empty string is set). */
export type Lookup = (name: string) => string | undefined;

export type InterpolationResult =
  | { value: string; unset: string[] }
  | { error: string };

const NAME = /^[_a-zA-Z][_a-zA-Z0-9]*/;

/**
 * Substitutes variables in `text`. `unset` lists the variables used without a value and without
 * a default (compose warns and substitutes an empty string). An error comes from `${VAR:?msg}` /
 * `${VAR?msg}` on a missing value, or from a malformed `${...}`.
 */
export function interpolate(text: string, lookup: Lookup): InterpolationResult {
  const unset: string[] = [];
  const r = substitute(text, 0, lookup, unset, false);
  if ('error' in r) return r;
  return { value: r.value, unset };
}

type Partial = { value: string; end: number } | { error: string };

/**
 * Reads `text` from `start` until its end or, `inBraces`, the `}` that closes the enclosing
 * expression (returned as `end`, the index of that brace).
 */
function substitute(text: string, start: number, lookup: Lookup, unset: string[], inBraces: boolean): Partial {
  let out = '';
  let i = start;
  while (i < text.length) {
    const c = text[i]!;
    if (inBraces && c === '}') return { value: out, end: i };
    if (c !== '$') {
      out += c;
      i++;
      continue;
    }
    const next = text[i + 1];
    if (next === '$') {
      out += '$';
      i += 2;
      continue;
    }
    if (next === '{') {
      const r = braced(text, i + 2, lookup, unset);
      if ('error' in r) return r;
      out += r.value;
      i = r.end + 1;
      continue;
    }
    const m = NAME.exec(text.slice(i + 1));
    if (!m) {
      out += '$';
      i++;
      continue;
    }
    const v = lookup(m[0]);
    if (v === undefined) unset.push(m[0]);
    out += v ?? '';
    i += 1 + m[0].length;
  }
  if (inBraces) return { error: `"\${" at character ${start - 1} is never closed with "}"` };
  return { value: out, end: i };
}

/** One `${...}` whose name starts at `start`; `end` is the index of its closing brace. */
function braced(text: string, start: number, lookup: Lookup, unset: string[]): Partial {
  const m = NAME.exec(text.slice(start));
  if (!m) {
    const close = text.indexOf('}', start);
    const inside = close < 0 ? text.slice(start) : text.slice(start, close);
    return { error: `invalid interpolation "\${${inside}${close < 0 ? '' : '}'}": a variable name is letters, digits and _ (not starting with a digit); write $$ for a literal $` };
  }
  const name = m[0];
  let i = start + name.length;
  const value = lookup(name);
  if (text[i] === '}') {
    if (value === undefined) unset.push(name);
    return { value: value ?? '', end: i };
  }
  if (i >= text.length) return { error: `"\${${name}" is never closed with "}"` };
  const op = /^(:-|-|:\?|\?|:\+|\+)/.exec(text.slice(i))?.[0];
  if (op === undefined) {
    return { error: `invalid interpolation at "\${${name}${text.slice(i, i + 3)}": after the name comes }, :-, -, :?, ?, :+ or +` };
  }
  i += op.length;
  // the word after the operator may itself hold variables; it is only used when needed, but it is
  // read either way to find the closing brace (its unset variables only count when it is used)
  const wordUnset: string[] = [];
  const word = substitute(text, i, lookup, wordUnset, true);
  if ('error' in word) return word;
  const empty = value === undefined || value === '';
  const colon = op.startsWith(':');
  const missing = colon ? empty : value === undefined;
  let result: string;
  switch (op.replace(':', '')) {
    case '-':
      result = missing ? word.value : value!;
      if (missing) unset.push(...wordUnset);
      break;
    case '?':
      if (missing) {
        const why = word.value === '' ? `${name} is ${value === undefined ? 'not set' : 'empty'}` : word.value;
        return { error: `required variable ${name} is missing a value: ${why}` };
      }
      result = value!;
      break;
    default: // '+'
      result = missing ? '' : word.value;
      if (!missing) unset.push(...wordUnset);
  }
  return { value: result, end: word.end };
}

/**
 * Interpolates every string value of a compose tree in place (keys are never interpolated, as in
 * compose). A failure is an error at the value; a variable that is not set is a warning there, once
 * per variable and file.
 */
export function interpolateTree(node: ComposeNode, field: string, lookup: Lookup, problems: ComposeProblems, warned = new Set<string>()): void {
  if (node.kind === 'map') {
    for (const e of node.entries) interpolateTree(e.value, field === '' ? e.key : `${field}.${e.key}`, lookup, problems, warned);
    return;
  }
  if (node.kind === 'seq') {
    node.items.forEach((item, i) => interpolateTree(item, `${field}[${i}]`, lookup, problems, warned));
    return;
  }
  if (typeof node.value !== 'string' || !node.value.includes('$')) return;
  const r = interpolate(node.value, lookup);
  if ('error' in r) {
    problems.error(node.source, field, r.error);
    return;
  }
  node.value = r.value;
  node.text = r.value;
  for (const name of r.unset) {
    const once = `${node.source.file}\0${name}`;
    if (warned.has(once)) continue;
    warned.add(once);
    problems.warn(node.source, field, `the variable ${name} is not set; it reads as an empty string (set it in the environment or in .env)`);
  }
}
