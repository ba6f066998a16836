import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hostProblem, parseClusterFile } from '../../src/model/cluster-file.js';
import { formatSpecError } from '../../src/model/yaml-errors.js';

const yaml = (...lines: string[]): string => lines.join('\n') + '\n';
const errorsOf = (text: string): string[] => {
  const { cluster, errors } = parseClusterFile(text, 'cluster.yaml');
  assert.equal(cluster, undefined);
  return errors.map(formatSpecError);
};

test('a cluster file with a domain and machines on unix, tcp and ssh is read as written', () => {
  const { cluster, errors } = parseClusterFile(
    yaml(
      'domain: cluster.test',
      'machines:',
      '  - name: m1',
      '    host: unix:///run/dockplan/m1/docker.sock',
      '  - name: m2',
      '    host: tcp://10.213.0.12:2375',
      '  - name: m3',
      '    host: ssh://root@10.213.0.13:2222',
      '  - name: m4',
      '    host: ssh://docker.example.com',
      '  - {name: m5, host: "tcp://[::1]:2376"}',
    ),
    'cluster.yaml',
  );
  assert.deepEqual(errors, []);
  assert.deepEqual(cluster, {
    domain: 'cluster.test',
    machines: [
      { name: 'm1', host: 'unix:///run/dockplan/m1/docker.sock' },
      { name: 'm2', host: 'tcp://10.213.0.12:2375' },
      { name: 'm3', host: 'ssh://root@10.213.0.13:2222' },
      { name: 'm4', host: 'ssh://docker.example.com' },
      { name: 'm5', host: 'tcp://[::1]:2376' },
    ],
  });
});

test('the domain is optional', () => {
  assert.deepEqual(parseClusterFile(yaml('machines: [{name: m1, host: "unix:///var/run/docker.sock"}]'), 'c.yaml').cluster, {
    machines: [{ name: 'm1', host: 'unix:///var/run/docker.sock' }],
  });
});

test('host addresses must be unix with an absolute path, tcp with a port, or ssh', () => {
  assert.equal(hostProblem('unix:///var/run/docker.sock'), undefined);
  assert.equal(hostProblem('ssh://u@h:22'), undefined);
  assert.equal(hostProblem('unix://docker.sock'), 'a unix socket needs an absolute path: unix:///path/to/docker.sock, got "unix://docker.sock"');
  assert.equal(hostProblem('tcp://10.0.0.1'), 'a tcp host needs its port: tcp://10.0.0.1:2375');
  assert.equal(hostProblem('tcp://10.0.0.1:99999'), 'the port "99999" is not a port number 1..65535');
  assert.equal(hostProblem('ssh://@host'), 'the ssh user before @ is empty in "ssh://@host"');
  assert.equal(hostProblem('ssh://bad_host'), '"ssh://bad_host" does not name a valid host; expected unix:///absolute/path, tcp://host:port or ssh://[user@]host[:port]');
  assert.equal(hostProblem('http://h:2375'), 'unknown scheme "http://"; expected unix:///absolute/path, tcp://host:port or ssh://[user@]host[:port]');
  assert.equal(hostProblem('/var/run/docker.sock'), 'expected unix:///absolute/path, tcp://host:port or ssh://[user@]host[:port], got "/var/run/docker.sock"');
});

test('every problem in a cluster file is reported at once with its position', () => {
  assert.deepEqual(errorsOf(yaml(
    'domain: Not A Domain',
    'machines:',
    '  - name: m1',
    '    host: unix://docker.sock',
    '  - name: M_2',
    '    hots: tcp://10.0.0.2:2375',
    '  - name: m1',
    '    host: tcp://10.0.0.3:2375',
    '  - name: m4',
    '    host: tcp://10.0.0.3:2375',
  )), [
    'cluster.yaml:1:9: domain: expected a DNS domain like cluster.test (lowercase labels joined by dots), got "Not A Domain"',
    'cluster.yaml:4:11: machines[0].host: a unix socket needs an absolute path: unix:///path/to/docker.sock, got "unix://docker.sock"',
    `cluster.yaml:5:11: machines[1].name: expected a DNS label: 1-63 lowercase letters, digits and '-', not starting or ending with '-', got "M_2"; did you mean "m-2"?`,
    'cluster.yaml:6:5: machines[1].hots: unknown key; did you mean "host"?',
    'cluster.yaml:7:11: machines[2].name: machine name "m1" is already used by machines[0]; names must be unique',
    'cluster.yaml:10:11: machines[3].host: machines[2] already uses this host; each machine is a different engine',
  ]);
});

test('a cluster file needs at least one machine', () => {
  assert.deepEqual(errorsOf(yaml('domain: cluster.test')), ['cluster.yaml:1:1: machines: missing; list at least one machine with a name and a host']);
  assert.deepEqual(errorsOf(yaml('machines: []')), ['cluster.yaml:1:11: machines: the cluster needs at least one machine']);
  assert.deepEqual(errorsOf(''), [
    'cluster.yaml:1:1: the cluster file is empty; list the machines, e.g. `machines: [{name: m1, host: unix:///var/run/docker.sock}]`',
  ]);
});

test('unknown keys in a cluster file get a did-you-mean', () => {
  assert.deepEqual(errorsOf(yaml('domian: x.test', 'machines: [{name: m1, host: "unix:///s"}]')), [
    'cluster.yaml:1:1: domian: unknown key; did you mean "domain"?',
  ]);
  assert.deepEqual(errorsOf(yaml('hosts: []')), ['cluster.yaml:1:1: hosts: unknown key; did you mean "machines"?']);
});

test('a machine that is not a mapping, or lacks a field, is an error', () => {
  assert.deepEqual(errorsOf(yaml('machines:', '  - m1', '  - {name: m2}')), [
    'cluster.yaml:2:5: machines[0]: expected a machine: {name, host} or {name, context}, got "m1"',
    'cluster.yaml:3:5: machines[1].host: missing; expected unix:///absolute/path, tcp://host:port or ssh://[user@]host[:port], or context: NAME for a docker context',
  ]);
});

test('YAML syntax errors in a cluster file come back with positions', () => {
  assert.deepEqual(errorsOf('machines:\n\t- name: m1\n'), ['cluster.yaml:2:1: YAML syntax error: tabs are not allowed as indentation in YAML; indent with spaces']);
});

test('a cluster file ignores x- keys and merges shared machine settings with <<', () => {
  const { cluster, errors } = parseClusterFile(
    yaml(
      'x-ssh: &ssh',
      '  host: ssh://deploy@10.0.0.9',
      '  x-note: the jump host',
      'domain: cluster.test',
      'machines:',
      '  - <<: *ssh',
      '    name: m1',
      '  - {<<: *ssh, name: m2, host: "ssh://deploy@10.0.0.10", x-rack: b2}',
    ),
    'cluster.yaml',
  );
  assert.deepEqual(errors, []);
  assert.deepEqual(cluster, {
    domain: 'cluster.test',
    machines: [
      { name: 'm1', host: 'ssh://deploy@10.0.0.9' },
      { name: 'm2', host: 'ssh://deploy@10.0.0.10' },
    ],
  });
});

test('a bad value merged into a machine is reported at the << alias', () => {
  assert.deepEqual(errorsOf(yaml('x-tcp: &tcp', '  host: tcp://10.0.0.9', 'machines:', '  - <<: *tcp', '    name: m1')), [
    'cluster.yaml:4:9: machines[0].host: a tcp host needs its port: tcp://10.0.0.9:2375 (from &tcp on line 1; written on line 2)',
  ]);
});
