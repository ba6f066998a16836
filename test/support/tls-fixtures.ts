// Certificates made with openssl for the TLS tests (EC P-256, like scripts/cluster.sh makes them),
// and a docker CLI context store written the way `docker context create` writes it.
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface CertFiles {
  cert: string;
  key: string;
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

function openssl(args: string[]): void {
  execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A self-signed CA in DIR/NAME-ca.pem and DIR/NAME-ca-key.pem. */
export function makeCa(dir: string, name: string): CertFiles {
  const cert = join(dir, `${name}-ca.pem`);
  const key = join(dir, `${name}-ca-key.pem`);
  openssl(['req', '-x509', ...EC, '-keyout', key, '-out', cert, '-days', '30', '-subj', `/CN=${name} CA`,
    '-addext', 'basicConstraints=critical,CA:true', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  return { cert, key };
}

export interface IssueOptions {
  /** subjectAltName, e.g. `IP:10.213.0.13`. */
  san?: string;
  usage: 'serverAuth' | 'clientAuth';
  /** Valid in January 2020 only, so expired now. */
  expired?: boolean;
}

/** A certificate signed by `ca`, in DIR/NAME-cert.pem and DIR/NAME-key.pem. */
export function issue(dir: string, ca: CertFiles, name: string, options: IssueOptions): CertFiles {
  const cert = join(dir, `${name}-cert.pem`);
  const key = join(dir, `${name}-key.pem`);
  const csr = join(dir, `${name}.csr`);
  const ext = join(dir, `${name}.ext`);
  openssl(['req', ...EC, '-keyout', key, '-out', csr, '-subj', `/CN=${name}`]);
  writeFileSync(ext, `extendedKeyUsage=${options.usage}\n${options.san ? `subjectAltName=${options.san}\n` : ''}`);
  if (!options.expired) {
    openssl(['x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-set_serial', `0x${randomBytes(8).toString('hex')}`, '-days', '30', '-extfile', ext, '-out', cert]);
    return { cert, key };
  }
  // openssl x509 cannot date a certificate in the past; openssl ca can, with a database of its own.
  const db = join(dir, `${name}-ca-db`);
  mkdirSync(db, { recursive: true });
  writeFileSync(join(db, 'index.txt'), '');
  writeFileSync(join(db, 'serial'), '1000\n');
  const conf = join(db, 'ca.cnf');
  writeFileSync(conf, [
    '[ca]', 'default_ca = ca_default',
    '[ca_default]', `database = ${join(db, 'index.txt')}`, `new_certs_dir = ${db}`, `serial = ${join(db, 'serial')}`,
    'default_md = sha256', 'policy = policy_any', 'unique_subject = no',
    '[policy_any]', 'commonName = supplied', '',
  ].join('\n'));
  openssl(['ca', '-batch', '-notext', '-config', conf, '-cert', ca.cert, '-keyfile', ca.key, '-in', csr, '-out', cert,
    '-startdate', '20200101000000Z', '-enddate', '20200201000000Z', '-extfile', ext]);
  return { cert, key };
}

export interface ContextFixture {
  host: string;
  skipTlsVerify?: boolean;
  /** Copied into tls/<digest>/docker/{ca,cert,key}.pem. */
  tls?: { ca?: string; cert?: string; key?: string };
}

/**
 * Writes a context into the docker config folder `configDir` as the docker CLI's context store
 * does: contexts/meta/<sha256 of the name>/meta.json and contexts/tls/<same>/docker/*.pem.
 */
export function writeContext(configDir: string, name: string, context: ContextFixture): void {
  const digest = createHash('sha256').update(name).digest('hex');
  const meta = join(configDir, 'contexts', 'meta', digest);
  mkdirSync(meta, { recursive: true });
  writeFileSync(join(meta, 'meta.json'), JSON.stringify({
    Name: name,
    Metadata: { Description: `test context ${name}` },
    Endpoints: { docker: { Host: context.host, SkipTLSVerify: context.skipTlsVerify ?? false } },
  }));
  const files = context.tls ?? {};
  const tlsDir = join(configDir, 'contexts', 'tls', digest, 'docker');
  for (const key of ['ca', 'cert', 'key'] as const) {
    const from = files[key];
    if (from === undefined) continue;
    mkdirSync(tlsDir, { recursive: true });
    execFileSync('cp', [from, join(tlsDir, `${key}.pem`)]);
  }
}

/** Writes DIR/config.json with `currentContext` (the CLI's `docker context use NAME`). */
export function useContext(configDir: string, name: string): void {
  mkdirSync(configDir, { recursive: true });
  writeFileSync(join(configDir, 'config.json'), JSON.stringify({ auths: {}, currentContext: name }));
}
