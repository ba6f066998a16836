#!/usr/bin/env node
import { noticeInterrupts } from '../src/cli/interrupt-notice.js';
import { detachStdioIfGone, terminalGone } from '../src/terminal/hangup.js';
import { charsetOf } from '../src/terminal/locale-charset.js';

// Library deprecation notices (docker-modem's URL parsing over ssh://) mean nothing to an operator.
process.noDeprecation = true;

// A reader that goes away (`dockplan deploy ... | head`, or the terminal of a dropped ssh
// session: EIO) must not kill a deploy half way: output to it is dropped, and the run finishes
// and leaves its history.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EIO') terminalGone();
    else if (err.code !== 'EPIPE') throw err;
  });
}

// Outside a UTF-8 locale every byte written is ASCII: one decision, here, for every command and the view.
// The conversion (and the display-width rules it needs) is loaded only then.
if (charsetOf(process.env) === 'ascii') {
  const { applyCharset } = await import('../src/terminal/charset.js');
  applyCharset(process.env, process.stdout, process.stderr);
}

// An interrupt before a run handles it (while the command loads, or a plan is made) says that
// nothing was changed, and exits 130: listened for before the command line's modules load.
noticeInterrupts();
const { runCli } = await import('../src/cli/main.js');

runCli(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
).finally(detachStdioIfGone);
