// Where an ssh:// machine really is and how to log in, from ~/.ssh/config and /etc/ssh/ssh_config,
// read the way OpenSSH reads them (ssh_config(5)): the first value obtained for an option wins,
// user file before system file, Host patterns with wildcards and negation, IdentityFile repeatable.
// The `ssh-config` library parses the files and computes the options for one host; this module
// follows Include, expands tokens and ~, applies OpenSSH's defaults and walks ProxyJump.
import { readFileSync, readdirSync } from 'node:fs';
import { hostname as localHostName, userInfo } from 'node:os';
import { basename, dirname, isAbsolute, join } from 'node:path';
import SSHConfig, { type Line } from 'ssh-config';
import { globMatches } from './known-hosts.js';
import { SshError } from './ssh-errors.js';

/** A place to log in, before ~/.ssh/config is applied: from a host string or a ProxyJump hop. */
export interface SshDestination {
  /** A host name, an address, or a Host alias of ~/.ssh/config. */
  host: string;
  /** Given explicitly (ssh://user@...): beats User in the config, as ssh's command line does. */
  user?: string;
  /** Given explicitly (ssh://host:2222): beats Port in the config. */
  port?: number;
}

/** One ssh server to log in to, with every option dockplan honours resolved. */
export interface SshEndpoint {
  /** The name as given (an alias, or the host itself): for messages. */
  alias: string;
  /** Where to connect: HostName, else the alias. */
  hostName: string;
  port: number;
  user: string;
  /** Private key files to try, absolute: IdentityFile, else OpenSSH's defaults. */
  identityFiles: string[];
  /** IdentitiesOnly yes: offer only the agent's keys that match an identity file. */
  identitiesOnly: boolean;
  /** ssh-agent's socket (IdentityAgent, else SSH_AUTH_SOCK); absent: no agent. */
  agentSocket?: string;
  /** known_hosts files to read: UserKnownHostsFile then GlobalKnownHostsFile, absolute. */
  knownHostsFiles: string[];
  /** The name the host key is recorded under (HostKeyAlias, else HostName and port: see knownHostName). */
  hostKeyAlias?: string;
  /** `yes` (and `ask`, as no one can be asked): unknown keys refused; `accept-new`/`no`: recorded. */
  strictHostKeyChecking: 'yes' | 'accept-new';
  /** HashKnownHosts: hash the names of keys recorded by accept-new. */
  hashKnownHosts: boolean;
  /** ConnectTimeout, in ms; absent: dockplan's own default. */
  connectTimeoutMs?: number;
  /** ServerAliveInterval in ms (0: off) and ServerAliveCountMax. */
  serverAliveIntervalMs: number;
  serverAliveCountMax: number;
}

/** The hops to a machine: jump hosts in the order they are visited, then the machine itself. */
export interface SshRoute {
  jumps: SshEndpoint[];
  target: SshEndpoint;
}

/** What tokens, ~ and defaults are expanded against. */
export interface SshContext {
  home: string;
  localUser: string;
  /** The environment: SSH_AUTH_SOCK, and `$VAR` in IdentityAgent. */
  env: NodeJS.ProcessEnv;
}

/** The files the config is read from; the system file is /etc/ssh/ssh_config unless given. */
export interface SshConfigFiles {
  user: string;
  system: string;
}

/** The context of this process: HOME (env.HOME, else the OS's), USER (env.USER, else the OS's). */
export function sshContextOf(env: NodeJS.ProcessEnv): SshContext {
  let osUser = '';
  try {
    osUser = userInfo().username;
  } catch {
    // no passwd entry: only env.USER can tell
  }
  return { home: env.HOME || userInfoHome(), localUser: env.USER || osUser || 'root', env };
}

function userInfoHome(): string {
  try {
    return userInfo().homedir;
  } catch {
    return '/';
  }
}

/** ~/.ssh/config of `context.home` and the system-wide /etc/ssh/ssh_config. */
export function defaultConfigFiles(context: SshContext): SshConfigFiles {
  return { user: join(context.home, '.ssh', 'config'), system: '/etc/ssh/ssh_config' };
}

/**
 * Reads the user and system config (a missing file is empty), following `Include` (globs in the
 * last path component; relative paths from ~/.ssh for the user file and /etc/ssh for the system
 * file, as ssh_config(5) says). The user file comes first, so its values win.
 * Throws SshError('config') when a file exists but cannot be read.
 */
export function readSshConfig(files: SshConfigFiles, context: SshContext): SSHConfig {
  const combined = new SSHConfig();
  combined.push(...expandIncludes(readConfigFile(files.user), join(context.home, '.ssh'), context, 0));
  combined.push(...expandIncludes(readConfigFile(files.system), dirname(files.system), context, 0));
  return combined;
}

function readConfigFile(path: string): SSHConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return new SSHConfig();
    throw new SshError('config', `cannot read ${path} (${code ?? String(err)})`);
  }
  try {
    return SSHConfig.parse(text);
  } catch (err) {
    throw new SshError('config', `cannot parse ${path}: ${(err as Error).message}`);
  }
}

/** Replaces every Include line (at the top or inside a Host/Match block) by the lines of the files it names. */
function expandIncludes(config: SSHConfig, baseDir: string, context: SshContext, depth: number): Line[] {
  const out: Line[] = [];
  for (const line of config) {
    if (line.type === SSHConfig.DIRECTIVE && /^include$/i.test(line.param)) {
      // OpenSSH's limit on nested includes is 16 (READCONF_MAX_DEPTH).
      if (depth >= 16) throw new SshError('config', `Include nested more than 16 deep in ~/.ssh/config (a loop?)`);
      for (const pattern of valuesOf(line.value)) {
        for (const file of includedFiles(expandTilde(pattern, context.home), baseDir)) {
          out.push(...expandIncludes(readConfigFile(file), baseDir, context, depth + 1));
        }
      }
      continue;
    }
    if ('config' in line && line.config) {
      const inner = new SSHConfig();
      inner.push(...expandIncludes(line.config, baseDir, context, depth));
      line.config = inner;
    }
    out.push(line);
  }
  return out;
}

function includedFiles(pattern: string, baseDir: string): string[] {
  const path = isAbsolute(pattern) ? pattern : join(baseDir, pattern);
  const name = basename(path);
  if (!/[*?]/.test(name)) return [path];
  try {
    return readdirSync(dirname(path))
      .filter((entry) => globMatches(name, entry))
      .sort()
      .map((entry) => join(dirname(path), entry));
  } catch {
    return [];
  }
}

function valuesOf(value: string | { val: string }[]): string[] {
  return typeof value === 'string' ? [value] : value.map((v) => v.val);
}

/**
 * Parses `[user@]host[:port]` or `ssh://[user@]host[:port]` (a host string's or a ProxyJump hop's
 * form; an IPv6 address in brackets). Throws SshError('config') naming `what` when it does not parse.
 */
export function parseDestination(text: string, what: string): SshDestination {
  const url = text.startsWith('ssh://') ? text : `ssh://${text}`;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new SshError('config', `${what} ${text}: not [user@]host[:port]`);
  }
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  if (!host || (parsed.pathname && parsed.pathname !== '/')) throw new SshError('config', `${what} ${text}: not [user@]host[:port]`);
  return {
    host: decodeURIComponent(host),
    ...(parsed.username ? { user: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.port ? { port: Number(parsed.port) } : {}),
  };
}

/** Private keys OpenSSH tries when no IdentityFile is set, in its order (readconf.c), of the types ssh2 can use. */
export const DEFAULT_IDENTITY_FILES = ['~/.ssh/id_rsa', '~/.ssh/id_ecdsa', '~/.ssh/id_ed25519'];

/**
 * Resolves one destination against the config: HostName (with %h), User, Port, IdentityFile,
 * IdentitiesOnly, IdentityAgent, UserKnownHostsFile, GlobalKnownHostsFile, HostKeyAlias,
 * StrictHostKeyChecking, HashKnownHosts, ConnectTimeout, ServerAliveInterval/CountMax.
 * Defaults are OpenSSH's: port 22, the local user, ~/.ssh/known_hosts(2), /etc/ssh/ssh_known_hosts(2).
 * Throws SshError('config') on a value that does not parse.
 */
export function resolveEndpoint(config: SSHConfig, destination: SshDestination, context: SshContext): SshEndpoint {
  const options = computeOptions(config, destination, context);
  const first = (key: string): string | undefined => {
    const value = options[key];
    return Array.isArray(value) ? value[0] : value;
  };
  const all = (key: string): string[] => {
    const value = options[key];
    return value === undefined ? [] : Array.isArray(value) ? value : [value];
  };
  const alias = destination.host;
  const hostName = (first('hostname') ?? alias).replace(/%(%|h)/g, (_, t: string) => (t === '%' ? '%' : alias));
  const port = destination.port ?? numberOption(first('port') ?? '22', 'Port', alias, 1, 65535);
  const user = destination.user ?? first('user') ?? context.localUser;
  const tokens: Record<string, string> = {
    '%': '%', d: context.home, h: hostName, n: alias, p: String(port), r: user, u: context.localUser,
    i: String(process.getuid?.() ?? 0), l: localHostName(), L: localHostName().split('.')[0]!,
  };
  const hostKeyAlias = first('hostkeyalias');
  if (hostKeyAlias) tokens.k = hostKeyAlias;
  const path = (value: string): string => expandTilde(expandTokens(value, tokens), context.home);

  const identities = all('identityfile').filter((f) => f.toLowerCase() !== 'none');
  const explicitNone = all('identityfile').some((f) => f.toLowerCase() === 'none');
  const identityFiles = (identities.length || explicitNone ? identities : DEFAULT_IDENTITY_FILES).map(path);

  const agentOption = first('identityagent');
  let agentSocket: string | undefined = context.env.SSH_AUTH_SOCK || undefined;
  if (agentOption !== undefined) {
    if (agentOption.toLowerCase() === 'none') agentSocket = undefined;
    else if (agentOption === 'SSH_AUTH_SOCK') agentSocket = context.env.SSH_AUTH_SOCK || undefined;
    else if (agentOption.startsWith('$')) agentSocket = context.env[agentOption.slice(1)] || undefined;
    else agentSocket = path(agentOption);
  }

  const userKnown = splitFiles(all('userknownhostsfile'));
  const globalKnown = splitFiles(all('globalknownhostsfile'));
  const knownHostsFiles = [
    ...(userKnown.length ? userKnown : ['~/.ssh/known_hosts', '~/.ssh/known_hosts2']),
    ...(globalKnown.length ? globalKnown : ['/etc/ssh/ssh_known_hosts', '/etc/ssh/ssh_known_hosts2']),
  ]
    .filter((f) => f.toLowerCase() !== 'none')
    .map(path);

  const strict = (first('stricthostkeychecking') ?? 'ask').toLowerCase();
  if (!['yes', 'ask', 'no', 'off', 'accept-new'].includes(strict)) {
    throw new SshError('config', `StrictHostKeyChecking ${strict} for ${alias} in ~/.ssh/config: use yes, ask, accept-new or no`);
  }
  const connectTimeout = first('connecttimeout');
  const aliveInterval = first('serveraliveinterval');
  return {
    alias,
    hostName,
    port,
    user,
    identityFiles,
    identitiesOnly: isYes(first('identitiesonly')),
    ...(agentSocket ? { agentSocket } : {}),
    knownHostsFiles,
    ...(hostKeyAlias ? { hostKeyAlias } : {}),
    strictHostKeyChecking: strict === 'yes' || strict === 'ask' ? 'yes' : 'accept-new',
    hashKnownHosts: isYes(first('hashknownhosts')),
    ...(connectTimeout ? { connectTimeoutMs: numberOption(connectTimeout, 'ConnectTimeout', alias, 1, 3600) * 1000 } : {}),
    serverAliveIntervalMs: aliveInterval ? numberOption(aliveInterval, 'ServerAliveInterval', alias, 0, 86400) * 1000 : 0,
    serverAliveCountMax: numberOption(first('serveralivecountmax') ?? '3', 'ServerAliveCountMax', alias, 1, 1000),
  };
}

/**
 * The route to a machine: its endpoint and, from ProxyJump (comma-separated hops, visited in
 * order), the jump hosts. Each hop is resolved against the config by its own name; the first hop's
 * own ProxyJump is followed too (as ssh does when it logs in to the first hop), later hops' are not.
 * Throws SshError('config') for ProxyCommand (dockplan does not run commands to connect: use
 * ProxyJump), a hop that does not parse, or a jump chain that loops.
 */
export function resolveRoute(config: SSHConfig, destination: SshDestination, context: SshContext): SshRoute {
  return { jumps: jumpsFor(config, destination, context, 0), target: resolveEndpoint(config, destination, context) };
}

function jumpsFor(config: SSHConfig, destination: SshDestination, context: SshContext, depth: number): SshEndpoint[] {
  const options = computeOptions(config, destination, context);
  const jump = firstValue(options.proxyjump);
  const command = firstValue(options.proxycommand);
  if (!jump || jump.toLowerCase() === 'none') {
    if (command && command.toLowerCase() !== 'none') {
      throw new SshError('config', `~/.ssh/config gives ${destination.host} a ProxyCommand, which dockplan does not run: reach it with ProxyJump instead`);
    }
    return [];
  }
  if (depth >= 8) throw new SshError('config', `ProxyJump for ${destination.host} goes more than 8 hosts deep in ~/.ssh/config (a loop?)`);
  const hops = jump.split(',').map((hop) => parseDestination(hop.trim(), `ProxyJump of ${destination.host}:`));
  const [first, ...rest] = hops;
  return [
    ...jumpsFor(config, first!, context, depth + 1),
    resolveEndpoint(config, first!, context),
    ...rest.map((hop) => resolveEndpoint(config, hop, context)),
  ];
}

function computeOptions(config: SSHConfig, destination: SshDestination, context: SshContext): Record<string, string | string[]> {
  // `Match exec` is not run: reading the config must not start commands (it then never matches).
  // An explicit user goes in first so that it wins over User lines, as ssh's command line does.
  const query = destination.user !== undefined ? { Host: destination.host, User: destination.user } : { Host: destination.host };
  return config.compute(query, { ignoreCase: true, matchExec: false });
}

function firstValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function splitFiles(values: string[]): string[] {
  return values.flatMap((v) => v.split(/\s+/)).filter(Boolean);
}

function isYes(value: string | undefined): boolean {
  return value !== undefined && ['yes', 'true'].includes(value.toLowerCase());
}

function numberOption(text: string, name: string, alias: string, min: number, max: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new SshError('config', `${name} ${text} for ${alias} in ~/.ssh/config: a whole number from ${min} to ${max}`);
  }
  return n;
}

function expandTokens(value: string, tokens: Record<string, string>): string {
  return value.replace(/%(.)/g, (whole, t: string) => tokens[t] ?? whole);
}

function expandTilde(path: string, home: string): string {
  if (path === '~') return home;
  return path.startsWith('~/') ? join(home, path.slice(2)) : path;
}
