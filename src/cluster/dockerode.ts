// dockerode, loaded without what no dockplan command uses at load time. dockerode's main module
// requires its BuildKit session module (dockerode/lib/session.js, used only when building an
// image with credentials), which requires @grpc/grpc-js and @grpc/proto-loader; docker-modem
// requires its ssh agent (docker-modem/lib/ssh.js, for its own ssh:// mode, which dockplan does
// not use: src/cluster/ssh holds one connection per machine), which requires ssh2. Together about
// a fifth of the start of every command and of the view's first frame (the cold-start benchmark).
// A stand-in for each module is placed in the require cache first; it loads the real module on
// its first call, so nothing dockerode does changes. Were a module not found (another layout),
// dockerode simply loads it as usual.
import { createRequire, Module } from 'node:module';
import { dirname } from 'node:path';
import type DockerType from 'dockerode';

const require = createRequire(import.meta.url);

/**
 * Puts a stand-in for the CommonJS module `id` (whose export is a function; resolved from `from`,
 * a directory, when given) in the require cache: calling it loads the real module and calls its
 * function. Does nothing when `id` cannot be resolved or is already loaded.
 */
function deferFunctionModule(id: string, from?: string): void {
  let file: string;
  try {
    file = require.resolve(id, from ? { paths: [from] } : undefined);
  } catch {
    return;
  }
  if (require.cache[file]) return;
  let real: ((...args: unknown[]) => unknown) | undefined;
  const standIn = new Module(file);
  standIn.filename = file;
  standIn.loaded = true;
  standIn.exports = function (this: unknown, ...args: unknown[]): unknown {
    if (!real) {
      delete require.cache[file];
      real = require(file) as (...args: unknown[]) => unknown;
    }
    return real.apply(this, args);
  };
  require.cache[file] = standIn;
}

deferFunctionModule('dockerode/lib/session');
// docker-modem as dockerode finds it (its own dependency, wherever npm placed it).
deferFunctionModule('docker-modem/lib/ssh', dirname(require.resolve('dockerode')));

/** The dockerode class (see the module): the one value import of dockerode in src/. */
export const Docker = require('dockerode') as typeof DockerType;
/** A dockerode handle. */
export type Docker = DockerType;
