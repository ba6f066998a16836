// When the terminal went away (SIGHUP, as a dropped ssh session sends, or EIO on a write), Node on
// exit still tries to restore the terminal's settings it saved at start, fails, and aborts with an
// assertion and exit 134 instead of the run's own exit code (nodejs/node#51519; fixed upstream by
// nodejs/node#58200, which is not in every Node this runs on). Node skips a descriptor that no
// longer refers to the file it saved, so, just before the process exits, stdin, stdout and stderr
// are reopened on /dev/null.
import { closeSync, openSync } from 'node:fs';

let gone = false;

/** Notes that the terminal went away: SIGHUP, or EIO writing to it. */
export function terminalGone(): void {
  gone = true;
}

/**
 * Once the terminal went away (terminalGone), reopens descriptors 0, 1 and 2 on /dev/null. Only
 * for the very end of the process, when nothing else is opening files (a descriptor freed here is
 * taken again at once, by the lowest-first rule). Never throws.
 */
export function detachStdioIfGone(): void {
  if (!gone) return;
  for (const fd of [0, 1, 2]) {
    try {
      closeSync(fd);
      openSync('/dev/null', fd === 0 ? 'r' : 'w');
    } catch {
      // already closed, or /dev/null missing: nothing better to do at exit
    }
  }
}
