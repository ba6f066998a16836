// ssh2, loaded on first use: only a cluster with an ssh:// machine needs it, and loading it (and
// its native crypto helpers) is about a tenth of a command's start. Its types are imported as
// types where used; its values come from here.
import { createRequire } from 'node:module';
import type * as Ssh2 from 'ssh2';

const require = createRequire(import.meta.url);
let loaded: typeof Ssh2 | undefined;

/** The ssh2 module (CommonJS: its classes and utils), required the first time this is called. */
export function ssh2(): typeof Ssh2 {
  return (loaded ??= require('ssh2') as typeof Ssh2);
}
