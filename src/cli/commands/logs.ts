// `dockplan logs SERVICE`: every replica's logs merged by time, each line prefixed with its machine
// and container; with -f, followed (new containers included) until Ctrl-C.
import type { LogFollowClient } from '../../execute/client.js';
import { ServiceLogs, type ServiceLogEntry } from '../../execute/log-follow.js';
import { displayLine } from '../../terminal/text.js';
import { EXIT } from '../exit-codes.js';

/** The flags of `dockplan logs`, parsed. */
export interface LogsFlags {
  follow?: boolean;
  /** Machine names; none: every machine. */
  machine?: string[];
  /** ms since the epoch (see sinceOption). */
  since?: number;
  /** Records per container before following; 'all' by default, as `docker logs`. */
  tail?: number | 'all';
  /** Only lines (as shown: control characters neutralised) that match. */
  grep?: RegExp;
  /** Each line shows its record's time (RFC 3339, nanoseconds, UTC) after the prefix. */
  timestamps?: boolean;
}

/** Where the command writes, and what ends it early: the process by default; tests pass their own. */
export interface LogsIO {
  /** One line of logs (stdout). */
  line(text: string): void;
  /** A notice: a machine down or back, a container that cannot be read (stderr). */
  notice(text: string): void;
  /**
   * Called once when the command starts; calls `end` when the reader goes away (EPIPE: exit 0)
   * or the user interrupts (SIGINT, SIGTERM: exit 130). Returns the function that stops listening.
   */
  onEnd(end: (code: number) => void): () => void;
}

// The option parsers live apart so that building the command line loads none of the log reading.
export { grepOption, machineOption, sinceOption, tailOption } from './logs-options.js';

/**
 * One entry as a line: `m1 web-ab12 | text` (machine and container padded to `widths`), the
 * record's time after the bar with `timestamps`. The text is one display line (terminal/text.ts:
 * escape sequences removed, tabs expanded, other controls in caret notation).
 */
export function logLine(entry: Extract<ServiceLogEntry, { kind: 'record' }>, widths: { machine: number; container: number }, timestamps = false, shown = displayLine(entry.record.text)): string {
  const prefix = `${displayLine(entry.machine).padEnd(widths.machine)} ${displayLine(entry.container).padEnd(widths.container)} |`;
  return `${prefix} ${timestamps ? `${entry.record.time} ` : ''}${shown}`;
}

/**
 * Runs `dockplan logs`. Returns 0 when the read is over (or the reader went away), 130 when
 * interrupted. Throws LogScopeError for an unknown service or machine (main prints it).
 */
export async function logsCommand(client: LogFollowClient, service: string, flags: LogsFlags, io: LogsIO = processIO()): Promise<number> {
  const logs = await ServiceLogs.open(client, {
    service,
    follow: flags.follow === true,
    tail: flags.tail ?? 'all',
    ...(flags.machine?.length ? { machines: flags.machine } : {}),
    ...(flags.since !== undefined ? { since: flags.since } : {}),
  });
  const widths = { machine: 0, container: 0 };
  const widen = (machine: string, container: string) => {
    widths.machine = Math.max(widths.machine, machine.length);
    widths.container = Math.max(widths.container, container.length);
  };
  for (const s of logs.sources()) widen(s.machine, s.container);
  let code: number = EXIT.ok;
  const controller = new AbortController();
  const stopListening = io.onEnd((c) => {
    if (controller.signal.aborted) return;
    code = c;
    controller.abort();
  });
  try {
    await logs.run((entries) => {
      for (const e of entries) {
        // The reader went away: nothing more to write.
        if (controller.signal.aborted && code === EXIT.ok) return;
        if (e.kind === 'notice') {
          io.notice(displayLine(e.text));
          continue;
        }
        const shown = displayLine(e.record.text);
        if (flags.grep && !flags.grep.test(shown)) continue;
        widen(e.machine, e.container);
        io.line(logLine(e, widths, flags.timestamps, shown));
      }
    }, controller.signal);
  } finally {
    stopListening();
  }
  return code;
}

/** stdout and stderr of this process; EPIPE on stdout and SIGINT/SIGTERM end the command. */
function processIO(): LogsIO {
  return {
    line: (text) => void process.stdout.write(`${text}\n`),
    notice: (text) => void process.stderr.write(`${text}\n`),
    onEnd(end) {
      const onError = (err: NodeJS.ErrnoException) => {
        if (err.code === 'EPIPE') end(EXIT.ok);
      };
      const onSignal = () => end(EXIT.interrupted);
      process.stdout.on('error', onError);
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      return () => {
        process.stdout.off('error', onError);
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      };
    },
  };
}
