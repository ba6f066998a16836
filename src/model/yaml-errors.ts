// Problems found in a YAML file (a service spec or the cluster file), each tied to the line and
// column a person has to look at. Parsers collect them all and report them at once.
import { printable } from './printable.js';
import { LineCounter, parseDocument, type Document } from 'yaml';

export interface SpecError {
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  col: number;
  /** Dotted path of the offending value, e.g. `ports[1]` or `healthcheck.interval`; '' for the whole file. */
  field: string;
  message: string;
}

/** `FILE:LINE:COL: field: what is wrong` (the `field: ` part is left out for whole-file problems). */
export function formatSpecError(e: SpecError): string {
  const where = `${e.file}:${e.line}:${e.col}`;
  return e.field ? `${where}: ${e.field}: ${e.message}` : `${where}: ${e.message}`;
}

/** Orders errors by position; errors at the same place keep the order they were found in. */
export function sortSpecErrors(errors: SpecError[]): SpecError[] {
  return errors
    .map((e, i) => ({ e, i }))
    .sort((a, b) => a.e.line - b.e.line || a.e.col - b.e.col || a.i - b.i)
    .map(({ e }) => e);
}

/** Collects errors for one file, turning character offsets into line and column. */
export class ErrorCollector {
  readonly errors: SpecError[] = [];
  private starts?: number[];

  /**
   * @param file the name errors carry
   * @param lines line starts of the file, filled in by the YAML parser
   * @param source the file's text, for finding what the parsed nodes leave out (where an anchor is written)
   */
  constructor(
    readonly file: string,
    private readonly lines: LineCounter,
    readonly source = '',
  ) {}

  /** Records a problem at character offset `offset` of the file. */
  add(offset: number, field: string, message: string): void {
    const { line, col } = this.position(offset);
    // Keys and values come from the file: one line per error, nothing raw that a terminal acts on.
    this.errors.push({ file: this.file, line, col, field: printable(field, { oneLine: true }), message: printable(message, { oneLine: true }) });
  }

  /**
   * 1-based line and column of an offset, counted on the text itself (line feeds, as YAML counts):
   * the yaml package's LineCounter misses the break after a block scalar header it cannot read.
   */
  private position(offset: number): { line: number; col: number } {
    if (!this.source) return this.lines.linePos(offset);
    this.starts ??= lineStarts(this.source);
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, col: offset - this.starts[lo]! + 1 };
  }

  /** 1-based line of a character offset. */
  lineOf(offset: number): number {
    return this.position(offset).line;
  }

  sorted(): SpecError[] {
    return sortSpecErrors(this.errors);
  }
}

/** Why a YAML error happened, in words that say what to do. */
const YAML_ERROR_HINTS: Record<string, string> = {
  MULTIPLE_DOCS: 'a spec file holds one YAML document; remove the second `---` or split the file',
  TAB_AS_INDENT: 'tabs are not allowed as indentation in YAML; indent with spaces',
  DUPLICATE_KEY: 'duplicate key; each key may appear only once',
};

export interface ParsedYaml {
  doc: Document.Parsed;
  lines: LineCounter;
  collector: ErrorCollector;
  /** True when the YAML itself is broken, so positions and structure beyond it cannot be trusted. */
  syntaxBroken: boolean;
}

/**
 * Parses YAML text, recording every syntax error in the collector. Duplicate keys are left to the
 * caller (`uniqueKeys: false`) so they can be reported with their dotted path.
 */
export function parseYaml(text: string, file: string): ParsedYaml {
  const tooDeep = nestingBeyond(text, MAX_NESTING);
  if (tooDeep !== undefined) {
    // The parser recurses per level: thousands of levels take seconds or overflow its stack.
    const lines = new LineCounter();
    const collector = new ErrorCollector(file, lines, text);
    collector.add(tooDeep, '', `YAML nested more than ${MAX_NESTING} levels deep: a spec or cluster file needs a handful; flatten it`);
    return { doc: parseDocument('', { lineCounter: lines }), lines, collector, syntaxBroken: true };
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: false });
  const collector = new ErrorCollector(file, lines, text);
  for (const err of doc.errors) {
    const hint = YAML_ERROR_HINTS[err.code];
    // The parser may quote the rest of the file after the bad token: its first line is enough.
    const line = err.message.split(/[\n\r]/)[0]!.replace(/\.$/, '');
    const first = line.length > 100 ? `${line.slice(0, 97)}...` : line;
    collector.add(err.pos[0], '', `YAML syntax error: ${hint ?? lowerFirst(first)}`);
  }
  return { doc, lines, collector, syntaxBroken: doc.errors.length > 0 };
}

/** How deep a spec or cluster file may nest collections (flow brackets or block indentation). */
const MAX_NESTING = 64;

/**
 * The offset where `text` first nests deeper than `max` levels, or undefined: flow collections
 * counted by brackets outside quotes, block collections by indentation (2 columns a level, as
 * written; a generous measure). A cheap scan before parsing.
 */
function nestingBeyond(text: string, max: number): number | undefined {
  let depth = 0;
  let quote: string | undefined;
  let lineStart = true;
  let indent = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\n') {
      lineStart = true;
      indent = 0;
      continue;
    }
    if (lineStart) {
      if (c === ' ') {
        indent++;
        if (indent > max * 4) return i;
        continue;
      }
      lineStart = false;
    }
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = undefined;
      continue;
    }
    if (c === '#' && (i === 0 || /\s/.test(text[i - 1]!))) {
      const end = text.indexOf('\n', i);
      i = end < 0 ? text.length : end - 1;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '{' || c === '[') {
      if (++depth > max) return i;
    } else if (c === '}' || c === ']') depth = Math.max(0, depth - 1);
  }
  return undefined;
}

/** Offsets where each line of `text` starts. */
function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

function lowerFirst(s: string): string {
  return s.length > 0 ? s[0].toLowerCase() + s.slice(1) : s;
}
