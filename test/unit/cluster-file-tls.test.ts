// The cluster file's tls and context keys: what is read, and every problem at its file:line:col.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseClusterFile } from '../../src/model/cluster-file.js';
import { formatSpecError } from '../../src/model/yaml-errors.js';

const yaml = (...lines: string[]): string => lines.join('\n') + '\n';
const errorsOf = (text: string, knownContexts?: string[]): string[] => {
  const { cluster, errors } = parseClusterFile(text, 'cluster.yaml', knownContexts ? { knownContexts: () => knownContexts } : {});
  assert.equal(cluster, undefined);
  return errors.map(formatSpecError);
};

test('a tcp machine reads its tls files and verify as written; tls: false is plain TCP', () => {
  const { cluster, errors } = parseClusterFile(
    yaml(
      'machines:',
      '  - name: m1',
      '    host: tcp://10.0.0.1:2376',
      '    tls: {ca: certs/ca.pem, cert: ~/certs/cert.pem, key: /etc/dockplan/key.pem}',
      '  - name: m2',
      '    host: tcp://10.0.0.2:2376',
      '    tls:',
      '      verify: false',
      '  - name: m3',
      '    host: tcp://10.0.0.3:2375',
      '    tls: false',
    ),
    'cluster.yaml',
  );
  assert.deepEqual(errors, []);
  assert.deepEqual(cluster?.machines, [
    { name: 'm1', host: 'tcp://10.0.0.1:2376', tls: { verify: true, ca: 'certs/ca.pem', cert: '~/certs/cert.pem', key: '/etc/dockplan/key.pem' } },
    { name: 'm2', host: 'tcp://10.0.0.2:2376', tls: { verify: false } },
    { name: 'm3', host: 'tcp://10.0.0.3:2375', tls: false },
  ]);
});

test('a machine may name a docker context instead of a host', () => {
  const { cluster, errors } = parseClusterFile(
    yaml('machines:', '  - name: m1', '    context: prod-eu.1', '  - name: m2', '    context: default'),
    'cluster.yaml',
    { knownContexts: () => ['default', 'prod-eu.1'] },
  );
  assert.deepEqual(errors, []);
  assert.deepEqual(cluster?.machines, [
    { name: 'm1', context: 'prod-eu.1' },
    { name: 'm2', context: 'default' },
  ]);
});

test('an unknown context is an error at its position, with a did-you-mean and the contexts there are', () => {
  assert.deepEqual(errorsOf(yaml('machines:', '  - name: m1', '    context: prd'), ['default', 'prod', 'staging']), [
    'cluster.yaml:3:14: machines[0].context: docker context "prd" does not exist; did you mean "prod"?; the contexts are: default, prod, staging',
  ]);
});

test('the contexts are listed only when a machine names one', () => {
  let asked = 0;
  const { errors } = parseClusterFile(yaml('machines: [{name: m1, host: "unix:///run/d.sock"}]'), 'c.yaml', {
    knownContexts: () => {
      asked++;
      return ['default'];
    },
  });
  assert.deepEqual(errors, []);
  assert.equal(asked, 0);
});

test('host and context together, neither, tls with a context, and a context used twice are errors', () => {
  assert.deepEqual(
    errorsOf(
      yaml(
        'machines:',
        '  - name: m1',
        '    host: tcp://10.0.0.1:2376',
        '    context: prod',
        '  - name: m2',
        '  - name: m3',
        '    context: prod',
        '    tls: {ca: ca.pem}',
        '  - name: m4',
        '    context: "-bad"',
        '  - name: m5',
        '    context: prod',
      ),
    ),
    [
      'cluster.yaml:4:14: machines[0].context: give either host or context, not both: a docker context names its own host',
      'cluster.yaml:5:5: machines[1].host: missing; expected unix:///absolute/path, tcp://host:port or ssh://[user@]host[:port], or context: NAME for a docker context',
      'cluster.yaml:8:10: machines[2].tls: a docker context brings its own TLS files (docker context update --docker ...); remove tls here',
      'cluster.yaml:10:14: machines[3].context: "-bad" is not a docker context name (letters, digits, and _ . + - after the first)',
      'cluster.yaml:12:14: machines[4].context: machines[2] already uses this context; each machine is a different engine',
    ],
  );
});

test('tls goes only with tcp hosts, and a client certificate needs both cert and key', () => {
  assert.deepEqual(
    errorsOf(
      yaml(
        'machines:',
        '  - name: m1',
        '    host: unix:///run/d.sock',
        '    tls: {ca: ca.pem}',
        '  - name: m2',
        '    host: tcp://10.0.0.2:2376',
        '    tls: {cert: cert.pem}',
        '  - name: m3',
        '    host: tcp://10.0.0.3:2376',
        '    tls: {key: key.pem}',
      ),
    ),
    [
      'cluster.yaml:4:10: machines[0].tls: tls goes only with a tcp:// host (this one is unix)',
      'cluster.yaml:7:10: machines[1].tls.key: missing; a client certificate needs both cert and key (cert is given)',
      'cluster.yaml:10:10: machines[2].tls.cert: missing; a client certificate needs both cert and key (key is given)',
    ],
  );
});

test('tls keys: unknown ones get a did-you-mean or a hint, and values must have their types', () => {
  assert.deepEqual(
    errorsOf(
      yaml(
        'machines:',
        '  - name: m1',
        '    host: tcp://10.0.0.1:2376',
        '    tls:',
        '      tlscacert: ca.pem',
        '      crt: cert.pem',
        '      skip_verify: true',
        '  - name: m2',
        '    host: tcp://10.0.0.2:2376',
        '    tls: {ca: "", verify: "no"}',
        '  - name: m3',
        '    host: tcp://10.0.0.3:2376',
        '    tls: true',
        '  - name: m4',
        '    host: tcp://10.0.0.4:2376',
        '    tls: {ca: [a, b]}',
      ),
    ),
    [
      'cluster.yaml:5:7: machines[0].tls.tlscacert: unknown key; did you mean "ca"?',
      'cluster.yaml:6:7: machines[0].tls.crt: unknown key; did you mean "cert"?',
      "cluster.yaml:7:7: machines[0].tls.skip_verify: unknown key; to skip checking the engine's certificate write verify: false",
      'cluster.yaml:10:15: machines[1].tls.ca: expected a path to a PEM file (relative to the cluster file, or ~/...), got an empty string',
      'cluster.yaml:10:27: machines[1].tls.verify: expected true or false, got "no"',
      'cluster.yaml:13:10: machines[2].tls: expected a mapping {ca, cert, key, verify} of PEM file paths, or false for plain TCP, got true',
      'cluster.yaml:16:15: machines[3].tls.ca: expected a path to a PEM file (relative to the cluster file, or ~/...), got a list',
    ],
  );
});

test('machine keys: a misspelt context or tls gets a did-you-mean', () => {
  assert.deepEqual(errorsOf(yaml('machines:', '  - name: m1', '    contxt: prod', '  - name: m2', '    host: tcp://10.0.0.2:2376', '    tsl: false')), [
    'cluster.yaml:2:5: machines[0].host: missing; expected unix:///absolute/path, tcp://host:port or ssh://[user@]host[:port], or context: NAME for a docker context',
    'cluster.yaml:3:5: machines[0].contxt: unknown key; did you mean "context"?',
    'cluster.yaml:6:5: machines[1].tsl: unknown key; did you mean "tls"?',
  ]);
});
