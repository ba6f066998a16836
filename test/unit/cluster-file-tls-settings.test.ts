// Which TLS a tcp machine gets (its own settings, else the docker CLI's environment variables),
// loading the PEM files, and the words for each way a TLS exchange fails.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadClusterConfig } from '../../src/cluster/cluster-config.js';
import { describeEngineError, isTransportError } from '../../src/cluster/errors.js';
import { loadTlsMaterial, resolveMachineTls, tlsFailure, tlsFromEnvironment, type MachineTls } from '../../src/cluster/tls.js';
import { issue, makeCa, type CertFiles } from '../support/tls-fixtures.js';

const FIX = 'set DOCKER_CERT_PATH to the folder with ca.pem, cert.pem and key.pem';
let dir: string;
let certDir: string;
let ca: CertFiles;
let client: CertFiles;
let other: CertFiles;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'dpt-tls-'));
  certDir = join(dir, 'certs');
  mkdirSync(certDir);
  ca = makeCa(dir, 'test');
  client = issue(dir, ca, 'client', { usage: 'clientAuth' });
  other = issue(dir, ca, 'other', { usage: 'clientAuth' });
  // DOCKER_CERT_PATH's layout: ca.pem, cert.pem, key.pem
  for (const [from, to] of [[ca.cert, 'ca.pem'], [client.cert, 'cert.pem'], [client.key, 'key.pem']] as const) {
    writeFileSync(join(certDir, to), loadText(from));
  }
});
after(() => rmSync(dir, { recursive: true, force: true }));

function loadText(path: string): string {
  return readFileSync(path, 'utf8');
}

describe('tlsFromEnvironment (the docker CLI rule, plus port 2376)', () => {
  it('plain TCP without DOCKER_TLS_VERIFY or DOCKER_TLS on a port other than 2376, even with DOCKER_CERT_PATH', () => {
    assert.equal(tlsFromEnvironment(2375, {}), undefined);
    assert.equal(tlsFromEnvironment(2375, { DOCKER_CERT_PATH: certDir }), undefined);
    assert.equal(tlsFromEnvironment(2375, { DOCKER_TLS_VERIFY: '' }), undefined);
  });

  it('DOCKER_TLS_VERIFY (any non-empty value, 0 too) checks the engine with the files of DOCKER_CERT_PATH', () => {
    for (const value of ['1', '0', 'yes']) {
      assert.deepEqual(tlsFromEnvironment(2375, { DOCKER_TLS_VERIFY: value, DOCKER_CERT_PATH: certDir }), {
        verify: true,
        origin: `DOCKER_TLS_VERIFY, DOCKER_CERT_PATH=${certDir}`,
        fix: FIX,
        ca: join(certDir, 'ca.pem'),
        cert: join(certDir, 'cert.pem'),
        key: join(certDir, 'key.pem'),
      });
    }
  });

  it('without DOCKER_CERT_PATH the files are in $DOCKER_CONFIG (else ~/.docker); the CA is required, cert and key only when present', () => {
    const empty = join(dir, 'empty-config');
    mkdirSync(empty, { recursive: true });
    assert.deepEqual(tlsFromEnvironment(2376, { DOCKER_TLS_VERIFY: '1', DOCKER_CONFIG: empty }), {
      verify: true,
      origin: `DOCKER_TLS_VERIFY, files in ${empty}`,
      fix: FIX,
      ca: join(empty, 'ca.pem'),
    });
    assert.equal(tlsFromEnvironment(2376, { DOCKER_TLS_VERIFY: '1', HOME: dir })?.ca, join(dir, '.docker', 'ca.pem'));
  });

  it('DOCKER_TLS alone encrypts without checking the engine, and needs no CA', () => {
    assert.deepEqual(tlsFromEnvironment(2375, { DOCKER_TLS: '1', DOCKER_CERT_PATH: certDir }), {
      verify: false,
      origin: `DOCKER_TLS, DOCKER_CERT_PATH=${certDir}`,
      fix: FIX,
      cert: join(certDir, 'cert.pem'),
      key: join(certDir, 'key.pem'),
    });
  });

  it('port 2376 alone turns TLS on, checked, with ca.pem when the config folder has one', () => {
    assert.deepEqual(tlsFromEnvironment(2376, { DOCKER_CONFIG: join(dir, 'nowhere') }), { verify: true, origin: `port 2376, files in ${join(dir, 'nowhere')}`, fix: FIX });
    assert.deepEqual(tlsFromEnvironment(2376, { DOCKER_CONFIG: certDir })?.ca, join(certDir, 'ca.pem'));
  });

  it("a machine's own setting beats the environment; false is plain TCP whatever it says", () => {
    const own: MachineTls = { verify: true, ca: '/x/ca.pem', origin: 'tls of m1 in c.yaml' };
    const env = { DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certDir };
    assert.equal(resolveMachineTls(2376, own, env), own);
    assert.equal(resolveMachineTls(2376, false, env), undefined);
    assert.equal(resolveMachineTls(2375, undefined, env)?.origin, `DOCKER_TLS_VERIFY, DOCKER_CERT_PATH=${certDir}`);
  });
});

describe('loadTlsMaterial', () => {
  it('reads the CA, certificate and key', () => {
    const material = loadTlsMaterial({ verify: true, ca: ca.cert, cert: client.cert, key: client.key, origin: 'test' });
    assert.equal(material.ca?.toString(), loadText(ca.cert));
    assert.equal(material.cert?.toString(), loadText(client.cert));
    assert.equal(material.key?.toString(), loadText(client.key));
  });

  it('a missing file is named with where it was configured', () => {
    const missing = join(dir, 'nope', 'ca.pem');
    assert.throws(() => loadTlsMaterial({ verify: true, ca: missing, origin: 'tls of m3 in /etc/c.yaml' }), {
      name: 'TlsSettingsError',
      message: `cannot read the TLS CA ${missing} (tls of m3 in /etc/c.yaml): no such file`,
    });
  });

  it('an expired certificate is refused with its date, before any engine is asked', () => {
    const expired = issue(dir, ca, 'expired', { usage: 'clientAuth', expired: true });
    assert.throws(() => loadTlsMaterial({ verify: true, ca: ca.cert, cert: expired.cert, key: expired.key, origin: 'o' }), {
      message: `the TLS certificate ${expired.cert} (o) expired on 2020-02-01: renew it`,
    });
  });

  it('a key that belongs to another certificate, a CA that is not PEM, and a cert without a key are refused', () => {
    assert.throws(() => loadTlsMaterial({ verify: true, cert: client.cert, key: other.key, origin: 'o' }), {
      message: `the key ${other.key} does not belong to the certificate ${client.cert} (o)`,
    });
    const notPem = join(dir, 'not.pem');
    writeFileSync(notPem, 'hello\n');
    assert.throws(() => loadTlsMaterial({ verify: true, ca: notPem, origin: 'o' }), {
      message: `the TLS CA ${notPem} (o) is not a PEM certificate: no PEM certificate in it`,
    });
    assert.throws(() => loadTlsMaterial({ verify: true, cert: client.cert, origin: 'o' }), {
      message: 'TLS (o) has a cert but no key: a client certificate needs both cert and key',
    });
  });
});

describe('loadClusterConfig: tls paths', () => {
  it('relative paths are under the cluster file folder, ~ under HOME; tls: false stays', async () => {
    const file = join(dir, 'cluster.yaml');
    writeFileSync(file, [
      'machines:',
      '  - name: m1',
      '    host: tcp://10.0.0.1:2376',
      '    tls: {ca: certs/ca.pem, cert: ~/c/cert.pem, key: /k/key.pem}',
      '  - name: m2',
      '    host: tcp://10.0.0.2:2376',
      '    tls: {verify: false}',
      '  - name: m3',
      '    host: tcp://10.0.0.3:2375',
      '    tls: false',
      '',
    ].join('\n'));
    const config = await loadClusterConfig(file, { HOME: '/home/ops' });
    assert.deepEqual(config.machines, [
      { name: 'm1', host: 'tcp://10.0.0.1:2376', tls: { verify: true, origin: `tls of m1 in ${file}`, ca: join(dir, 'certs', 'ca.pem'), cert: '/home/ops/c/cert.pem', key: '/k/key.pem' } },
      { name: 'm2', host: 'tcp://10.0.0.2:2376', tls: { verify: false, origin: `tls of m2 in ${file}` } },
      { name: 'm3', host: 'tcp://10.0.0.3:2375', tls: false },
    ]);
  });
});

describe('tlsFailure: each way TLS fails, in words with what to do', () => {
  const host = 'tcp://10.213.0.13:2376';
  const cases: Array<[string, Record<string, unknown>, RegExp]> = [
    ['an engine certificate no trusted CA signed', { code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' }, /^the engine at tcp:\/\/10\.213\.0\.13:2376 shows a certificate that no trusted CA signed \(UNABLE_TO_VERIFY_LEAF_SIGNATURE\): set the machine's tls\.ca/],
    ['a self-signed engine certificate', { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }, /no trusted CA signed/],
    ['a certificate for another host', { code: 'ERR_TLS_CERT_ALTNAME_INVALID', reason: "IP: 127.0.0.1 is not in the cert's list: 10.213.0.13" }, /made out for another host \(IP: 127\.0\.0\.1 is not in the cert's list: 10\.213\.0\.13\): reach the engine by a name or address its certificate lists/],
    ['an expired engine certificate', { code: 'CERT_HAS_EXPIRED' }, /shows an expired certificate: renew the engine's certificate/],
    ['a certificate not valid yet', { code: 'CERT_NOT_YET_VALID' }, /not valid yet: check the clocks/],
    ['a client certificate the engine does not trust', { code: 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA' }, /refused this client's certificate \(unknown ca\): give the machine tls\.cert and tls\.key signed by the CA the engine trusts/],
    ['a bad client certificate', { code: 'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE' }, /refused this client's certificate \(bad certificate\)/],
    ['no client certificate', { code: 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED' }, /requires a client certificate: give the machine tls\.cert and tls\.key/],
    ['an expired client certificate', { code: 'ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED' }, /refused this client's certificate as expired: renew the certificate in tls\.cert/],
    ['TLS spoken to a plain port', { code: 'ERR_SSL_WRONG_VERSION_NUMBER' }, /does not speak TLS .*: give the machine tls: false/],
    ['plain HTTP spoken to a TLS port', { statusCode: 400, message: '(HTTP code 400) unexpected - Client sent an HTTP request to an HTTPS server.' }, /speaks TLS but was reached in plain HTTP: give the machine tls: \{ca, cert, key\}/],
  ];
  for (const [what, err, expected] of cases) {
    it(what, () => {
      const text = tlsFailure(err, host);
      assert.match(text ?? '', expected);
      assert.ok(text!.includes(host), text);
      assert.equal(describeEngineError(err, host), text, 'describeEngineError says the same');
      assert.equal(isTransportError(err), true, 'the machine cannot be used: a transport failure');
    });
  }

  it('other errors are not about TLS', () => {
    assert.equal(tlsFailure({ code: 'ECONNREFUSED' }, host), undefined);
    assert.equal(tlsFailure({ statusCode: 404, message: 'no such container' }, host), undefined);
    assert.equal(describeEngineError({ code: 'ECONNREFUSED' }, host), `connection refused at ${host}`);
  });
});
