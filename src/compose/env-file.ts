// The .env file and env_file files, read as compose reads them (compose-go's dotenv format,
// https://docs.docker.com/compose/how-tos/environment-variables/variable-interpolation/#env-file-syntax):
//   KEY=value            unquoted: trimmed, ends at ` #` (an inline comment)
//   export KEY=value     the `export ` prefix is dropped
//   KEY='literal'        single quotes: nothing is expanded, may span lines
//   KEY="a\nb ${X}"      double quotes: \n \r \t \\ \" \$ escapes and ${...} expanded, may span lines
//   KEY                  no `=`: the value comes from the environment, left out when it is not set
//   # comment, blank lines
// Unquoted and double-quoted values are interpolated with the same rules as compose files: the
// file's own earlier keys first, then `lookup`. Pure: the text is passed in.
import { interpolate, type Lookup } from './interpolate.js';

export interface EnvEntry {
  key: string;
  value: string;
  /** 1-based line where the entry starts. */
  line: number;
}

export interface EnvProblem {
  line: number;
  col: number;
  message: string;
}

export interface EnvFileResult {
  /** In file order; a key set twice appears once, with the later value. */
  entries: EnvEntry[];
  problems: EnvProblem[];
  /** Variables used without a value, with the line of each use. */
  unset: { name: string; line: number }[];
}

const KEY = /^[A-Za-z_][A-Za-z0-9_.\-]*$/;

/** Parses dotenv text; `lookup` answers `KEY` lines and `${VAR}` in values. */
export function parseEnvFile(text: string, lookup: Lookup): EnvFileResult {
  const values = new Map<string, EnvEntry>();
  const problems: EnvProblem[] = [];
  const unset: { name: string; line: number }[] = [];
  const own: Lookup = (name) => values.get(name)?.value ?? lookup(name);
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const raw = lines[i]!;
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const body = trimmed.replace(/^export\s+/, '');
    const eq = body.indexOf('=');
    const key = (eq < 0 ? body : body.slice(0, eq)).trim();
    const col = raw.indexOf(key) + 1;
    if (!KEY.test(key)) {
      problems.push({ line: lineNo, col: Math.max(col, 1), message: `expected KEY=VALUE, got ${JSON.stringify(trimmed.length > 40 ? `${trimmed.slice(0, 37)}...` : trimmed)}; a key is letters, digits, _ . and - (not starting with a digit)` });
      continue;
    }
    if (eq < 0) {
      const v = lookup(key);
      if (v !== undefined) values.set(key, { key, value: v, line: lineNo });
      continue;
    }
    let rest = body.slice(eq + 1).replace(/^[ \t]+/, '');
    const quote = rest[0];
    let value: string;
    let expand: boolean;
    if (quote === "'" || quote === '"') {
      // the value runs to the matching quote, across lines if need be
      let j = 1;
      let text2 = rest;
      let closed = -1;
      let lineAt = i;
      for (;;) {
        for (; j < text2.length; j++) {
          if (quote === '"' && text2[j] === '\\') j++;
          else if (text2[j] === quote) {
            closed = j;
            break;
          }
        }
        if (closed >= 0 || lineAt + 1 >= lines.length) break;
        lineAt++;
        text2 += `\n${lines[lineAt]}`;
      }
      if (closed < 0) {
        problems.push({ line: lineNo, col: raw.indexOf(quote) + 1, message: `the ${quote === '"' ? 'double' : 'single'} quote is never closed` });
        break;
      }
      i = lineAt;
      const inner = text2.slice(1, closed);
      value = quote === '"' ? unescapeDouble(inner) : inner;
      expand = quote === '"';
    } else {
      const comment = rest.search(/\s#/);
      value = (comment < 0 ? rest : rest.slice(0, comment)).trim();
      expand = true;
    }
    if (expand && value.includes('$')) {
      const r = interpolate(value, own);
      if ('error' in r) {
        problems.push({ line: lineNo, col: Math.max(col, 1), message: r.error });
        continue;
      }
      value = r.value;
      for (const name of r.unset) unset.push({ name, line: lineNo });
    }
    values.delete(key);
    values.set(key, { key, value, line: lineNo });
  }
  return { entries: [...values.values()], problems, unset };
}

const ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', '\\': '\\', '"': '"' };

/** Double-quoted escapes; `\$` stays `$$` so interpolation reads it as a literal dollar. */
function unescapeDouble(s: string): string {
  return s.replace(/\\(.)/g, (whole, c: string) => (c === '$' ? '$$' : (ESCAPES[c] ?? whole)));
}
