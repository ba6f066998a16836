// The values a container really runs with, as Docker's inspection reports them: the only place
// (besides the spec file) a secret value can be read back from, since labels hold only tokens.
import { inspect } from 'node:util';

/**
 * Env, log options and named-volume driver options of one container (`docker inspect`:
 * Config.Env, HostConfig.LogConfig.Config, HostConfig.Mounts[].VolumeOptions.DriverConfig.Options).
 * Kept in memory only: JSON.stringify leaves it out and util.inspect shows only counts, so a state
 * or a plan written anywhere never copies the values.
 */
export class RunningValues {
  readonly #env: Record<string, string>;
  readonly #logOptions: Record<string, string>;
  readonly #volumeOptions: Record<string, Record<string, string>>;

  constructor(env: Record<string, string>, logOptions: Record<string, string> = {}, volumeOptions: Record<string, Record<string, string>> = {}) {
    this.#env = { ...env };
    this.#logOptions = { ...logOptions };
    this.#volumeOptions = Object.fromEntries(Object.entries(volumeOptions).map(([k, v]) => [k, { ...v }]));
  }

  /** From Docker's `KEY=VALUE` list (a name without `=` is a variable set to nothing). */
  static fromDocker(env: readonly string[] | null | undefined, logOptions?: Record<string, string> | null, volumeOptions?: Record<string, Record<string, string>>): RunningValues {
    const vars: Record<string, string> = {};
    for (const item of env ?? []) {
      const at = item.indexOf('=');
      if (at < 0) vars[item] = '';
      else vars[item.slice(0, at)] = item.slice(at + 1);
    }
    return new RunningValues(vars, logOptions ?? {}, volumeOptions ?? {});
  }

  /** The value of a spec path (`env.KEY`, `logging.options.KEY`, `volumes.NAME.driver_opts.KEY`); undefined when the container has none. */
  at(path: string): string | undefined {
    if (path.startsWith('env.')) return own(this.#env, path.slice(4));
    if (path.startsWith('logging.options.')) return own(this.#logOptions, path.slice('logging.options.'.length));
    const m = /^volumes\.(.+)\.driver_opts\.(.+)$/.exec(path);
    if (m) {
      const options = own(this.#volumeOptions, m[1]!);
      return options === undefined ? undefined : own(options, m[2]!);
    }
    return undefined;
  }

  /** Every value, in no particular order: what a sealed spec may be opened with. */
  values(): string[] {
    return [...Object.values(this.#env), ...Object.values(this.#logOptions), ...Object.values(this.#volumeOptions).flatMap((o) => Object.values(o))];
  }

  toJSON(): undefined {
    return undefined;
  }

  [inspect.custom](): string {
    return `RunningValues(${Object.keys(this.#env).length} env, ${Object.keys(this.#logOptions).length} log options)`;
  }
}

function own<T>(record: Record<string, T>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}
