// A service's sealing key and the tokens it makes: secret values are stored as HMAC-SHA256 tokens
// (RFC 2104, SHA-256 from FIPS 180-4), never as text. Pure computation, no I/O.
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { inspect } from 'node:util';

/** The label that holds a service's sealing key on each of its containers, next to `dockplan.spec`. */
export const SECRET_KEY_LABEL = 'dockplan.secret.key';

/** How a key reads in its label: `v1.` + 32 random bytes in base64url. */
const KEY_LABEL = /^v1\.([A-Za-z0-9_-]{43})$/;

/**
 * A sealed value: `hmac-sha256:<key id, 8 hex>:<HMAC-SHA256 of the value, 64 hex>`. It tells equal
 * values apart from changed ones without holding them, and names the key that made it.
 */
export const SEALED_TOKEN = /hmac-sha256:[0-9a-f]{8}:[0-9a-f]{64}/g;

/** Whether `text` is one token and nothing else. */
export function isSealedToken(text: string): boolean {
  return /^hmac-sha256:[0-9a-f]{8}:[0-9a-f]{64}$/.test(text);
}

/** Whether `text` holds a token anywhere (a whole sealed value, or a password sealed inside a URL). */
export function holdsSealedToken(text: string): boolean {
  return /hmac-sha256:[0-9a-f]{8}:[0-9a-f]{64}/.test(text);
}

/**
 * A service's random 256-bit HMAC key. It lives only in the `dockplan.secret.key` label of the
 * service's containers (where Docker already holds the clear values, in each container's Env), so
 * that the tokens copied elsewhere (history, plan files, JSON) cannot be checked against guesses by
 * anyone who cannot read the cluster. Never serialised: JSON.stringify leaves it out, and
 * util.inspect shows only its id.
 */
export class SecretKey {
  /** 8 hex chars naming the key (from a hash of it, so it tells nothing about it). */
  readonly id: string;
  readonly #bytes: Buffer;

  private constructor(bytes: Buffer) {
    this.#bytes = bytes;
    this.id = createHash('sha256').update('dockplan secret key id\0').update(bytes).digest('hex').slice(0, 8);
  }

  /** A new random key (crypto.randomBytes). */
  static generate(): SecretKey {
    return new SecretKey(randomBytes(32));
  }

  /** A key made of these 32 bytes (tests). Throws a RangeError for any other length. */
  static fromBytes(bytes: Uint8Array): SecretKey {
    if (bytes.length !== 32) throw new RangeError(`a secret key is 32 bytes, got ${bytes.length}`);
    return new SecretKey(Buffer.from(bytes));
  }

  /** The key a label holds; undefined when the label is missing or not a key this dockplan reads. */
  static fromLabel(text: string | undefined): SecretKey | undefined {
    const m = text === undefined ? null : KEY_LABEL.exec(text);
    if (!m) return undefined;
    const bytes = Buffer.from(m[1]!, 'base64url');
    return bytes.length === 32 ? new SecretKey(bytes) : undefined;
  }

  /** The label's text: `v1.<base64url>`. */
  label(): string {
    return `v1.${this.#bytes.toString('base64url')}`;
  }

  /** The token of `value` under this key. */
  token(value: string): string {
    return `hmac-sha256:${this.id}:${createHmac('sha256', this.#bytes).update(value, 'utf8').digest('hex')}`;
  }

  toJSON(): undefined {
    return undefined;
  }

  [inspect.custom](): string {
    return `SecretKey(${this.id})`;
  }
}
