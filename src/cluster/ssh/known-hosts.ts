// Host keys checked against known_hosts, the way OpenSSH reads it (sshd(8), "SSH_KNOWN_HOSTS FILE
// FORMAT"): `[marker] hostnames keytype base64-key [comment]`, hostnames as a comma-separated
// pattern list (`*`, `?`, `!negation`), `[host]:port` for a port other than 22, and hashed
// names `|1|base64(salt)|base64(HMAC-SHA1(salt, name))` as written by HashKnownHosts.
import { createHash, createHmac, randomBytes } from 'node:crypto';

/** One usable line of a known_hosts file. */
export interface KnownHostEntry {
  /** The file and 1-based line it came from, for messages. */
  file: string;
  line: number;
  /** `@revoked` keys are refused wherever they show up; `@cert-authority` lines are skipped. */
  revoked: boolean;
  /** The host field as written: patterns, or one hashed name. */
  hosts: string;
  /** The key type as written (`ssh-ed25519`, `ecdsa-sha2-nistp256`, `ssh-rsa`, ...). */
  keyType: string;
  /** The public key blob (the base64 field, decoded). */
  key: Buffer;
}

/** The outcome of checking a server's host key. */
export type HostKeyVerdict =
  | { kind: 'known'; entry: KnownHostEntry }
  /** No line names the host with this key type. `otherTypes`: key types known for it (OpenSSH warns, not refuses). */
  | { kind: 'unknown'; otherTypes: string[] }
  /** A line names the host with this key type but another key: refuse, loudly. */
  | { kind: 'changed'; entry: KnownHostEntry }
  /** The key is marked `@revoked`. */
  | { kind: 'revoked'; entry: KnownHostEntry };

/**
 * Parses the text of one known_hosts file. Comments, blank lines, `@cert-authority` lines and lines
 * that do not parse are skipped (as OpenSSH does, which only warns about them).
 */
export function parseKnownHosts(text: string, file: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const fields = lines[i]!.trim().split(/\s+/);
    if (!fields[0] || fields[0].startsWith('#')) continue;
    let revoked = false;
    if (fields[0].startsWith('@')) {
      if (fields[0] !== '@revoked') continue;
      revoked = true;
      fields.shift();
    }
    const [hosts, keyType, base64] = fields;
    if (!hosts || !keyType || !base64 || !/^[A-Za-z0-9+/]+={0,2}$/.test(base64)) continue;
    const key = Buffer.from(base64, 'base64');
    // The blob names its own type: a line whose two disagree is damaged.
    if (hostKeyType(key) !== keyType) continue;
    entries.push({ file, line: i + 1, revoked, hosts, keyType, key });
  }
  return entries;
}

/** The name a host is recorded under: `host` on port 22, `[host]:port` otherwise (OpenSSH's rule). */
export function knownHostName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/**
 * True when a known_hosts host field names `name` (as made by knownHostName): a hashed name
 * compared by HMAC-SHA1, or a pattern list where any negated pattern that matches excludes the line.
 * Host names compare case-insensitively.
 */
export function hostFieldMatches(hosts: string, name: string): boolean {
  const wanted = name.toLowerCase();
  if (hosts.startsWith('|1|')) {
    const [, , salt, hash] = hosts.split('|');
    if (!salt || !hash) return false;
    const mac = createHmac('sha1', Buffer.from(salt, 'base64')).update(wanted).digest('base64');
    return mac === hash;
  }
  let matched = false;
  for (const pattern of hosts.toLowerCase().split(',')) {
    if (pattern.startsWith('!')) {
      if (globMatches(pattern.slice(1), wanted)) return false;
    } else if (globMatches(pattern, wanted)) {
      matched = true;
    }
  }
  return matched;
}

/** `*` any run of characters, `?` exactly one: the wildcards of ssh_config(5) PATTERNS. */
export function globMatches(pattern: string, text: string): boolean {
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${source}$`, 's').test(text);
}

/** Key types a known_hosts line of `keyType` stands for in the handshake (an RSA key signs with SHA-2 too). */
export function hostKeyAlgorithms(keyType: string): string[] {
  return keyType === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [keyType];
}

/**
 * Checks a server's host key blob against the entries for `names` (the first one is the name the
 * host is recorded under; any other, such as a HostKeyAlias, is looked up too). A revoked key wins
 * over everything; a matching key makes it known; a different key of the same type makes it changed.
 */
export function checkHostKey(entries: KnownHostEntry[], names: string[], key: Buffer): HostKeyVerdict {
  const revoked = entries.find((e) => e.revoked && e.key.equals(key));
  if (revoked) return { kind: 'revoked', entry: revoked };
  const forHost = entries.filter((e) => !e.revoked && names.some((n) => hostFieldMatches(e.hosts, n)));
  const same = forHost.find((e) => e.key.equals(key));
  if (same) return { kind: 'known', entry: same };
  const type = hostKeyType(key);
  const changed = forHost.find((e) => e.keyType === type);
  if (changed) return { kind: 'changed', entry: changed };
  return { kind: 'unknown', otherTypes: [...new Set(forHost.map((e) => e.keyType))] };
}

/** The key types recorded for a host, in file order: the handshake should offer these first (as OpenSSH does). */
export function knownKeyTypes(entries: KnownHostEntry[], names: string[]): string[] {
  return [...new Set(entries.filter((e) => !e.revoked && names.some((n) => hostFieldMatches(e.hosts, n))).map((e) => e.keyType))];
}

/** The type a public key blob declares (its first SSH string), or '' when it does not parse. */
export function hostKeyType(key: Buffer): string {
  if (key.length < 4) return '';
  const length = key.readUInt32BE(0);
  if (length > key.length - 4 || length > 64) return '';
  return key.subarray(4, 4 + length).toString('latin1');
}

/** OpenSSH's fingerprint of a key blob: `SHA256:` and the unpadded base64 of its SHA-256. */
export function keyFingerprint(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

/** One known_hosts line for `name` and `key`, hashed (with a fresh salt) when `hashed`. */
export function knownHostLine(name: string, key: Buffer, hashed: boolean): string {
  let host = name.toLowerCase();
  if (hashed) {
    const salt = randomBytes(20);
    host = `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(host).digest('base64')}`;
  }
  return `${host} ${hostKeyType(key)} ${key.toString('base64')}\n`;
}
