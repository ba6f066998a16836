// Real OpenSSH servers for the ssh:// tests and bench: sshd started inside a test machine's network
// namespace (scripts/cluster.sh: dp-m1..3 at 10.213.0.11..13), with generated host keys, plus a
// HOME holding a generated client key, known_hosts and ~/.ssh/config for dockplan to read.
//
//   const home = makeSshHome(dir);
//   const sshd = await startSshd({ dir, netns: 'dp-m2', address: '10.213.0.12', ports: [{ port, dockerHost }], authorizedKeys: [home.publicKey] });
//   writeFileSync(home.knownHosts, sshd.knownHostsLine(port));
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const SSHD = '/usr/sbin/sshd';

/** One port the sshd listens on, and what a login there runs `docker system dial-stdio` with. */
export interface SshdPort {
  port: number;
  /** SetEnv DOCKER_HOST for logins on this port (the machine's dockerd, or a socket that is not there). */
  dockerHost?: string;
  /** SetEnv PATH for logins on this port (a PATH without docker: "command not found"). */
  path?: string;
}

export interface SshdOptions {
  /** Folder for the config, host key and log (one per sshd: pass a fresh one). */
  dir: string;
  /** Network namespace to run in (dp-m2), or undefined for this one. */
  netns?: string;
  address: string;
  ports: SshdPort[];
  /** authorized_keys lines. */
  authorizedKeys: string[];
}

export interface RunningSshd {
  address: string;
  /** `type base64` of the host key. */
  hostKey: string;
  /** A known_hosts line for this server on `port` (`[address]:port type base64`). */
  knownHostsLine(port: number): string;
  /** TCP connections sshd accepted so far (its "Connection from" lines), on `port` when given. */
  connections(port?: number): number;
  /** Addresses connections came from, in order (a jump host's address, when reached through one). */
  peers(): string[];
  /** Pids of the per-connection sshd processes (killing one drops that connection). */
  connectionPids(): number[];
  /** Established TCP connections on `port` in the namespace (`ss`). */
  established(port: number): number;
  log(): string;
  stop(): Promise<void>;
}

/** A client HOME: ~/.ssh/id_ed25519 (no passphrase), an empty known_hosts, and the config path. */
export interface SshHome {
  home: string;
  identity: string;
  publicKey: string;
  knownHosts: string;
  config: string;
}

export function makeSshHome(dir: string, keyName = 'id_ed25519'): SshHome {
  const ssh = join(dir, '.ssh');
  mkdirSync(ssh, { recursive: true, mode: 0o700 });
  const identity = join(ssh, keyName);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `dockplan-test-${keyName}`, '-f', identity]);
  const knownHosts = join(ssh, 'known_hosts');
  writeFileSync(knownHosts, '');
  return { home: dir, identity, publicKey: readFileSync(`${identity}.pub`, 'utf8').trim(), knownHosts, config: join(ssh, 'config') };
}

/** Starts sshd -D -e and resolves once it listens on every port. */
export async function startSshd(options: SshdOptions): Promise<RunningSshd> {
  const { dir, address } = options;
  mkdirSync(join(dir, 'remote-home'), { recursive: true });
  mkdirSync('/run/sshd', { recursive: true });
  const hostKeyFile = join(dir, 'host_ed25519');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', hostKeyFile]);
  const hostKey = readFileSync(`${hostKeyFile}.pub`, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
  writeFileSync(join(dir, 'authorized_keys'), options.authorizedKeys.map((k) => `${k}\n`).join(''));
  const config = [
    ...options.ports.map((p) => `ListenAddress ${address}:${p.port}`),
    `HostKey ${hostKeyFile}`,
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
    'PidFile none',
    'StrictModes no',
    'UsePAM no',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'PermitRootLogin prohibit-password',
    'AllowTcpForwarding yes',
    // VERBOSE logs "Connection from ADDR port N on ADDR port N": how connections are counted.
    'LogLevel VERBOSE',
    // HOME is the test's own: a login shell started by sshd reads ~/.bashrc, and this machine's
    // may be slow or print. Every variable on one SetEnv line.
    ...options.ports.flatMap((p) => [
      `Match LocalPort ${p.port}`,
      `  SetEnv HOME=${join(dir, 'remote-home')}${p.dockerHost ? ` DOCKER_HOST=${p.dockerHost}` : ''}${p.path ? ` PATH=${p.path}` : ''}`,
    ]),
    '',
  ].join('\n');
  const configFile = join(dir, 'sshd_config');
  writeFileSync(configFile, config);
  const argv = [SSHD, '-D', '-e', '-f', configFile];
  const child: ChildProcess = options.netns ? spawn('ip', ['netns', 'exec', options.netns, ...argv], { stdio: ['ignore', 'ignore', 'pipe'] }) : spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr!.on('data', (chunk: Buffer) => (log += chunk.toString('utf8')));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  // Listening once sshd says so for every port (it logs "Server listening on ADDR port N.").
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`sshd in ${options.netns ?? 'this namespace'} did not start listening within 10 s:\n${log}`)), 10_000);
    const check = (): void => {
      if (options.ports.every((p) => log.includes(`Server listening on ${address} port ${p.port}.`))) {
        clearTimeout(timer);
        child.stderr!.off('data', check);
        resolve();
      }
    };
    child.stderr!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`sshd exited (${code}) before listening:\n${log}`));
    });
    check();
  });

  const connectionLines = (port?: number): RegExpMatchArray[] =>
    [...log.matchAll(/Connection from (\S+) port \d+ on \S+ port (\d+)/g)].filter((m) => port === undefined || Number(m[2]) === port);
  const inNetns = (cmd: string[]): string => execFileSync(options.netns ? 'ip' : cmd[0]!, options.netns ? ['netns', 'exec', options.netns, ...cmd] : cmd.slice(1), { encoding: 'utf8' });
  return {
    address,
    hostKey,
    knownHostsLine: (port) => `[${address}]:${port} ${hostKey}\n`,
    connections: (port) => connectionLines(port).length,
    peers: () => connectionLines().map((m) => m[1]!),
    connectionPids: () => (child.pid ? childPids(child.pid) : []),
    established: (port) => inNetns(['ss', '-Htn', 'state', 'established', `( sport = :${port} )`]).split('\n').filter(Boolean).length,
    log: () => log,
    stop: async () => {
      // Connection processes outlive the listener: end them too (each is this sshd's child).
      for (const pid of child.pid ? childPids(child.pid) : []) {
        try {
          process.kill(pid, 'SIGTERM');
        } catch {
          // already gone
        }
      }
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}

/** Child processes of `pid`, from /proc (`ip netns exec` execs sshd, so the spawned pid is sshd's own). */
function childPids(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // /proc/PID/stat: "pid (comm) state ppid ...": comm may hold spaces, so read after the last ')'.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) children.push(Number(entry));
    } catch {
      // the process ended meanwhile
    }
  }
  return children;
}
