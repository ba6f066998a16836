// dockplan's configuration file: `$XDG_CONFIG_HOME/dockplan/config.yaml` (default
// `~/.config/dockplan/config.yaml`). Optional: without it every setting has its default. Today it
// holds one section, what counts as secret:
//
//   secrets:
//     keys: [CONN, DSN_URL]        # more words (or whole names) whose values are secret
//     not: [PUBLIC_KEY, KEYBOARD]  # words (or names) that are never secret, beating the built-in ones
//
// Problems are reported all at once, each as FILE:LINE:COL: field: what is wrong.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileProblem } from '../model/file-problem.js';
import { formatSpecError, parseYaml } from '../model/yaml-errors.js';
import { isEmpty, YamlReader, type Located } from '../model/yaml-reader.js';
import { DEFAULT_SECRET_POLICY, type SecretPolicy } from '../plan/secrets.js';
import { configDir, type XdgEnv } from './xdg.js';

/** The file's name inside the configuration directory. */
export const CONFIG_FILE = 'config.yaml';

/** What the configuration file sets, defaults filled in. */
export interface DockplanConfig {
  /** What counts as secret beyond the built-in words (src/plan/secrets.ts). */
  secrets: SecretPolicy;
}

/** The configuration when there is no file. */
export const DEFAULT_CONFIG: DockplanConfig = { secrets: DEFAULT_SECRET_POLICY };

/** A configuration file that cannot be used: the message names the file and every problem, by line and column. */
export class ConfigFileError extends Error {
  constructor(message: string, readonly file: string) {
    super(message);
    this.name = 'ConfigFileError';
  }
}

/** A word or name as an env variable or option name is written: letters, digits, `_`, `-`, `.`. */
const NAME = /^[A-Za-z0-9_.-]+$/;

/** The entries of `secrets.keys` or `secrets.not`: names, each checked where it is written. */
function names(r: YamlReader, at: Located): string[] {
  const items = r.items(at, 'a list of names, like [DSN, CONN_STRING]');
  if (!items) return [];
  const out: string[] = [];
  for (const item of items) {
    const word = r.word(item, 'a name (letters, digits, _ - .)');
    if (word === undefined) continue;
    if (!NAME.test(word)) r.error(item, `expected a name (letters, digits, _ - .), got ${JSON.stringify(word)}`);
    else out.push(word);
  }
  return out;
}

/**
 * The configuration in `text` (the file `file`). Unknown keys are errors with a did-you-mean (a
 * file that says something dockplan would ignore is refused, not half read). Throws a
 * ConfigFileError listing every problem as `FILE:LINE:COL: field: what is wrong`.
 */
export function parseConfig(text: string, file: string): DockplanConfig {
  const { doc, collector, syntaxBroken } = parseYaml(text, file);
  const config: DockplanConfig = { secrets: { words: [], not: [] } };
  if (!syntaxBroken) {
    const r = new YamlReader(doc, collector);
    const root = r.root();
    const top = isEmpty(root) ? undefined : r.fields(root, ['secrets'], { secret: 'secrets' }, 'a mapping with the key secrets');
    const at = top?.get('secrets');
    const section = at && !isEmpty(at) ? r.fields(at, ['keys', 'not'], { words: 'keys', secret: 'keys', allow: 'not', ignore: 'not', except: 'not' }, 'a mapping with keys keys and not') : undefined;
    const keys = section?.get('keys');
    const not = section?.get('not');
    config.secrets = { words: keys && !isEmpty(keys) ? names(r, keys) : [], not: not && !isEmpty(not) ? names(r, not) : [] };
  }
  const errors = collector.sorted();
  if (errors.length > 0) {
    const n = errors.length;
    throw new ConfigFileError(`the configuration file ${file} has ${n} problem${n === 1 ? '' : 's'}:\n${errors.map((e) => formatSpecError(e)).join('\n')}`, file);
  }
  return config;
}

/** Where the configuration file is: `file` when given, else config.yaml in the XDG configuration directory. */
export function configFilePath(where: XdgEnv & { file?: string } = {}): string {
  return where.file ?? join(configDir(where), CONFIG_FILE);
}

/**
 * Reads the configuration file (see configFilePath); no file is the default configuration. Throws
 * a ConfigFileError for a file that cannot be read (saying why) or is not a valid configuration.
 */
export async function readConfig(where: XdgEnv & { file?: string } = {}): Promise<DockplanConfig> {
  let file: string;
  try {
    file = configFilePath(where);
  } catch {
    // No home directory and no XDG_CONFIG_HOME: there is no configuration file to read.
    return DEFAULT_CONFIG;
  }
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return DEFAULT_CONFIG;
    throw new ConfigFileError(`cannot read the configuration file ${file}: ${fileProblem(err)}`, file);
  }
  return parseConfig(text, file);
}
