// A service whose logs hold what terminals act on: tabs, carriage returns, escape sequences, and
// what each of its records must look like once made safe to show.
import { BUSYBOX } from '../cluster/harness.js';

const COLUMNS = Array.from({ length: 10 }, (_, i) => `c${i + 1}`);

/**
 * The shell loop: every second a counter (`tick N`, so that screens change), the fault report's two
 * records, then one with a colour, a window title (OSC), a screen clear and a cursor move, then one
 * with a backspace and a bell.
 */
const LOOP = [
  'i=0; while true; do',
  'i=$((i+1)); echo "tick $i";',
  `printf '${COLUMNS.join('\\t')}\\tEND\\n';`,
  "printf 'progress 10%%\\rprogress 100%%\\n';",
  "printf '\\033[31mred\\033[0m \\033]0;pwned\\007\\033[2J\\033[Hplain\\n';",
  "printf 'bs\\010 bell\\007 end\\n';",
  'sleep 1; done',
].join(' ');

/** What the records above look like on one line, before any cut to the width. */
export const NOISY_LINES = {
  /** Ten tab-separated columns and END: 83 columns, tabs at 8-column stops. */
  columns: `${COLUMNS.map((c) => c.padEnd(8)).join('')}END`,
  progress: 'progress 100%',
  escapes: 'red plain',
  controls: 'bs^H bell^G end',
} as const;

/** A replicated busybox service printing {@link LOOP}, healthy at once (init, a trivial check). */
export function noisySpec(name: string): string {
  return [
    `name: ${name}`,
    `image: ${BUSYBOX}`,
    'replicas: 1',
    `command: ${JSON.stringify(['sh', '-c', LOOP])}`,
    'healthcheck:',
    '  test: ["CMD", "true"]',
    '  interval: 300ms',
    '  timeout: 2s',
    '  retries: 1',
    'init: true',
    'update:',
    '  monitor: 300ms',
  ].join('\n') + '\n';
}
