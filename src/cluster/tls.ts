// TLS for tcp:// machines: where the settings come from (the cluster file, a docker context, or
// the docker CLI's environment variables), loading the PEM files, and what a failed handshake means.
import { existsSync, readFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { Agent, type RequestOptions } from 'node:https';
import { createSecureContext } from 'node:tls';
import type { Duplex } from 'node:stream';
import { join } from 'node:path';
import { dockerConfigDir } from './docker-context.js';

/**
 * How to speak TLS to one machine's engine. Paths are absolute; `origin` says where the settings
 * came from, so an error can say what to change.
 */
export interface MachineTls {
  /**
   * Check the engine's certificate: signed by `ca` (by a CA of the system's store when there is no
   * `ca`) and naming the host it was reached at. false is the docker CLI's `--tls` without
   * `--tlsverify`: encrypted, but anyone can answer.
   */
  verify: boolean;
  /** PEM file of the CA(s) that signed the engine's certificate. */
  ca?: string;
  /** PEM file of this client's certificate (the engine's `--tlscacert` must trust its CA); with `key`. */
  cert?: string;
  /** PEM file of the private key of `cert`. */
  key?: string;
  /** Where the settings were given, e.g. `tls of m3 in /etc/dockplan/cluster.yaml`, `DOCKER_TLS_VERIFY`, `docker context prod`. */
  origin: string;
  /** What to do when a file is missing, when `origin` alone does not say it. */
  fix?: string;
}

/** A machine's TLS as configured: settings, `false` for plain TCP whatever the environment says, or undefined to follow the environment. */
export type MachineTlsSetting = MachineTls | false;

/** The PEM bytes of a MachineTls, as the https agent takes them. */
export interface TlsMaterial {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
}

/** A TLS file is missing, unreadable, or not what it should be; the message names the file, where it was configured, and what to do. */
export class TlsSettingsError extends Error {
  override name = 'TlsSettingsError';
}

/** True when the docker CLI reads the variable as set: any non-empty value (so `0` too). */
function setInEnv(value: string | undefined): boolean {
  return value !== undefined && value !== '';
}

/** Whether the environment alone turns TLS on for an engine on `port` (the rule of tlsFromEnvironment). */
export function environmentWantsTls(port: number, env: NodeJS.ProcessEnv): boolean {
  return setInEnv(env.DOCKER_TLS_VERIFY) || setInEnv(env.DOCKER_TLS) || port === 2376;
}

/**
 * The TLS settings the docker CLI takes from the environment for a tcp:// engine, or undefined for
 * plain TCP. The rule is the CLI's (cli/flags/options.go): DOCKER_TLS_VERIFY set to anything
 * non-empty turns TLS on and checks the engine, DOCKER_TLS turns TLS on without the check; the files
 * are ca.pem, cert.pem and key.pem in DOCKER_CERT_PATH, else in the docker config folder
 * ($DOCKER_CONFIG, else ~/.docker). With the check, ca.pem must exist; cert.pem and key.pem are used
 * when they exist. One addition of dockplan's: port 2376, Docker's TLS port, turns TLS on (checked,
 * with ca.pem when it exists, else the system's CAs) even with neither variable set, since a plain
 * request there only gets "Client sent an HTTP request to an HTTPS server".
 */
export function tlsFromEnvironment(port: number, env: NodeJS.ProcessEnv): MachineTls | undefined {
  if (!environmentWantsTls(port, env)) return undefined;
  const verifyVar = setInEnv(env.DOCKER_TLS_VERIFY);
  const tlsVar = setInEnv(env.DOCKER_TLS);
  const certPath = setInEnv(env.DOCKER_CERT_PATH);
  const dir = certPath ? env.DOCKER_CERT_PATH! : dockerConfigDir(env);
  const origin = [
    verifyVar ? 'DOCKER_TLS_VERIFY' : tlsVar ? 'DOCKER_TLS' : 'port 2376',
    certPath ? `DOCKER_CERT_PATH=${dir}` : `files in ${dir}`,
  ].join(', ');
  const verify = verifyVar || !tlsVar;
  const settings: MachineTls = { verify, origin, fix: 'set DOCKER_CERT_PATH to the folder with ca.pem, cert.pem and key.pem' };
  const ca = join(dir, 'ca.pem');
  if (verify && (verifyVar || existsSync(ca))) settings.ca = ca;
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  if (existsSync(cert)) settings.cert = cert;
  if (existsSync(key)) settings.key = key;
  return settings;
}

/**
 * The TLS a tcp:// machine uses: its own setting (cluster file `tls:` or its docker context) when
 * it has one, else the environment's (tlsFromEnvironment). undefined means plain TCP.
 */
export function resolveMachineTls(port: number, setting: MachineTlsSetting | undefined, env: NodeJS.ProcessEnv): MachineTls | undefined {
  if (setting === false) return undefined;
  return setting ?? tlsFromEnvironment(port, env);
}

/**
 * Reads and checks the PEM files of `tls`: each must be readable, the CA and certificate must parse,
 * and the key must belong to the certificate. Throws TlsSettingsError naming the file and `origin`.
 */
export function loadTlsMaterial(tls: MachineTls): TlsMaterial {
  if ((tls.cert === undefined) !== (tls.key === undefined)) {
    const [has, lacks] = tls.cert !== undefined ? ['cert', 'key'] : ['key', 'cert'];
    throw new TlsSettingsError(`TLS (${tls.origin}) has a ${has} but no ${lacks}: a client certificate needs both cert and key`);
  }
  const read = (role: string, path: string): Buffer => {
    try {
      return readFileSync(path);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a folder' : (code ?? String(err));
      throw new TlsSettingsError(`cannot read the TLS ${role} ${path} (${tls.origin}): ${why}${tls.fix ? `; ${tls.fix}` : ''}`);
    }
  };
  const material: TlsMaterial = {};
  if (tls.ca !== undefined) {
    material.ca = read('CA', tls.ca);
    certificateProblem(material.ca, 'CA', tls.ca, tls.origin);
  }
  if (tls.cert !== undefined && tls.key !== undefined) {
    material.cert = read('certificate', tls.cert);
    material.key = read('key', tls.key);
    certificateProblem(material.cert, 'certificate', tls.cert, tls.origin);
    try {
      createSecureContext({ cert: material.cert, key: material.key });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? '';
      const why = /KEY_VALUES_MISMATCH/.test(code)
        ? `the key ${tls.key} does not belong to the certificate ${tls.cert}`
        : `the key ${tls.key} is not a usable PEM private key (${(err as Error).message})`;
      throw new TlsSettingsError(`${why} (${tls.origin})`);
    }
  }
  return material;
}

/**
 * Throws when `pem` holds no certificate that parses, or when its (first) certificate is outside
 * its validity dates: an engine would refuse an expired client certificate with nothing but "bad
 * certificate", so it is said here, with the date.
 */
function certificateProblem(pem: Buffer, role: string, path: string, origin: string, now = Date.now()): void {
  const text = pem.toString('utf8');
  const first = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/.exec(text)?.[0];
  let cert: X509Certificate;
  try {
    if (first === undefined) throw new Error('no PEM certificate in it');
    cert = new X509Certificate(first);
  } catch (err) {
    throw new TlsSettingsError(`the TLS ${role} ${path} (${origin}) is not a PEM certificate: ${(err as Error).message}`);
  }
  const day = (text: string): string => new Date(text).toISOString().slice(0, 10);
  if (Date.parse(cert.validTo) < now) throw new TlsSettingsError(`the TLS ${role} ${path} (${origin}) expired on ${day(cert.validTo)}: renew it`);
  if (Date.parse(cert.validFrom) > now) throw new TlsSettingsError(`the TLS ${role} ${path} (${origin}) is valid only from ${day(cert.validFrom)}: check this machine's clock, or reissue it`);
}

/** Set on a connection's error by machineTlsAgent: whether this client presented a certificate. */
const CLIENT_CERTIFICATE = Symbol('dockplan.tlsClientCertificate');

/**
 * The https agent of one machine: its PEM material, the engine's certificate checked unless
 * `verify` is false, connections kept alive between requests. Each connection's errors are marked
 * with whether a client certificate was presented, so that an engine's refusal (Docker answers a
 * missing and a wrong client certificate alike, with "bad certificate") can say which it was.
 */
export function machineTlsAgent(tls: MachineTls, material: TlsMaterial): Agent {
  const agent = new Agent({ ...material, rejectUnauthorized: tls.verify, keepAlive: true });
  const presented = material.cert !== undefined;
  const connect = agent.createConnection.bind(agent);
  agent.createConnection = (options: RequestOptions, callback?: (err: Error | null, stream: Duplex) => void): Duplex | null | undefined => {
    const socket = connect(options, callback);
    socket?.prependListener('error', (err: Error) => {
      if (err && typeof err === 'object') Object.defineProperty(err, CLIENT_CERTIFICATE, { value: presented });
    });
    return socket;
  };
  return agent;
}

/** Node's codes for an engine certificate that no trusted CA signed. */
const UNTRUSTED = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
]);

/** OpenSSL alerts by which an engine refuses this client's certificate (`ERR_SSL_<alert>`). */
const CLIENT_REFUSED = /^ERR_SSL_(?:SSLV3|TLSV1|TLSV13)_ALERT_(BAD_CERTIFICATE|UNKNOWN_CA|CERTIFICATE_UNKNOWN|CERTIFICATE_REQUIRED|CERTIFICATE_EXPIRED|CERTIFICATE_REVOKED|ACCESS_DENIED|HANDSHAKE_FAILURE|UNSUPPORTED_CERTIFICATE|DECRYPT_ERROR)$/;

interface TransportError {
  code?: string;
  message?: string;
  reason?: string;
  statusCode?: number;
  json?: unknown;
}

/** True when `err` is a failed TLS handshake (either side refused), or TLS spoken to a plain port or the other way round. */
export function isTlsFailure(err: unknown): boolean {
  return tlsFailure(err, '') !== undefined;
}

/**
 * What a failed TLS exchange with the engine at `host` means and what to do, or undefined when
 * `err` is not about TLS. Covers: an engine certificate no trusted CA signed, one made out for
 * another host name or address, one expired or not yet valid, this client's certificate refused
 * or missing, TLS spoken to a plain-HTTP port, and plain HTTP spoken to a TLS port (Docker answers
 * that with HTTP 400 "Client sent an HTTP request to an HTTPS server").
 */
export function tlsFailure(err: unknown, host: string): string | undefined {
  const e = (err ?? {}) as TransportError;
  const code = e.code ?? '';
  const at = `the engine at ${host}`;
  if (e.statusCode === 400 && /HTTP request to an HTTPS server/i.test(`${e.message ?? ''} ${bodyText(e.json)}`)) {
    return `${at} speaks TLS but was reached in plain HTTP: give the machine tls: {ca, cert, key} in the cluster file, or set DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH`;
  }
  if (UNTRUSTED.has(code)) {
    return `${at} shows a certificate that no trusted CA signed (${code}): set the machine's tls.ca (or ca.pem in DOCKER_CERT_PATH, or the docker context's CA) to the CA that signed the engine's certificate (dockerd --tlscert)`;
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    const why = e.reason ?? e.message ?? '';
    return `${at} shows a certificate made out for another host (${why}): reach the engine by a name or address its certificate lists, or reissue its certificate with this one in subjectAltName`;
  }
  if (code === 'CERT_HAS_EXPIRED') return `${at} shows an expired certificate: renew the engine's certificate (dockerd --tlscert)`;
  if (code === 'CERT_NOT_YET_VALID') return `${at} shows a certificate that is not valid yet: check the clocks of both machines, or reissue the certificate`;
  const refused = CLIENT_REFUSED.exec(code)?.[1];
  const presented = (err as { [CLIENT_CERTIFICATE]?: boolean } | undefined)?.[CLIENT_CERTIFICATE];
  if (refused === 'CERTIFICATE_REQUIRED' || (refused !== undefined && presented === false)) {
    return `${at} requires a client certificate: give the machine tls.cert and tls.key (or cert.pem and key.pem in DOCKER_CERT_PATH) signed by the CA the engine trusts (dockerd --tlscacert)`;
  }
  if (refused === 'CERTIFICATE_EXPIRED') return `${at} refused this client's certificate as expired: renew the certificate in tls.cert (or cert.pem in DOCKER_CERT_PATH)`;
  if (refused !== undefined) {
    return `${at} refused this client's certificate (${refused.toLowerCase().replaceAll('_', ' ')}): give the machine tls.cert and tls.key signed by the CA the engine trusts (dockerd --tlscacert)`;
  }
  if (code === 'ERR_SSL_WRONG_VERSION_NUMBER' || code === 'ERR_SSL_PACKET_LENGTH_TOO_LONG' || (code === 'EPROTO' && /wrong version number|packet length too long/i.test(e.message ?? ''))) {
    return `${at} does not speak TLS (a plain-HTTP engine, usually port 2375): give the machine tls: false, or use the engine's TLS port`;
  }
  if (code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_') || code.startsWith('ERR_OSSL_')) {
    return `TLS with ${at} failed (${code}): ${(e.message ?? '').trim()}`;
  }
  return undefined;
}

function bodyText(json: unknown): string {
  if (typeof json === 'string') return json;
  if (Buffer.isBuffer(json)) return json.toString('utf8');
  if (json && typeof json === 'object') return String((json as { message?: unknown }).message ?? '');
  return '';
}
