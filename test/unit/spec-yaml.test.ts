import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { parseSpec, formatSpecError } from '../../src/model/parse-spec.js';
import { specToYaml } from '../../src/model/spec-yaml.js';
import type { ServiceSpec } from '../../src/model/spec.js';
import { specOf, yaml } from './spec-helpers.js';

const EXAMPLES = new URL('../../specs-examples/', import.meta.url);

function roundTrip(spec: ServiceSpec): ServiceSpec {
  const text = specToYaml(spec);
  const back = parseSpec(text, 'edited.yaml');
  assert.deepEqual(back.errors.map(formatSpecError), [], `specToYaml wrote a file that does not parse:\n${text}`);
  return back.spec!;
}

const KITCHEN_SINK = yaml(
  'name: sink',
  'image: ghcr.io/org/app:1.2',
  'mode: replicated',
  'replicas: 0',
  'placement: {machines: [m1, "0123abcd"]}',
  `command: sh -c 'echo "$HOME" && exec httpd -f -p 8080 -h /www'`,
  'entrypoint: []',
  'env: [A=1, B=, C=true, D=0x10, E= spaced value ]',
  'ports: [80, "a.b:443:8443/https", "[::1]:53:53/udp@host", "10.1.1.1:80:80@host", "8080:80"]',
  'volumes:',
  '  - {name: tmp, type: tmpfs, size: 64m, mode: 1777}',
  '  - {name: data, driver: local, driver_opts: {o: bind}, labels: {a: "1"}}',
  '  - {name: src, type: bind, source: /srv}',
  'mounts: ["tmp:/tmp/x/", {volume: data, path: /d, read_only: false}, "src:/src:ro"]',
  'healthcheck: {test: "true", interval: 1m30s, timeout: 1500ms, retries: 3, start_period: 0, disable: false}',
  'init: true',
  'privileged: false',
  'user: 1000',
  'pull_policy: never',
  'resources: {cpu: 0.5, memory: 1.5g, memory_reservation: 1000000, shm_size: 64M}',
  'cap_add: [cap_net_admin]',
  'cap_drop: [ALL]',
  'sysctls: {net.core.somaxconn: 1024}',
  'ulimits: {nofile: 10, nproc: {soft: 1, hard: 2}}',
  'devices: [/dev/fuse, "/dev/a:r", {host_path: /dev/b, container_path: /dev/c}, {host_path: "/dev/x:y"}]',
  'logging: {driver: json-file, options: {max-size: 10m}}',
  'stop_grace_period: 1m',
  'update: {order: stop-first, monitor: 3s}',
);

test('specToYaml round-trips a spec that uses every key', () => {
  const spec = specOf(KITCHEN_SINK);
  assert.deepEqual(roundTrip(spec), spec);
});

test('specToYaml round-trips every file in specs-examples', () => {
  const files = readdirSync(EXAMPLES).filter((f) => f.endsWith('.yaml'));
  assert.ok(files.length >= 4);
  for (const file of files) {
    const spec = specOf(readFileSync(new URL(file, EXAMPLES), 'utf8'));
    assert.deepEqual(roundTrip(spec), spec, file);
  }
});

test('specToYaml writes durations, sizes, ports and commands in their file syntax', () => {
  const text = specToYaml({
    name: 'web',
    image: 'local/busybox:1',
    command: ['sh', '-c', 'echo hi'],
    ports: [{ mode: 'host', published: 8080, container: 8080, protocol: 'tcp' }],
    healthcheck: { test: ['CMD-SHELL', 'true'], interval: 1000, timeout: 500 },
    resources: { memory: 64 * 1024 * 1024 },
    volumes: [{ name: 'scratch', type: 'tmpfs', mode: 0o1777 }],
    env: { PORT: '8080' },
    user: '1000',
  });
  assert.equal(
    text,
    yaml(
      'name: web',
      'image: local/busybox:1',
      'command: [sh, -c, echo hi]',
      'env:',
      '  PORT: "8080"',
      'ports:',
      '  - 8080:8080/tcp@host',
      'volumes:',
      '  - name: scratch',
      '    type: tmpfs',
      '    mode: "1777"',
      'healthcheck:',
      '  test: [CMD-SHELL, "true"]',
      '  interval: 1s',
      '  timeout: 500ms',
      'user: "1000"',
      'resources:',
      '  memory: 64M',
    ),
  );
});

test('specToYaml keeps long commands on one line so $EDITOR shows them whole', () => {
  const long = `echo ${'x'.repeat(200)}`;
  const text = specToYaml({ image: 'local/busybox:1', command: ['sh', '-c', long] });
  assert.equal(text.split('\n').filter((l) => l.startsWith('command:')).length, 1);
  assert.deepEqual(roundTrip(specOf(text)).command, ['sh', '-c', long]);
});
