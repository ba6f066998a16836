// The kernel-facing parts of a spec: capabilities, sysctls and ulimits.
import { quoted } from './printable.js';
import { isMap, isSeq } from 'yaml';
import { didYouMean } from './did-you-mean.js';
import type { UlimitSpec } from './spec.js';
import { isEmpty, setOwn, type Located, type YamlReader } from './yaml-reader.js';

/** Linux capabilities by their names without `CAP_`, plus Docker's `ALL`. */
export const CAPABILITIES = [
  'ALL', 'AUDIT_CONTROL', 'AUDIT_READ', 'AUDIT_WRITE', 'BLOCK_SUSPEND', 'BPF', 'CHECKPOINT_RESTORE', 'CHOWN',
  'DAC_OVERRIDE', 'DAC_READ_SEARCH', 'FOWNER', 'FSETID', 'IPC_LOCK', 'IPC_OWNER', 'KILL', 'LEASE',
  'LINUX_IMMUTABLE', 'MAC_ADMIN', 'MAC_OVERRIDE', 'MKNOD', 'NET_ADMIN', 'NET_BIND_SERVICE', 'NET_BROADCAST',
  'NET_RAW', 'PERFMON', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYSLOG', 'SYS_ADMIN', 'SYS_BOOT',
  'SYS_CHROOT', 'SYS_MODULE', 'SYS_NICE', 'SYS_PACCT', 'SYS_PTRACE', 'SYS_RAWIO', 'SYS_RESOURCE', 'SYS_TIME',
  'SYS_TTY_CONFIG', 'WAKE_ALARM',
] as const;

/** Resource limits Docker's --ulimit knows. */
export const ULIMIT_NAMES = [
  'as', 'core', 'cpu', 'data', 'fsize', 'locks', 'memlock', 'msgqueue', 'nice', 'nofile', 'nproc', 'rss',
  'rtprio', 'rttime', 'sigpending', 'stack',
] as const;

/**
 * Capability names, normalised to upper case without the `CAP_` prefix (`cap_net_admin` ->
 * `NET_ADMIN`), which is how compose files write them and what Docker accepts either way.
 */
export function readCapabilities(r: YamlReader, at: Located): string[] | undefined {
  const items = r.items(at, 'a list of capability names like NET_ADMIN');
  if (!items) return undefined;
  const out: string[] = [];
  let ok = true;
  for (const item of items) {
    const raw = r.word(item, 'a capability name like NET_ADMIN');
    if (raw === undefined) {
      ok = false;
      continue;
    }
    const name = raw.trim().toUpperCase().replace(/^CAP_/, '');
    if (!(CAPABILITIES as readonly string[]).includes(name)) {
      r.error(item, `unknown capability ${quoted(raw)}${didYouMean(name, CAPABILITIES) || '; see capabilities(7) for the names'}`);
      ok = false;
    } else if (out.includes(name)) {
      r.error(item, `${name} is listed twice`);
      ok = false;
    } else out.push(name);
  }
  return ok ? out : undefined;
}

/** `net.core.somaxconn: 1024` or `- net.core.somaxconn=1024`. */
export function readSysctls(r: YamlReader, at: Located): Record<string, string> | undefined {
  return readKeyValues(r, at, 'sysctl', /^[a-zA-Z0-9_]+([./][a-zA-Z0-9_-]+)*$/, 'a kernel parameter name like net.core.somaxconn');
}

/**
 * A mapping of names to scalar values, or a list of `KEY=VALUE` strings (env, sysctls). Names
 * must match `validKey`; a name given twice in the list form is an error.
 */
export function readKeyValues(r: YamlReader, at: Located, what: string, validKey: RegExp, keyHint: string): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  let ok = true;
  if (isSeq(at.node)) {
    const items = r.items(at) ?? [];
    const seen = new Map<string, number>();
    items.forEach((item, i) => {
      const s = r.string(item, { expected: `a ${what} as KEY=VALUE` });
      if (s === undefined) {
        ok = false;
        return;
      }
      const eq = s.indexOf('=');
      if (eq < 0) {
        r.error(item, `expected a ${what} as KEY=VALUE, got ${quoted(s)}; write it as ${quoted(`${s}=`)} for an empty value`);
        ok = false;
        return;
      }
      const key = s.slice(0, eq);
      if (!validKey.test(key)) {
        r.error(item, `invalid ${what} name ${quoted(key)}; expected ${keyHint}`);
        ok = false;
        return;
      }
      const first = seen.get(key);
      if (first !== undefined) {
        r.error(item, `${key} is already set by ${at.path}[${first}]`);
        ok = false;
        return;
      }
      seen.set(key, i);
      setOwn(out, key, s.slice(eq + 1));
    });
    return ok ? out : undefined;
  }
  const entries = r.entries(at, `a mapping of ${what} names to values or a list of KEY=VALUE`);
  if (!entries) return undefined;
  for (const { key, keyAt, value } of entries) {
    if (!validKey.test(key)) {
      r.error(keyAt, `invalid ${what} name ${quoted(key)}; expected ${keyHint}`);
      ok = false;
      continue;
    }
    const s = isEmpty(value) ? '' : r.string(value, { scalars: true, expected: 'a string, number or boolean' });
    if (s === undefined) ok = false;
    else setOwn(out, key, s);
  }
  return ok ? out : undefined;
}

/** `nofile: 1024` (soft = hard) or `nofile: {soft: 1024, hard: 4096}`. */
export function readUlimits(r: YamlReader, at: Located): Record<string, UlimitSpec> | undefined {
  const entries = r.entries(at, 'a mapping of limit names to a number or {soft, hard}');
  if (!entries) return undefined;
  const out: Record<string, UlimitSpec> = {};
  let ok = true;
  for (const { key, keyAt, value } of entries) {
    if (!(ULIMIT_NAMES as readonly string[]).includes(key)) {
      r.error(keyAt, `unknown ulimit ${quoted(key)}${didYouMean(key, ULIMIT_NAMES) || `; expected one of ${ULIMIT_NAMES.join(', ')}`}`);
      ok = false;
      continue;
    }
    const limit = readUlimit(r, value);
    if (limit) setOwn(out, key, limit);
    else ok = false;
  }
  return ok ? out : undefined;
}

function readUlimit(r: YamlReader, at: Located): UlimitSpec | undefined {
  if (!isMap(at.node)) {
    const n = r.integer(at, 0);
    return n === undefined ? undefined : { soft: n, hard: n };
  }
  const f = r.fields(at, ['soft', 'hard']);
  if (!f) return undefined;
  const softAt = r.require(f, 'soft', at, 'missing; give both soft and hard, or one number for both');
  const hardAt = r.require(f, 'hard', at, 'missing; give both soft and hard, or one number for both');
  const soft = softAt ? r.integer(softAt, 0) : undefined;
  const hard = hardAt ? r.integer(hardAt, 0) : undefined;
  if (soft === undefined || hard === undefined || !softAt) return undefined;
  if (soft > hard) {
    r.error(softAt, `the soft limit ${soft} is above the hard limit ${hard}; soft must be <= hard`);
    return undefined;
  }
  return { soft, hard };
}
