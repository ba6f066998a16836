// The host key check of one ssh hop: known_hosts files read at each connection (so a key added with
// ssh-keyscan is seen at the next one), StrictHostKeyChecking honoured, and a refusal in words.
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { checkHostKey, hostKeyAlgorithms, hostKeyType, keyFingerprint, knownHostLine, knownHostName, knownKeyTypes, parseKnownHosts, type KnownHostEntry } from './known-hosts.js';
import type { SshEndpoint } from './ssh-config.js';
import { SshError } from './ssh-errors.js';

/** The names a hop's key may be recorded under: HostKeyAlias, else the host name (with `[ ]:port` off 22). */
export function recordedNames(endpoint: SshEndpoint): string[] {
  if (endpoint.hostKeyAlias) return [endpoint.hostKeyAlias];
  return [knownHostName(endpoint.hostName, endpoint.port)];
}

/** Every line of the endpoint's known_hosts files (missing or unreadable files read as empty, as in OpenSSH). */
export function readKnownHosts(endpoint: SshEndpoint): KnownHostEntry[] {
  return endpoint.knownHostsFiles.flatMap((file) => {
    try {
      return parseKnownHosts(readFileSync(file, 'utf8'), file);
    } catch {
      return [];
    }
  });
}

/**
 * Host key algorithms to offer first: those of the keys already recorded for the host, so that a
 * server holding several keys shows the one we know (OpenSSH orders HostKeyAlgorithms the same way).
 */
export function preferredHostKeyAlgorithms(endpoint: SshEndpoint, entries: KnownHostEntry[]): string[] {
  return knownKeyTypes(entries, recordedNames(endpoint)).flatMap(hostKeyAlgorithms);
}

/**
 * Checks the key a hop presented. Returns undefined when it may be used (known, or unknown and
 * recorded under StrictHostKeyChecking accept-new/no), else the SshError to fail the connection
 * with: unknown (how to add it), changed (refused whatever StrictHostKeyChecking says), revoked.
 * `role` says which hop it is for messages ("jump host bastion" or "").
 */
export function checkPresentedKey(endpoint: SshEndpoint, entries: KnownHostEntry[], key: Buffer, role: string): SshError | undefined {
  const names = recordedNames(endpoint);
  const verdict = checkHostKey(entries, names, key);
  const where = `${role}${names[0]}`;
  const presented = `${hostKeyType(key)} ${keyFingerprint(key)}`;
  switch (verdict.kind) {
    case 'known':
      return undefined;
    case 'revoked':
      return new SshError('revoked-host-key', `the host key of ${where} (${presented}) is marked @revoked in ${verdict.entry.file}:${verdict.entry.line}; refusing to connect`);
    case 'changed':
      return new SshError(
        'changed-host-key',
        `REFUSED: the host key of ${where} has CHANGED: it presented ${presented}, but ${verdict.entry.file}:${verdict.entry.line} ` +
          `records ${keyFingerprint(verdict.entry.key)}. Someone may be intercepting the connection, or the host was reinstalled. ` +
          `Only if you know why it changed: ssh-keygen -R '${names[0]}' -f ${verdict.entry.file}, then add the new key`,
      );
    case 'unknown': {
      if (endpoint.strictHostKeyChecking === 'accept-new' && verdict.otherTypes.length === 0) {
        return recordKey(endpoint, names[0]!, key, where);
      }
      const portFlag = endpoint.port === 22 ? '' : ` -p ${endpoint.port}`;
      const others = verdict.otherTypes.length ? ` (only ${verdict.otherTypes.join(', ')} keys are known for it: check why it changed type)` : '';
      return new SshError(
        'unknown-host-key',
        `the host key of ${where} (${presented}) is not in ${endpoint.knownHostsFiles[0] ?? 'known_hosts'}${others}. ` +
          `Check the fingerprint, then add it: ssh-keyscan${portFlag} ${endpoint.hostName} >> ${endpoint.knownHostsFiles[0] ?? '~/.ssh/known_hosts'}` +
          ` (or log in once by hand: ssh${portFlag} ${endpoint.user}@${endpoint.hostName})`,
      );
    }
  }
}

function recordKey(endpoint: SshEndpoint, name: string, key: Buffer, where: string): SshError | undefined {
  const file = endpoint.knownHostsFiles[0];
  if (!file) return new SshError('unknown-host-key', `the host key of ${where} is unknown and no UserKnownHostsFile is set to record it in`);
  try {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    appendFileSync(file, knownHostLine(name, key, endpoint.hashKnownHosts), { mode: 0o600 });
    return undefined;
  } catch (err) {
    return new SshError('unknown-host-key', `the host key of ${where} is unknown and could not be recorded in ${file} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
}
