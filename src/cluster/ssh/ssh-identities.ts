// Who we are to an ssh server: ssh-agent's keys first, then the identity files, as OpenSSH offers
// them (ssh(1): "keys in the agent are tried first"), with a record of what was offered so that a
// refusal can say which identities were tried.
import { readFileSync } from 'node:fs';
import type { AnyAuthMethod, AuthHandlerMiddleware, IdentityCallback, OpenSSHAgent, ParsedKey } from 'ssh2';
import type { SshEndpoint } from './ssh-config.js';
import { ssh2 } from './ssh2-module.js';

/** What was offered to one server, in words: for the "authentication failed" message. */
export interface OfferedIdentities {
  /** e.g. `ssh-agent /tmp/agent.sock (2 keys)`, `/root/.ssh/id_ed25519`. */
  tried: string[];
  /** Identity files that could not be used, with why (encrypted, unreadable, not a key). */
  skipped: string[];
  /** The methods the server said it accepts (after the first refusal). */
  serverAccepts: string[];
}

/** ssh-agent over its socket, offering only `only` (IdentitiesOnly) and counting what it offered. */
type OfferingAgent = OpenSSHAgent & { offered: number };
let offeringAgentClass: (new (socketPath: string, only: Buffer[] | undefined) => OfferingAgent) | undefined;

/** An OfferingAgent; its class extends ssh2's OpenSSHAgent, so it is made once ssh2 is loaded. */
function offeringAgent(socketPath: string, only: Buffer[] | undefined): OfferingAgent {
  offeringAgentClass ??= class extends ssh2().OpenSSHAgent {
    offered = 0;
    constructor(socketPath: string, private readonly only: Buffer[] | undefined) {
      super(socketPath);
    }

    override getIdentities(callback: IdentityCallback<ParsedKey>): void {
      super.getIdentities((err, keys) => {
        if (err || !keys) return callback(err, keys);
        // OpenSSHAgent hands back parsed keys.
        const chosen = this.only ? keys.filter((k) => this.only!.some((blob) => blob.equals((k as ParsedKey).getPublicSSH()))) : keys;
        this.offered = chosen.length;
        callback(undefined, chosen);
      });
    }
  };
  return new offeringAgentClass(socketPath, only);
}

interface IdentityFileKey {
  file: string;
  key?: ParsedKey;
  /** The public blob, from the key or its .pub file: to pick the agent's copy under IdentitiesOnly. */
  publicBlob?: Buffer;
  unusable?: string;
}

function loadIdentityFile(file: string): IdentityFileKey | undefined {
  let data: Buffer;
  try {
    data = readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // A default identity that does not exist is no identity (OpenSSH is silent about it too).
    if (code === 'ENOENT') return undefined;
    return { file, unusable: `cannot read it (${code ?? String(err)})` };
  }
  const parsed = ssh2().utils.parseKey(data);
  const publicBlob = publicBlobOf(`${file}.pub`);
  if (parsed instanceof Error) {
    const encrypted = /passphrase|encrypted/i.test(parsed.message);
    return {
      file,
      ...(publicBlob ? { publicBlob } : {}),
      unusable: encrypted ? 'encrypted: load it into ssh-agent with ssh-add' : `not a private key ssh2 can use (${parsed.message})`,
    };
  }
  const key = Array.isArray(parsed) ? parsed[0]! : parsed;
  if (!key.isPrivateKey()) return { file, unusable: 'holds no private key' };
  return { file, key, publicBlob: key.getPublicSSH() };
}

function publicBlobOf(file: string): Buffer | undefined {
  try {
    const base64 = readFileSync(file, 'utf8').trim().split(/\s+/)[1];
    return base64 ? Buffer.from(base64, 'base64') : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The authHandler for ssh2 that offers, in order, ssh-agent's keys (all of them, or with
 * IdentitiesOnly only those matching an identity file) and then each usable identity file, and
 * stops when the server accepts no public key. `offered` fills in as the handshake goes.
 */
export function identityOffer(endpoint: SshEndpoint): { authHandler: AuthHandlerMiddleware; offered: OfferedIdentities } {
  const files = endpoint.identityFiles.map(loadIdentityFile).filter((f): f is IdentityFileKey => f !== undefined);
  const offered: OfferedIdentities = {
    tried: [],
    skipped: files.filter((f) => f.unusable).map((f) => `${f.file} (${f.unusable})`),
    serverAccepts: [],
  };
  const queue: Array<{ label: () => string; method: AnyAuthMethod }> = [];
  if (endpoint.agentSocket) {
    const only = endpoint.identitiesOnly ? files.flatMap((f) => (f.publicBlob ? [f.publicBlob] : [])) : undefined;
    const agent = offeringAgent(endpoint.agentSocket, only);
    queue.push({
      label: () => `ssh-agent ${endpoint.agentSocket} (${agent.offered} key${agent.offered === 1 ? '' : 's'}${only ? ' matching IdentityFile' : ''})`,
      method: { type: 'agent', username: endpoint.user, agent },
    });
  }
  for (const f of files) {
    if (f.key) queue.push({ label: () => f.file, method: { type: 'publickey', username: endpoint.user, key: f.key } });
  }
  let current: (typeof queue)[number] | undefined;
  const authHandler: AuthHandlerMiddleware = (methodsLeft, _partial, next) => {
    if (current) offered.tried.push(current.label());
    if (methodsLeft) offered.serverAccepts = [...methodsLeft];
    if (methodsLeft && !methodsLeft.includes('publickey')) return next(false as never);
    current = queue.shift();
    return next(current ? current.method : (false as never));
  };
  return { authHandler, offered };
}

/** "tried ssh-agent ... , /root/.ssh/id_ed25519; skipped ...": the identities part of an auth failure. */
export function describeOffered(offered: OfferedIdentities): string {
  const tried = offered.tried.length ? `tried ${offered.tried.join(', ')}` : 'no identity to offer (no ssh-agent in SSH_AUTH_SOCK, no usable key file)';
  const skipped = offered.skipped.length ? `; skipped ${offered.skipped.join(', ')}` : '';
  const accepts = offered.serverAccepts.length && !offered.serverAccepts.includes('publickey') ? `; the server accepts only ${offered.serverAccepts.join(', ')}, not keys` : '';
  return `${tried}${skipped}${accepts}`;
}
