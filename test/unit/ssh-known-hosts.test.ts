// known_hosts read as OpenSSH reads it, and the host key check of one hop with its messages.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { checkHostKey, globMatches, hostFieldMatches, keyFingerprint, knownHostLine, knownHostName, knownKeyTypes, parseKnownHosts } from '../../src/cluster/ssh/known-hosts.js';
import { checkPresentedKey, preferredHostKeyAlgorithms } from '../../src/cluster/ssh/host-key-policy.js';
import type { SshEndpoint } from '../../src/cluster/ssh/ssh-config.js';

// Two ed25519 keys made with ssh-keygen, and two lines OpenSSH's `ssh-keygen -H` hashed:
// `[10.0.0.5]:2222 KEY` and `example.org KEY`.
const KEY = 'AAAAC3NzaC1lZDI1NTE5AAAAIHqG9Vh3mpgeBrcZsetd2sJ2EN8U+1/EOQx+ftqO7Udr';
const OTHER = 'AAAAC3NzaC1lZDI1NTE5AAAAIAZY4wkfQxtvIpRQsLU9/bmatJBtM3pmS5cQ3OLCb84L';
const HASHED_PORT = `|1|3eJQRv6IyXE5I7aM6QhZwIyADwc=|fMKhrHmkKaunlKfQ/nUgxyH9LCs= ssh-ed25519 ${KEY}`;
const HASHED_NAME = `|1|RE07bz+cd94XWxT5sEHWqaGavzs=|6IF2RINgmpqrCo8iLCMWAosEyRE= ssh-ed25519 ${KEY}`;
const key = Buffer.from(KEY, 'base64');
const other = Buffer.from(OTHER, 'base64');

function endpoint(over: Partial<SshEndpoint> = {}): SshEndpoint {
  return {
    alias: 'web', hostName: '10.0.0.5', port: 2222, user: 'deploy', identityFiles: [], identitiesOnly: false,
    knownHostsFiles: ['/home/me/.ssh/known_hosts'], strictHostKeyChecking: 'yes', hashKnownHosts: false,
    serverAliveIntervalMs: 0, serverAliveCountMax: 3, ...over,
  };
}

describe('known_hosts', () => {
  it('names a host [host]:port off port 22 and bare on 22', () => {
    assert.equal(knownHostName('10.0.0.5', 2222), '[10.0.0.5]:2222');
    assert.equal(knownHostName('example.org', 22), 'example.org');
  });

  it('matches names hashed by ssh-keygen -H, with and without a port', () => {
    const [port, name] = parseKnownHosts(`${HASHED_PORT}\n${HASHED_NAME}\n`, 'kh');
    assert.equal(hostFieldMatches(port!.hosts, '[10.0.0.5]:2222'), true);
    assert.equal(hostFieldMatches(port!.hosts, '10.0.0.5'), false, 'the port is part of the hashed name');
    assert.equal(hostFieldMatches(name!.hosts, 'EXAMPLE.org'), true, 'names compare lowercased');
    assert.equal(hostFieldMatches(name!.hosts, 'example.com'), false);
  });

  it('matches pattern lists with wildcards, and a negated pattern excludes the line', () => {
    assert.equal(hostFieldMatches('*.example.org,!bad.example.org', 'web.example.org'), true);
    assert.equal(hostFieldMatches('*.example.org,!bad.example.org', 'bad.example.org'), false);
    assert.equal(hostFieldMatches('web?.example.org', 'web1.example.org'), true);
    assert.equal(hostFieldMatches('web?.example.org', 'web.example.org'), false, '? is exactly one character');
    assert.equal(globMatches('10.0.0.*', '10.0.0.17'), true);
    assert.equal(globMatches('10.0.0.*', '10.0.1.17'), false, 'dots are literal');
  });

  it('skips comments, @cert-authority lines and lines whose type disagrees with the key; keeps file:line', () => {
    const entries = parseKnownHosts(
      ['# comment', '', `@cert-authority *.example.org ssh-ed25519 ${KEY}`, `web ecdsa-sha2-nistp256 ${KEY}`, `web ssh-ed25519 ${KEY} a comment`].join('\n'),
      '/k',
    );
    assert.deepEqual(entries.map((e) => [e.hosts, e.file, e.line]), [['web', '/k', 5]]);
  });

  it('a known key is known; another key of that type is CHANGED; only other types known is unknown', () => {
    const entries = parseKnownHosts(`[10.0.0.5]:2222 ssh-ed25519 ${KEY}\nweb2 ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBA==\n`, 'kh');
    assert.equal(checkHostKey(entries, ['[10.0.0.5]:2222'], key).kind, 'known');
    const changed = checkHostKey(entries, ['[10.0.0.5]:2222'], other);
    assert.equal(changed.kind, 'changed');
    assert.deepEqual(checkHostKey(entries, ['10.0.0.5'], key), { kind: 'unknown', otherTypes: [] });
    assert.deepEqual(checkHostKey(entries, ['web2'], key), { kind: 'unknown', otherTypes: ['ecdsa-sha2-nistp256'] });
  });

  it('a @revoked key is refused even where another line knows it', () => {
    const entries = parseKnownHosts(`@revoked * ssh-ed25519 ${KEY}\n[10.0.0.5]:2222 ssh-ed25519 ${KEY}\n`, 'kh');
    assert.equal(checkHostKey(entries, ['[10.0.0.5]:2222'], key).kind, 'revoked');
  });

  it('offers the known key types first (an RSA key as its SHA-2 signatures too)', () => {
    const entries = parseKnownHosts(`[10.0.0.5]:2222 ssh-ed25519 ${KEY}\n`, 'kh');
    assert.deepEqual(knownKeyTypes(entries, ['[10.0.0.5]:2222']), ['ssh-ed25519']);
    assert.deepEqual(preferredHostKeyAlgorithms(endpoint(), entries), ['ssh-ed25519']);
    assert.deepEqual(preferredHostKeyAlgorithms(endpoint({ port: 22 }), entries), []);
  });

  it('fingerprints as ssh-keygen -l does', () => {
    assert.equal(keyFingerprint(key), 'SHA256:O2VVYFKYn5xTiA9YJwUaVlyZHVeK6vYwYLG9Cwj2lYc');
  });

  it('writes lines it reads back, hashed or not', () => {
    for (const hashed of [false, true]) {
      const [entry] = parseKnownHosts(knownHostLine('[10.0.0.5]:2222', key, hashed), 'kh');
      assert.equal(entry!.hosts.startsWith('|1|'), hashed);
      assert.equal(checkHostKey([entry!], ['[10.0.0.5]:2222'], key).kind, 'known');
    }
  });
});

describe('host key check of a hop', () => {
  it('unknown: says where it is missing and the ssh-keyscan line that adds it', () => {
    const problem = checkPresentedKey(endpoint(), [], key, '');
    assert.equal(problem?.failure, 'unknown-host-key');
    assert.equal(
      problem?.message,
      'the host key of [10.0.0.5]:2222 (ssh-ed25519 SHA256:O2VVYFKYn5xTiA9YJwUaVlyZHVeK6vYwYLG9Cwj2lYc) is not in /home/me/.ssh/known_hosts. ' +
        'Check the fingerprint, then add it: ssh-keyscan -p 2222 10.0.0.5 >> /home/me/.ssh/known_hosts (or log in once by hand: ssh -p 2222 deploy@10.0.0.5)',
    );
  });

  it('changed: REFUSED, both fingerprints, the line that records the old key, and how to remove it', () => {
    const entries = parseKnownHosts(`[10.0.0.5]:2222 ssh-ed25519 ${OTHER}\n`, '/home/me/.ssh/known_hosts');
    const problem = checkPresentedKey(endpoint(), entries, key, 'jump host ');
    assert.equal(problem?.failure, 'changed-host-key');
    assert.match(problem!.message, /^REFUSED: the host key of jump host \[10\.0\.0\.5\]:2222 has CHANGED: it presented ssh-ed25519 SHA256:O2VV\S+, but \/home\/me\/\.ssh\/known_hosts:1 records SHA256:\S+\./);
    assert.match(problem!.message, /ssh-keygen -R '\[10\.0\.0\.5\]:2222' -f \/home\/me\/\.ssh\/known_hosts/);
  });

  it('changed is refused under StrictHostKeyChecking accept-new too', () => {
    const entries = parseKnownHosts(`[10.0.0.5]:2222 ssh-ed25519 ${OTHER}\n`, 'kh');
    assert.equal(checkPresentedKey(endpoint({ strictHostKeyChecking: 'accept-new' }), entries, key, '')?.failure, 'changed-host-key');
  });

  it('HostKeyAlias is the name looked up', () => {
    const entries = parseKnownHosts(`web-alias ssh-ed25519 ${KEY}\n`, 'kh');
    assert.equal(checkPresentedKey(endpoint({ hostKeyAlias: 'web-alias' }), entries, key, ''), undefined);
    assert.equal(checkPresentedKey(endpoint(), entries, key, '')?.failure, 'unknown-host-key');
  });

  it('accept-new records an unknown key (hashed with HashKnownHosts) and lets it through', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dpt-kh-'));
    try {
      const file = join(dir, 'sub', 'known_hosts');
      const ep = endpoint({ strictHostKeyChecking: 'accept-new', hashKnownHosts: true, knownHostsFiles: [file] });
      assert.equal(checkPresentedKey(ep, [], key, ''), undefined);
      const entries = parseKnownHosts(readFileSync(file, 'utf8'), file);
      assert.equal(entries.length, 1);
      assert.ok(entries[0]!.hosts.startsWith('|1|'));
      assert.equal(checkHostKey(entries, ['[10.0.0.5]:2222'], key).kind, 'known');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
