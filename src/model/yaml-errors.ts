// Problems found in a YAML file (a service spec or the cluster file), each tied to the line and
// column a person has to look at. Parsers collect them all and report them at once.
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
    const { line, col } = this.lines.linePos(offset);
    this.errors.push({ file: this.file, line, col, field, message });
  }

  /** 1-based line of a character offset. */
  lineOf(offset: number): number {
    return this.lines.linePos(offset).line;
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
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: false });
  const collector = new ErrorCollector(file, lines, text);
  for (const err of doc.errors) {
    const hint = YAML_ERROR_HINTS[err.code];
    const first = err.message.split('\n')[0].replace(/\.$/, '');
    collector.add(err.pos[0], '', `YAML syntax error: ${hint ?? lowerFirst(first)}`);
  }
  return { doc, lines, collector, syntaxBroken: doc.errors.length > 0 };
}

function lowerFirst(s: string): string {
  return s.length > 0 ? s[0].toLowerCase() + s.slice(1) : s;
}
