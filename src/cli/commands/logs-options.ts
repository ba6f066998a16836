// The parsers of `dockplan logs`'s options (--since, --tail, --grep, --machine), apart from the
// command itself: the command line is built with them on every start, and they load nothing but
// commander and the duration rule.
import { InvalidArgumentError } from 'commander';
import { parseDuration } from '../../model/units.js';

/**
 * `--since`: a duration back from `nowMs` (`10m`, `1h30m`, `90s`) or an RFC 3339 time
 * (`2026-03-01T10:00:00Z`, with a fraction or an offset). Returns ms since the epoch. Throws
 * commander's InvalidArgumentError with what is expected.
 */
export function sinceOption(value: string, nowMs = Date.now()): number {
  const ago = parseDuration(value);
  if (ago !== undefined && /[a-z]$/i.test(value.trim())) return nowMs - ago;
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i.test(value.trim())) {
    const ms = Date.parse(value.trim());
    if (Number.isFinite(ms)) return ms;
  }
  throw new InvalidArgumentError('expected a duration back from now like 10m or 1h30m, or an RFC 3339 time like 2026-03-01T10:00:00Z');
}

/** `--tail`: a whole number of lines (0 and up) or `all`. */
export function tailOption(value: string): number | 'all' {
  if (value === 'all') return 'all';
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('expected a number of lines (0 or more) or all');
  return Number(value);
}

/** `--grep`: a JavaScript regular expression. */
export function grepOption(value: string): RegExp {
  try {
    return new RegExp(value);
  } catch (err) {
    throw new InvalidArgumentError(`not a regular expression: ${(err as Error).message}`);
  }
}

/** `--machine`, repeatable: the names so far plus this one. */
export function machineOption(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
