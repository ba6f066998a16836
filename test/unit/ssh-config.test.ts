// ~/.ssh/config read the way OpenSSH reads it: aliases, wildcards, first value wins, the command
// line (the host string) beats the file, tokens, defaults, ProxyJump chains, Include.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import SSHConfig from 'ssh-config';
import { parseDestination, readSshConfig, resolveEndpoint, resolveRoute, type SshContext } from '../../src/cluster/ssh/ssh-config.js';
import { SshError } from '../../src/cluster/ssh/ssh-errors.js';

const context: SshContext = { home: '/home/me', localUser: 'me', env: { SSH_AUTH_SOCK: '/run/agent.sock' } };

function config(...lines: string[]): SSHConfig {
  return SSHConfig.parse(lines.join('\n'));
}

describe('ssh config: one endpoint', () => {
  it('without a config: the host itself, port 22, the local user, OpenSSH default keys and known_hosts files, the agent', () => {
    const e = resolveEndpoint(config(), { host: 'box' }, context);
    assert.deepEqual(
      { hostName: e.hostName, port: e.port, user: e.user, agent: e.agentSocket, strict: e.strictHostKeyChecking },
      { hostName: 'box', port: 22, user: 'me', agent: '/run/agent.sock', strict: 'yes' },
    );
    assert.deepEqual(e.identityFiles, ['/home/me/.ssh/id_rsa', '/home/me/.ssh/id_ecdsa', '/home/me/.ssh/id_ed25519']);
    assert.deepEqual(e.knownHostsFiles, ['/home/me/.ssh/known_hosts', '/home/me/.ssh/known_hosts2', '/etc/ssh/ssh_known_hosts', '/etc/ssh/ssh_known_hosts2']);
  });

  it('an alias with wildcards: HostName (%h), User, Port, IdentityFile; the first value obtained wins', () => {
    const c = config(
      'Host web-*',
      '  HostName %h.internal',
      '  User deploy',
      '  Port 2200',
      '  IdentityFile ~/.ssh/deploy_%r',
      'Host *',
      '  User nobody',
      '  Port 22',
      '  IdentityFile ~/.ssh/fallback',
    );
    const e = resolveEndpoint(c, { host: 'web-1' }, context);
    assert.deepEqual(
      { hostName: e.hostName, user: e.user, port: e.port, files: e.identityFiles },
      { hostName: 'web-1.internal', user: 'deploy', port: 2200, files: ['/home/me/.ssh/deploy_deploy', '/home/me/.ssh/fallback'] },
    );
    const other = resolveEndpoint(c, { host: 'db' }, context);
    assert.deepEqual([other.hostName, other.user, other.port], ['db', 'nobody', 22]);
  });

  it('user and port in the host string beat the config (as on ssh\'s command line)', () => {
    const e = resolveEndpoint(config('Host web', '  User deploy', '  Port 2200'), { host: 'web', user: 'root', port: 2222 }, context);
    assert.deepEqual([e.user, e.port], ['root', 2222]);
  });

  it('a negated pattern keeps a Host block off', () => {
    const e = resolveEndpoint(config('Host * !bastion', '  User deploy'), { host: 'bastion' }, context);
    assert.equal(e.user, 'me');
  });

  it('IdentityAgent none, IdentitiesOnly, known_hosts files, HostKeyAlias, accept-new, ConnectTimeout, ServerAlive*', () => {
    const e = resolveEndpoint(
      config(
        'Host web',
        '  IdentityAgent none',
        '  IdentitiesOnly yes',
        '  UserKnownHostsFile ~/.ssh/kh_a ~/.ssh/kh_b',
        '  GlobalKnownHostsFile none',
        '  HostKeyAlias web-key',
        '  StrictHostKeyChecking accept-new',
        '  HashKnownHosts yes',
        '  ConnectTimeout 7',
        '  ServerAliveInterval 15',
        '  ServerAliveCountMax 2',
      ),
      { host: 'web' },
      context,
    );
    assert.equal(e.agentSocket, undefined);
    assert.equal(e.identitiesOnly, true);
    assert.deepEqual(e.knownHostsFiles, ['/home/me/.ssh/kh_a', '/home/me/.ssh/kh_b']);
    assert.equal(e.hostKeyAlias, 'web-key');
    assert.equal(e.strictHostKeyChecking, 'accept-new');
    assert.equal(e.hashKnownHosts, true);
    assert.deepEqual([e.connectTimeoutMs, e.serverAliveIntervalMs, e.serverAliveCountMax], [7000, 15000, 2]);
  });

  it('IdentityAgent naming an environment variable reads it', () => {
    const e = resolveEndpoint(config('Host *', '  IdentityAgent $OTHER_SOCK'), { host: 'x' }, { ...context, env: { OTHER_SOCK: '/run/other.sock' } });
    assert.equal(e.agentSocket, '/run/other.sock');
  });

  it('a bad number is an error naming the option, the value and the host', () => {
    assert.throws(() => resolveEndpoint(config('Host web', '  Port twenty'), { host: 'web' }, context), (err: unknown) => {
      assert.ok(err instanceof SshError);
      assert.equal(err.failure, 'config');
      assert.equal(err.message, 'Port twenty for web in ~/.ssh/config: a whole number from 1 to 65535');
      return true;
    });
  });
});

describe('ssh config: the route', () => {
  const jumps = config(
    'Host far',
    '  HostName 10.1.0.5',
    '  ProxyJump bastion,admin@inner:2200',
    'Host bastion',
    '  HostName bastion.example.org',
    '  User ops',
    '  ProxyJump gate',
    'Host inner',
    '  HostName 10.1.0.2',
    '  ProxyJump ignored',
    'Host gate',
    '  HostName gate.example.org',
    '  Port 443',
  );

  it('ProxyJump hops in order, each resolved by its own name; the first hop\'s own ProxyJump comes before it', () => {
    const route = resolveRoute(jumps, { host: 'far' }, context);
    assert.deepEqual(
      route.jumps.map((j) => `${j.user}@${j.hostName}:${j.port}`),
      ['me@gate.example.org:443', 'ops@bastion.example.org:22', 'admin@10.1.0.2:2200'],
    );
    assert.equal(route.target.hostName, '10.1.0.5');
  });

  it('no ProxyJump (or none): no jumps', () => {
    assert.deepEqual(resolveRoute(jumps, { host: 'gate' }, context).jumps, []);
    assert.deepEqual(resolveRoute(config('Host x', '  ProxyJump none'), { host: 'x' }, context).jumps, []);
  });

  it('ssh:// hops and IPv6 hops parse', () => {
    const route = resolveRoute(config('Host x', '  ProxyJump ssh://a@[fd00::1]:2022'), { host: 'x' }, context);
    assert.deepEqual(route.jumps.map((j) => [j.user, j.hostName, j.port]), [['a', 'fd00::1', 2022]]);
  });

  it('ProxyCommand is refused with what to use instead', () => {
    assert.throws(() => resolveRoute(config('Host x', '  ProxyCommand nc %h %p'), { host: 'x' }, context), /gives x a ProxyCommand, which dockplan does not run: reach it with ProxyJump instead/);
  });

  it('a jump chain that loops is refused, not followed forever', () => {
    assert.throws(() => resolveRoute(config('Host a', '  ProxyJump b', 'Host b', '  ProxyJump a'), { host: 'a' }, context), /ProxyJump for \w goes more than 8 hosts deep/);
  });
});

describe('ssh config: files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dpt-sshcfg-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('the user file beats the system file; Include follows globs relative to ~/.ssh', () => {
    const home = join(dir, 'home');
    mkdirSync(join(home, '.ssh', 'conf.d'), { recursive: true });
    writeFileSync(join(home, '.ssh', 'config'), 'Include conf.d/*.conf\nHost web\n  Port 2201\n');
    writeFileSync(join(home, '.ssh', 'conf.d', '10-web.conf'), 'Host web\n  HostName 10.9.0.1\n  Port 2202\n');
    writeFileSync(join(home, '.ssh', 'conf.d', 'skipped.txt'), 'Host web\n  HostName wrong\n');
    writeFileSync(join(dir, 'ssh_config'), 'Host *\n  User from-system\n  HostName wrong\n');
    const ctx = { ...context, home };
    const c = readSshConfig({ user: join(home, '.ssh', 'config'), system: join(dir, 'ssh_config') }, ctx);
    const e = resolveEndpoint(c, { host: 'web' }, ctx);
    assert.deepEqual([e.hostName, e.port, e.user], ['10.9.0.1', 2202, 'from-system']);
  });

  it('missing files read as empty', () => {
    const c = readSshConfig({ user: join(dir, 'none', 'config'), system: join(dir, 'none', 'ssh_config') }, context);
    assert.equal(c.length, 0);
  });
});

describe('host strings', () => {
  it('parse [user@]host[:port] with or without ssh://, user and port only when given', () => {
    assert.deepEqual(parseDestination('ssh://deploy@10.0.0.3', 'host'), { host: '10.0.0.3', user: 'deploy' });
    assert.deepEqual(parseDestination('ssh://box:2222', 'host'), { host: 'box', port: 2222 });
    assert.deepEqual(parseDestination('far', 'host'), { host: 'far' });
  });

  it('a path or nonsense is refused naming what it was', () => {
    assert.throws(() => parseDestination('ssh://box/path', 'host'), /host ssh:\/\/box\/path: not \[user@\]host\[:port\]/);
  });
});
