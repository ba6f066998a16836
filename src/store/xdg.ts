// Where dockplan keeps files of its own on this machine, by the XDG Base Directory rules
// (https://specifications.freedesktop.org/basedir-spec/latest/): state, such as the deploy history,
// under $XDG_STATE_HOME; the configuration file under $XDG_CONFIG_HOME. Written here rather than
// taken from a library: see README (libraries).
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';

/** The folder name under each base directory. */
export const APP_DIR = 'dockplan';

/** What the rule reads: the environment and the home directory (os.homedir() by default). */
export interface XdgEnv {
  env?: NodeJS.ProcessEnv;
  home?: string;
}

function home(given: string | undefined): string | undefined {
  if (given !== undefined) return given || undefined;
  try {
    return homedir() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * One base directory: the variable when it is set to an absolute path (the spec: an empty variable
 * means unset, and a relative path is invalid and must be ignored), else `$HOME/<fallback>`.
 * Throws when neither gives a directory, saying which variable to set.
 */
function baseDir(variable: string, fallback: string, where: XdgEnv): string {
  const value = (where.env ?? process.env)[variable];
  if (value && isAbsolute(value)) return value;
  const h = home(where.home);
  if (!h) throw new Error(`no directory for dockplan's files: set ${variable} (an absolute path) or HOME`);
  return join(h, fallback);
}

/** `$XDG_STATE_HOME/dockplan`, default `~/.local/state/dockplan`: the deploy history. */
export function stateDir(where: XdgEnv = {}): string {
  return join(baseDir('XDG_STATE_HOME', join('.local', 'state'), where), APP_DIR);
}

/** `$XDG_CONFIG_HOME/dockplan`, default `~/.config/dockplan`: the configuration file (config.yaml). */
export function configDir(where: XdgEnv = {}): string {
  return join(baseDir('XDG_CONFIG_HOME', '.config', where), APP_DIR);
}

/**
 * `$XDG_CACHE_HOME/dockplan`, default `~/.cache/dockplan`: files dockplan may lose, such as the
 * view's scratch copy of a spec being edited (removed when the editor closes).
 */
export function cacheDir(where: XdgEnv = {}): string {
  return join(baseDir('XDG_CACHE_HOME', '.cache', where), APP_DIR);
}
