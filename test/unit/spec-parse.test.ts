import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errorsOf, specOf, withLines, yaml } from './spec-helpers.js';

// --- name, image, mode, replicas -------------------------------------------------------------

test('a spec with only an image is valid and gets no defaults filled in', () => {
  assert.deepEqual(specOf('image: local/busybox:1\n'), { image: 'local/busybox:1' });
});

test('a name that is a DNS label is kept as written', () => {
  assert.equal(specOf(withLines('name: web-2')).name, 'web-2');
  assert.equal(specOf(withLines(`name: ${'a'.repeat(63)}`)).name, 'a'.repeat(63));
});

test('a name that is not a DNS label is an error that suggests one', () => {
  assert.deepEqual(errorsOf(withLines('name: Web_App')), [
    `svc.yaml:2:7: name: expected a DNS label: 1-63 lowercase letters, digits and '-', not starting or ending with '-', got "Web_App"; did you mean "web-app"?`,
  ]);
  assert.deepEqual(errorsOf(withLines('name: -web')), [
    `svc.yaml:2:7: name: expected a DNS label: 1-63 lowercase letters, digits and '-', not starting or ending with '-', got "-web"; did you mean "web"?`,
  ]);
  assert.equal(errorsOf(withLines(`name: ${'a'.repeat(64)}`)).length, 1);
});

test('a missing image is an error at the top of the file', () => {
  assert.deepEqual(errorsOf('name: web\n'), ['svc.yaml:1:1: image: missing; every spec needs an image, e.g. `image: local/busybox:1`']);
});

test('valid image references are accepted in every form', () => {
  for (const image of [
    'busybox',
    'local/busybox:1',
    'ghcr.io/org/app:1.2',
    'localhost:5000/a/b_c__d-e.f:latest',
    '10.213.0.1:5000/busybox:1',
    `busybox@sha256:${'a'.repeat(64)}`,
    `ghcr.io/org/app:1.2@sha256:${'0123456789abcdef'.repeat(4)}`,
  ]) {
    assert.equal(specOf(`image: ${image}\n`).image, image);
  }
});

test('invalid image references say what is wrong', () => {
  assert.deepEqual(errorsOf('image: Busybox\n'), ['svc.yaml:1:8: image: invalid image reference "Busybox": repository names must be lowercase ("Busybox")']);
  assert.deepEqual(errorsOf('image: "busybox:-1"\n'), [
    `svc.yaml:1:8: image: invalid image reference "busybox:-1": the tag "-1" is not valid (letters, digits, '_', '.', '-'; at most 128; not starting with '.' or '-')`,
  ]);
  assert.deepEqual(errorsOf('image: busybox@sha256:abc\n'), [
    'svc.yaml:1:8: image: invalid image reference "busybox@sha256:abc": the digest "sha256:abc" is not sha256:<64 lowercase hex digits>',
  ]);
  assert.deepEqual(errorsOf('image: local//busybox\n'), [
    'svc.yaml:1:8: image: invalid image reference "local//busybox": it has an empty path component (check for a stray or doubled /)',
  ]);
  assert.deepEqual(errorsOf('image: ""\n'), ['svc.yaml:1:8: image: expected an image reference like local/busybox:1, got an empty string']);
  assert.deepEqual(errorsOf('image: 3\n'), ['svc.yaml:1:8: image: expected an image reference like local/busybox:1, got 3']);
});

test('an image key with no value points at the key', () => {
  assert.deepEqual(errorsOf('image:\n'), ['svc.yaml:1:1: image: expected an image reference like local/busybox:1, got nothing']);
});

test('mode is replicated or global and is left out when not written', () => {
  assert.equal(specOf(withLines('mode: global')).mode, 'global');
  assert.equal(specOf(withLines('mode: replicated')).mode, 'replicated');
  assert.equal(specOf(withLines()).mode, undefined);
  assert.deepEqual(errorsOf(withLines('mode: replicted')), [
    'svc.yaml:2:7: mode: expected replicated or global, got "replicted"; did you mean "replicated"?',
  ]);
});

test('replicas is an integer from 0 to 10000; -0 reads as 0', () => {
  assert.equal(specOf(withLines('replicas: 0')).replicas, 0);
  assert.ok(Object.is(specOf(withLines('replicas: -0')).replicas, 0));
  assert.equal(specOf(withLines('replicas: 3')).replicas, 3);
  assert.equal(specOf(withLines('replicas: 10000')).replicas, 10000);
  for (const [text, got] of [['-1', '-1'], ['1.5', '1.5'], ['two', '"two"'], ['10001', '10001'], ['9007199254740991', '9007199254740991']]) {
    assert.deepEqual(errorsOf(withLines(`replicas: ${text}`)), [`svc.yaml:2:11: replicas: expected an integer from 0 to 10000, got ${got}`]);
  }
});

test('a key named like an Object method is an unknown key, not a crash; a value from the file never reaches the terminal raw', () => {
  assert.match(errorsOf(withLines('hasOwnProperty: true'))[0]!, /^svc\.yaml:2:1: hasOwnProperty: unknown key; expected one of name, image, /);
  assert.match(errorsOf(withLines('resources: {toString: 1}'))[0]!, /^svc\.yaml:2:13: resources\.toString: unknown key/);
  const [error] = errorsOf(withLines('cap_add: ["\\e[2J\\u0007x"]'));
  assert.match(error!, /unknown capability "\\u001b\[2J\\u0007x"/);
  assert.doesNotMatch(error!, /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
});

test('errors after a block scalar header the parser cannot read keep their lines', () => {
  const errors = errorsOf('|a: |-\n  x\nb: y\n');
  assert.ok(errors.every((e) => /^svc\.yaml:(\d+):(\d+):/.test(e)));
  assert.ok(errors.some((e) => e.startsWith('svc.yaml:3:1:')), errors.join('\n'));
});

// --- command, entrypoint, env ----------------------------------------------------------------

test('command and entrypoint take a list of strings, numbers kept as written', () => {
  const spec = specOf(withLines('command: [sleep, 1.50]', 'entrypoint: ["/bin/sh", "-c"]'));
  assert.deepEqual(spec.command, ['sleep', '1.50']);
  assert.deepEqual(spec.entrypoint, ['/bin/sh', '-c']);
});

test('a command string is split like a shell would split it', () => {
  assert.deepEqual(specOf(withLines(`command: sh -c 'echo "$HOME"' x\\ y`)).command, ['sh', '-c', 'echo "$HOME"', 'x y']);
  assert.deepEqual(specOf(withLines('entrypoint: ""')).entrypoint, []);
});

test('a command that is not a list or a string, or cannot be split, is an error', () => {
  assert.deepEqual(errorsOf(withLines('command: {a: 1}')), ['svc.yaml:2:10: command: expected a list of strings or a command string, got a mapping']);
  assert.deepEqual(errorsOf(withLines('command: [sh, [x]]')), ['svc.yaml:2:15: command[1]: expected a string, got a list']);
  assert.deepEqual(errorsOf(withLines(`command: sh -c "echo`)), [
    'svc.yaml:2:10: command: cannot split the command string: unterminated double quote at character 7; close it with "; or write the command as a list',
  ]);
});

test('env takes a mapping whose scalar values become strings and empty values ""', () => {
  const spec = specOf(withLines('env:', '  A: 1.10', '  B: true', '  C:', '  D: text', '  E: 0x1F'));
  assert.deepEqual(spec.env, { A: '1.10', B: 'true', C: '', D: 'text', E: '0x1F' });
});

test('env takes a list of KEY=VALUE strings', () => {
  assert.deepEqual(specOf(withLines('env: [A=1, B=, C=x=y]')).env, { A: '1', B: '', C: 'x=y' });
});

test('env mistakes are errors: no "=", a name with "=", duplicates, nested values', () => {
  assert.deepEqual(errorsOf(withLines('env: [A=1, B, A=2]')), [
    'svc.yaml:2:12: env[1]: expected a variable as KEY=VALUE, got "B"; write it as "B=" for an empty value',
    'svc.yaml:2:15: env[2]: A is already set by env[0]',
  ]);
  assert.deepEqual(errorsOf(withLines('env: ["=x"]')), [`svc.yaml:2:7: env[0]: invalid variable name ""; expected a name without '='`]);
  assert.deepEqual(errorsOf(withLines('env:', '  A: 1', '  A: 2', '  B: [1]')), [
    'svc.yaml:4:3: env.A: duplicate key; "A" is already set on line 3',
    'svc.yaml:5:6: env.B: expected a string, number or boolean, got a list',
  ]);
  assert.deepEqual(errorsOf(withLines('env: 3')), ['svc.yaml:2:6: env: expected a mapping of variable names to values or a list of KEY=VALUE, got 3']);
});

// --- volumes and mounts ----------------------------------------------------------------------

test('volumes default to type volume and keep driver, options and labels', () => {
  const spec = specOf(withLines(
    'volumes:',
    '  - name: data',
    '    driver: local',
    '    driver_opts: {type: none, o: bind}',
    '    labels: {team: 7}',
  ));
  assert.deepEqual(spec.volumes, [{ name: 'data', type: 'volume', driver: 'local', driver_opts: { type: 'none', o: 'bind' }, labels: { team: '7' } }]);
});

test('bind volumes need an absolute source, tmpfs volumes take a size and an octal mode', () => {
  const spec = specOf(withLines(
    'volumes:',
    '  - {name: host, type: bind, source: /srv/data/}',
    '  - {name: scratch, type: tmpfs, size: 64M, mode: 1777}',
    '  - {name: t2, type: tmpfs, mode: "0755"}',
    '  - {name: t3, type: tmpfs, mode: 0o700}',
  ));
  assert.deepEqual(spec.volumes, [
    { name: 'host', type: 'bind', source: '/srv/data' },
    { name: 'scratch', type: 'tmpfs', size: 64 * 1024 * 1024, mode: 0o1777 },
    { name: 't2', type: 'tmpfs', mode: 0o755 },
    { name: 't3', type: 'tmpfs', mode: 0o700 },
  ]);
});

test('volume mistakes are each reported', () => {
  assert.deepEqual(errorsOf(withLines(
    'volumes:',
    '  - name: data',
    '  - name: data',
    '  - {name: b, type: bind}',
    '  - {name: c, type: bind, source: rel/path}',
    '  - {name: "-x"}',
    '  - {name: t, type: tmpfs, mode: 999, driver: local}',
    '  - {name: vv, type: volume, size: 1g}',
    '  - {type: disk}',
  )), [
    'svc.yaml:4:11: volumes[1].name: duplicate volume name "data"; volumes[0] already defines it',
    'svc.yaml:5:5: volumes[2].source: missing; a bind volume needs the absolute host path to bind',
    'svc.yaml:6:35: volumes[3].source: expected an absolute host path (starting with /), got "rel/path"',
    `svc.yaml:7:12: volumes[4].name: invalid volume name "-x"; use letters, digits, '_', '.' and '-', starting with a letter or digit`,
    'svc.yaml:8:34: volumes[5].mode: expected an octal mode like 1777 or 755, got 999',
    'svc.yaml:8:47: volumes[5].driver: driver is only for type volume; remove it, or use type: volume for a named volume',
    'svc.yaml:9:36: volumes[6].size: size is only for type tmpfs; set type: tmpfs for an in-memory volume',
    'svc.yaml:10:5: volumes[7].name: missing; every volume needs a name',
    'svc.yaml:10:12: volumes[7].type: expected one of volume, bind, tmpfs, got "disk"',
  ]);
});

test('a source on a volume that is not a bind says to set type: bind', () => {
  assert.deepEqual(errorsOf(withLines('volumes: [{name: data, source: /srv}]')), [
    'svc.yaml:2:32: volumes[0].source: source is only for type bind; set type: bind to bind a host directory',
  ]);
});

test('a named volume needs at least two characters', () => {
  assert.deepEqual(errorsOf(withLines('volumes: [{name: a}]')), [
    'svc.yaml:2:18: volumes[0].name: named volumes need at least 2 characters (Docker refuses shorter names)',
  ]);
  assert.deepEqual(specOf(withLines('volumes: [{name: a, type: tmpfs}]')).volumes, [{ name: 'a', type: 'tmpfs' }]);
});

test('mounts name a defined volume at an absolute path, in long or short form', () => {
  const spec = specOf(withLines(
    'volumes: [{name: data}, {name: cache}]',
    'mounts:',
    '  - volume: data',
    '    path: /data/',
    '    read_only: true',
    '  - cache:/cache',
    '  - cache:/ro:ro',
  ));
  assert.deepEqual(spec.mounts, [
    { volume: 'data', path: '/data', read_only: true },
    { volume: 'cache', path: '/cache' },
    { volume: 'cache', path: '/ro', read_only: true },
  ]);
});

test('mount mistakes are each reported', () => {
  assert.deepEqual(errorsOf(withLines(
    'volumes: [{name: data}]',
    'mounts:',
    '  - {volume: x, path: /x}',
    '  - {volume: data, path: data}',
    '  - {volume: data, path: /data}',
    '  - {volume: data, path: /data/}',
    '  - {volume: data, path: /}',
    '  - {path: /y, read_only: yes}',
    '  - data',
  )), [
    'svc.yaml:4:14: mounts[0].volume: mount names an undefined volume "x"; define it under volumes',
    'svc.yaml:5:26: mounts[1].path: expected an absolute container path (starting with /), got "data"',
    'svc.yaml:7:26: mounts[3].path: mounts[2] already mounts something at /data; each path can be mounted once',
    `svc.yaml:8:26: mounts[4].path: cannot mount over the container's root directory /; pick a directory such as /data`,
    'svc.yaml:9:5: mounts[5].volume: missing; name the volume to mount (defined under volumes)',
    'svc.yaml:9:27: mounts[5].read_only: expected true or false, got "yes"',
    'svc.yaml:10:5: mounts[6]: expected {volume, path, read_only} or "volume:/path[:ro]", got "data"',
  ]);
});

test('a mount of a volume that is only invalid is not also called undefined', () => {
  assert.deepEqual(errorsOf(withLines('volumes: [{name: data, type: bind}]', 'mounts: [data:/data]')), [
    'svc.yaml:2:11: volumes[0].source: missing; a bind volume needs the absolute host path to bind',
  ]);
});

// --- placement, healthcheck ------------------------------------------------------------------

test('placement lists machine names or ids', () => {
  assert.deepEqual(specOf(withLines('placement: {machines: [m2, m3]}')).placement, { machines: ['m2', 'm3'] });
  assert.deepEqual(specOf(withLines('placement: {machines: []}')).placement, { machines: [] });
  assert.deepEqual(errorsOf(withLines('placement: {machines: [m2, "", m2, 3]}')), [
    'svc.yaml:2:28: placement.machines[1]: expected a machine name or id, got an empty string',
    'svc.yaml:2:32: placement.machines[2]: machine "m2" is listed twice',
    'svc.yaml:2:36: placement.machines[3]: expected a machine name or id, got 3',
  ]);
  assert.deepEqual(errorsOf(withLines('placement: {machine: [m1]}')), ['svc.yaml:2:13: placement.machine: unknown key; did you mean "machines"?']);
  assert.deepEqual(errorsOf(withLines('placement: [m1]')), ['svc.yaml:2:12: placement: expected a mapping with keys machines, got a list; write placement: {machines: [m1, m2]}']);
  assert.deepEqual(errorsOf(withLines('healthcheck: true')), [
    'svc.yaml:2:14: healthcheck: expected a mapping with keys test, interval, timeout, retries, start_period, disable, got true',
  ]);
});

test('a healthcheck is read with its durations in milliseconds', () => {
  const spec = specOf(withLines(
    'healthcheck:',
    '  test: ["CMD", "wget", "-qO-", "http://127.0.0.1/"]',
    '  interval: 1s',
    '  timeout: 500ms',
    '  retries: 3',
    '  start_period: 1m30s',
  ));
  assert.deepEqual(spec.healthcheck, { test: ['CMD', 'wget', '-qO-', 'http://127.0.0.1/'], interval: 1000, timeout: 500, retries: 3, start_period: 90_000 });
});

test('a healthcheck test string becomes CMD-SHELL, and NONE and disable are accepted', () => {
  assert.deepEqual(specOf(withLines('healthcheck: {test: "wget -qO- x || exit 1"}')).healthcheck, { test: ['CMD-SHELL', 'wget -qO- x || exit 1'] });
  assert.deepEqual(specOf(withLines('healthcheck: {test: [NONE]}')).healthcheck, { test: ['NONE'] });
  assert.deepEqual(specOf(withLines('healthcheck: {disable: true}')).healthcheck, { disable: true });
});

test('healthcheck mistakes are each reported', () => {
  assert.deepEqual(errorsOf(withLines(
    'healthcheck:',
    '  test: [curl, x]',
    '  interval: 0s',
    '  timeout: soon',
    '  retries: -2',
    '  disable: true',
  )), [
    'svc.yaml:3:9: healthcheck.test: expected [CMD, arg...], [CMD-SHELL, "command"], [NONE], or a shell command string; it starts with "curl": put CMD before a command and its arguments',
    'svc.yaml:4:13: healthcheck.interval: expected a duration above 0, like 500ms or 2s',
    'svc.yaml:5:12: healthcheck.timeout: expected a duration like 500ms, 2s, 1m or 1m30s (a bare number is seconds), got "soon"',
    'svc.yaml:6:12: healthcheck.retries: expected an integer >= 0, got -2',
    'svc.yaml:7:12: healthcheck.disable: disable: true cannot go with a test; remove the test, or remove disable to run it',
  ]);
  assert.deepEqual(errorsOf(withLines('healthcheck: {test: [CMD]}')), ['svc.yaml:2:21: healthcheck.test: CMD needs the command to run after it']);
  assert.deepEqual(errorsOf(withLines('healthcheck: {test: [CMD-SHELL, a, b]}')), ['svc.yaml:2:21: healthcheck.test: CMD-SHELL takes exactly one string, the shell command']);
  assert.deepEqual(errorsOf(withLines('healthcheck: {test: [NONE, x]}')), ['svc.yaml:2:21: healthcheck.test: NONE takes nothing after it']);
  assert.deepEqual(errorsOf(withLines('healthcheck: {test: []}')), [
    'svc.yaml:2:21: healthcheck.test: expected [CMD, arg...], [CMD-SHELL, "command"], [NONE], or a shell command string',
  ]);
});

// --- container options -----------------------------------------------------------------------

test('init and privileged are booleans; yes/no are not', () => {
  const spec = specOf(withLines('init: true', 'privileged: false'));
  assert.equal(spec.init, true);
  assert.equal(spec.privileged, false);
  assert.deepEqual(errorsOf(withLines('init: yes', 'privileged: 1')), [
    'svc.yaml:2:7: init: expected true or false, got "yes"',
    'svc.yaml:3:13: privileged: expected true or false, got 1',
  ]);
});

test('user is a string and a number is taken as written', () => {
  assert.equal(specOf(withLines('user: 1000')).user, '1000');
  assert.equal(specOf(withLines('user: 1000:1000')).user, '1000:1000');
  assert.equal(specOf(withLines('user: nobody')).user, 'nobody');
  assert.deepEqual(errorsOf(withLines('user: [a]')), ['svc.yaml:2:7: user: expected a user name or uid[:gid], got a list']);
});

test('pull_policy is always, missing or never', () => {
  assert.equal(specOf(withLines('pull_policy: never')).pull_policy, 'never');
  assert.deepEqual(errorsOf(withLines('pull_policy: if_not_present')), [
    'svc.yaml:2:14: pull_policy: expected one of always, missing, never, got "if_not_present"',
  ]);
  assert.deepEqual(errorsOf(withLines('pull_policy: allways')), [
    'svc.yaml:2:14: pull_policy: expected one of always, missing, never, got "allways"; did you mean "always"?',
  ]);
});

test('resources take cpus as a number or numeric string and sizes in bytes', () => {
  assert.deepEqual(specOf(withLines('resources: {cpu: 0.5, memory: 64M, memory_reservation: 32m, shm_size: 1g}')).resources, {
    cpu: 0.5,
    memory: 64 * 1024 ** 2,
    memory_reservation: 32 * 1024 ** 2,
    shm_size: 1024 ** 3,
  });
  assert.deepEqual(specOf(withLines('resources: {cpu: "1.5"}')).resources, { cpu: 1.5 });
});

test('resource mistakes are each reported', () => {
  assert.deepEqual(errorsOf(withLines('resources:', '  cpu: 0', '  memory: 1M', '  shm_size: 0', '  cpus: 2')), [
    'svc.yaml:3:8: resources.cpu: expected a number of CPUs above 0, like 0.5 or 2, got 0',
    'svc.yaml:4:11: resources.memory: Docker refuses memory limits below 6M; raise it',
    'svc.yaml:5:13: resources.shm_size: expected a size above 0; leave the key out for no limit',
    'svc.yaml:6:3: resources.cpus: unknown key; did you mean "cpu"?',
  ]);
  assert.deepEqual(errorsOf(withLines('resources: {memory: 64M, memory_reservation: 1g}')), [
    'svc.yaml:2:46: resources.memory_reservation: memory_reservation is above memory; the reservation must be <= the limit',
  ]);
  assert.deepEqual(errorsOf(withLines('resources: {memory: lots}')), [
    'svc.yaml:2:21: resources.memory: expected a size like 512k, 64M or 1g (binary units; a bare number is bytes), got "lots"',
  ]);
});

test('capabilities are upper-cased and lose a CAP_ prefix', () => {
  const spec = specOf(withLines('cap_add: [net_admin, CAP_SYS_TIME]', 'cap_drop: [all]'));
  assert.deepEqual(spec.cap_add, ['NET_ADMIN', 'SYS_TIME']);
  assert.deepEqual(spec.cap_drop, ['ALL']);
});

test('unknown or repeated capabilities are errors', () => {
  assert.deepEqual(errorsOf(withLines('cap_add: [NET_ADMN, net_admin, CAP_NET_ADMIN, FLY]')), [
    'svc.yaml:2:11: cap_add[0]: unknown capability "NET_ADMN"; did you mean "NET_ADMIN"?',
    'svc.yaml:2:32: cap_add[2]: NET_ADMIN is listed twice',
    'svc.yaml:2:47: cap_add[3]: unknown capability "FLY"; see capabilities(7) for the names',
  ]);
  assert.deepEqual(errorsOf(withLines('cap_drop: NET_RAW')), ['svc.yaml:2:11: cap_drop: expected a list of capability names like NET_ADMIN, got "NET_RAW"']);
});

test('sysctls take a mapping or a list of k=v, values as strings', () => {
  assert.deepEqual(specOf(withLines('sysctls: {net.core.somaxconn: 1024}')).sysctls, { 'net.core.somaxconn': '1024' });
  assert.deepEqual(specOf(withLines('sysctls: [net.ipv4.ip_forward=1]')).sysctls, { 'net.ipv4.ip_forward': '1' });
  assert.deepEqual(errorsOf(withLines('sysctls: ["bad key=1"]')), [
    'svc.yaml:2:11: sysctls[0]: invalid sysctl name "bad key"; expected a kernel parameter name like net.core.somaxconn',
  ]);
});

test('ulimits take one number for both limits or soft and hard', () => {
  assert.deepEqual(specOf(withLines('ulimits: {nofile: {soft: 1024, hard: 4096}, nproc: 64}')).ulimits, {
    nofile: { soft: 1024, hard: 4096 },
    nproc: { soft: 64, hard: 64 },
  });
});

test('ulimit mistakes are each reported', () => {
  assert.deepEqual(errorsOf(withLines('ulimits:', '  nofle: 1', '  nproc: {soft: 9, hard: 2}', '  core: {soft: 1}', '  stack: -1')), [
    'svc.yaml:3:3: ulimits.nofle: unknown ulimit "nofle"; did you mean "nofile"?',
    'svc.yaml:4:17: ulimits.nproc.soft: the soft limit 9 is above the hard limit 2; soft must be <= hard',
    'svc.yaml:5:9: ulimits.core.hard: missing; give both soft and hard, or one number for both',
    'svc.yaml:6:10: ulimits.stack: expected an integer >= 0, got -1',
  ]);
});

test('devices default container_path to host_path and permissions to rwm', () => {
  assert.deepEqual(specOf(withLines('devices:', '  - /dev/fuse', '  - /dev/sda:/dev/xvda:r', '  - /dev/net/tun:rw', '  - {host_path: /dev/kvm}', '  - {host_path: /dev/a, container_path: /dev/b, permissions: rw}')).devices, [
    { host_path: '/dev/fuse', container_path: '/dev/fuse', permissions: 'rwm' },
    { host_path: '/dev/sda', container_path: '/dev/xvda', permissions: 'r' },
    { host_path: '/dev/net/tun', container_path: '/dev/net/tun', permissions: 'rw' },
    { host_path: '/dev/kvm', container_path: '/dev/kvm', permissions: 'rwm' },
    { host_path: '/dev/a', container_path: '/dev/b', permissions: 'rw' },
  ]);
});

test('device mistakes are each reported', () => {
  assert.deepEqual(errorsOf(withLines('devices:', '  - fuse', '  - /dev/a:/dev/b:rwx', '  - {container_path: /dev/b}', '  - {host_path: dev/c}')), [
    'svc.yaml:3:5: devices[0]: expected /dev/x[:/dev/y[:rwm]] or {host_path, container_path, permissions}, got "fuse"',
    'svc.yaml:4:5: devices[1]: device permissions are some of r, w and m (e.g. rwm or r), got "rwx"',
    'svc.yaml:5:5: devices[2].host_path: missing; give the device path on the machine, e.g. /dev/fuse',
    'svc.yaml:6:17: devices[3].host_path: expected an absolute device path (starting with /), got "dev/c"',
  ]);
});

test('logging needs a driver and takes string options', () => {
  assert.deepEqual(specOf(withLines('logging: {driver: json-file, options: {max-size: 10m, max-file: 3}}')).logging, {
    driver: 'json-file',
    options: { 'max-size': '10m', 'max-file': '3' },
  });
  assert.deepEqual(specOf(withLines('logging: {driver: local}')).logging, { driver: 'local' });
  assert.deepEqual(errorsOf(withLines('logging: {options: {a: b}}')), ['svc.yaml:2:10: logging.driver: missing; name the log driver, e.g. json-file or local']);
});

test('stop_grace_period and update.monitor are durations; update.order is one of three', () => {
  const spec = specOf(withLines('stop_grace_period: 30', 'update: {order: start-first, monitor: 3s}'));
  assert.equal(spec.stop_grace_period, 30_000);
  assert.deepEqual(spec.update, { order: 'start-first', monitor: 3000 });
  assert.deepEqual(errorsOf(withLines('stop_grace_period: -1s', 'update: {order: rolling, monitor: x}')), [
    'svc.yaml:2:20: stop_grace_period: expected a duration like 500ms, 2s, 1m or 1m30s (a bare number is seconds), got "-1s"',
    'svc.yaml:3:17: update.order: expected one of start-first, stop-first, auto, got "rolling"',
    'svc.yaml:3:35: update.monitor: expected a duration like 500ms, 2s, 1m or 1m30s (a bare number is seconds), got "x"',
  ]);
});

test('the parsed spec keeps ServiceSpec key order whatever the file order', () => {
  const spec = specOf(yaml('init: true', 'replicas: 2', 'image: local/busybox:1', 'name: web'));
  assert.deepEqual(Object.keys(spec), ['name', 'replicas', 'image', 'init']);
});
