import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ServiceSpec } from '../../src/model/spec.js';
import { diffSpecs, formatSpecChange, looksSecret, type SpecFieldChange } from '../../src/plan/spec-diff.js';

const base: ServiceSpec = { name: 'web', image: 'local/busybox:1' };
const with_ = (extra: Partial<ServiceSpec>): ServiceSpec => ({ ...base, ...extra });
const lines = (old: ServiceSpec | undefined, next: ServiceSpec): string[] => diffSpecs(old, next).map((c) => formatSpecChange(c, { notes: old !== undefined }));

// ---- formatting one change ------------------------------------------------------------------------

test('a changed field reads "~ field: old -> new"', () => {
  assert.equal(formatSpecChange({ field: 'image', kind: 'changed', old: 'local/busybox:1', new: 'local/busybox:2', effect: 'recreate' }), '~ image: local/busybox:1 -> local/busybox:2');
});

test('an added field reads "+ field: new"', () => {
  assert.equal(formatSpecChange({ field: 'env.NEW', kind: 'added', new: '1', effect: 'recreate' }), '+ env.NEW: 1');
});

test('a removed field reads "- field: old"', () => {
  assert.equal(formatSpecChange({ field: 'env.OLD', kind: 'removed', old: 'x', effect: 'recreate' }), '- env.OLD: x');
});

// ---- equal specs ------------------------------------------------------------------------------------

test('two equal specs have no changes', () => {
  const spec: ServiceSpec = with_({ replicas: 3, env: { A: '1' }, ports: [{ mode: 'ingress', container: 80, protocol: 'http' }] });
  assert.deepEqual(diffSpecs(spec, structuredClone(spec)), []);
});

test('an image change is one changed field with both values', () => {
  assert.deepEqual(diffSpecs(base, with_({ image: 'local/busybox:2' })), [
    { field: 'image', kind: 'changed', old: 'local/busybox:1', new: 'local/busybox:2', effect: 'recreate' },
  ]);
});

// ---- a new service --------------------------------------------------------------------------------

test('for a new service every set field is added, in the spec file order, and defaults are left out', () => {
  const spec: ServiceSpec = {
    name: 'api',
    image: 'local/busybox:1',
    mode: 'replicated',
    replicas: 2,
    command: ['sh', '-c', 'exec sleep 1000'],
    env: { LOG_LEVEL: 'debug', DB_PASSWORD: 'hunter2' },
    ports: [{ mode: 'ingress', container: 8080, protocol: 'http' }],
    placement: { machines: ['m1', 'm2'] },
    healthcheck: { test: ['CMD', 'true'], interval: 2000 },
    init: false,
    pull_policy: 'missing',
    resources: { memory: 64 * 1024 * 1024 },
    stop_grace_period: 10_000,
    update: { order: 'stop-first' },
  };
  assert.deepEqual(lines(undefined, spec), [
    '+ name: api',
    '+ image: local/busybox:1',
    '+ replicas: 2',
    '+ command: [sh, -c, exec sleep 1000]',
    '+ env.LOG_LEVEL: debug',
    '+ env.DB_PASSWORD: ••••••',
    '+ ports: 8080/http',
    '+ placement.machines: [m1, m2]',
    '+ healthcheck.test: [CMD, true]',
    '+ healthcheck.interval: 2s',
    '+ resources.memory: 64M',
    '+ update.order: stop-first',
  ]);
});

test('a new service with only an image has exactly one added field', () => {
  assert.deepEqual(diffSpecs(undefined, { image: 'local/busybox:1' }), [{ field: 'image', kind: 'added', new: 'local/busybox:1', effect: 'recreate' }]);
});

// ---- defaults count as absent -------------------------------------------------------------------

test('mode replicated written out equals no mode', () => {
  assert.deepEqual(diffSpecs(base, with_({ mode: 'replicated' })), []);
});

test('replicas 1 written out equals no replicas', () => {
  assert.deepEqual(diffSpecs(with_({ replicas: 1 }), base), []);
});

test('pull_policy missing written out equals no pull_policy', () => {
  assert.deepEqual(diffSpecs(base, with_({ pull_policy: 'missing' })), []);
});

test('empty lists and maps equal absent ones', () => {
  const empty = with_({
    command: [], entrypoint: [], env: {}, ports: [], volumes: [], mounts: [], placement: { machines: [] },
    cap_add: [], cap_drop: [], sysctls: {}, ulimits: {}, devices: [],
  } as Partial<ServiceSpec>);
  assert.deepEqual(diffSpecs(base, empty), []);
  assert.deepEqual(diffSpecs(empty, base), []);
});

test('false flags, the default grace period, the default monitor time and update order auto equal absent ones', () => {
  const defaults = with_({ init: false, privileged: false, stop_grace_period: 10_000, update: { order: 'auto', monitor: 5_000 }, healthcheck: { disable: false } });
  assert.deepEqual(diffSpecs(base, defaults), []);
});

test('a default becoming a real value, and back, reads as a change from or to the default', () => {
  assert.deepEqual(diffSpecs(with_({ replicas: 1 }), with_({ replicas: 3 })), [{ field: 'replicas', kind: 'changed', old: '1', new: '3', effect: 'scheduling' }]);
  assert.deepEqual(diffSpecs(with_({ replicas: 3 }), base), [{ field: 'replicas', kind: 'changed', old: '3', new: '1', effect: 'scheduling' }]);
  assert.deepEqual(diffSpecs(base, with_({ mode: 'global' })), [{ field: 'mode', kind: 'changed', old: 'replicated', new: 'global', effect: 'recreate' }]);
  assert.deepEqual(diffSpecs(base, with_({ pull_policy: 'always' })), [{ field: 'pull_policy', kind: 'changed', old: 'missing', new: 'always', effect: 'rollout' }]);
});

test('for a new service a set field is simply added, defaults or not', () => {
  assert.deepEqual(diffSpecs(undefined, { image: 'x:1', replicas: 3 }), [{ field: 'image', kind: 'added', new: 'x:1', effect: 'recreate' }, { field: 'replicas', kind: 'added', new: '3', effect: 'scheduling' }]);
});

test('a replica count change shows both counts', () => {
  assert.deepEqual(lines(with_({ replicas: 2 }), with_({ replicas: 5 })), ['~ replicas: 2 -> 5']);
});

// ---- env, key by key ------------------------------------------------------------------------------

test('env is compared key by key: one change per added, removed or changed key, unchanged keys not listed', () => {
  const old = with_({ env: { KEEP: 'same', LOG_LEVEL: 'info', OLD: 'x' } });
  const next = with_({ env: { KEEP: 'same', LOG_LEVEL: 'debug', NEW: '1' } });
  assert.deepEqual(diffSpecs(old, next), [
    { field: 'env.LOG_LEVEL', kind: 'changed', old: 'info', new: 'debug', effect: 'recreate' },
    { field: 'env.NEW', kind: 'added', new: '1', effect: 'recreate' },
    { field: 'env.OLD', kind: 'removed', old: 'x', effect: 'recreate' },
  ]);
});

test('env keys come in the new spec order, then the keys only the old spec had in its order', () => {
  const old = with_({ env: { Z: '1', GONE_B: 'b', A: '1', GONE_A: 'a' } });
  const next = with_({ env: { B_NEW: '2', Z: '2', A: '2' } });
  assert.deepEqual(diffSpecs(old, next).map((c) => c.field), ['env.B_NEW', 'env.Z', 'env.A', 'env.GONE_B', 'env.GONE_A']);
});

test('an env value that becomes empty is a change to ""', () => {
  assert.deepEqual(lines(with_({ env: { A: 'x' } }), with_({ env: { A: '' } })), ['~ env.A: x -> ""']);
});

test('env keys in another order are not a change', () => {
  assert.deepEqual(diffSpecs(with_({ env: { A: '1', B: '2' } }), with_({ env: { B: '2', A: '1' } })), []);
});

// ---- masking secrets ----------------------------------------------------------------------------

test('a changed secret-looking env value is reported with both values masked', () => {
  assert.deepEqual(diffSpecs(with_({ env: { DB_PASSWORD: 'hunter2' } }), with_({ env: { DB_PASSWORD: 'swordfish' } })), [
    { field: 'env.DB_PASSWORD', kind: 'changed', old: '••••••', new: '••••••', effect: 'recreate' },
  ]);
  assert.deepEqual(lines(with_({ env: { DB_PASSWORD: 'hunter2' } }), with_({ env: { DB_PASSWORD: 'swordfish' } })), ['~ env.DB_PASSWORD: •••••• -> •••••• (changed)']);
});

test('an unchanged secret is not reported', () => {
  assert.deepEqual(diffSpecs(with_({ env: { API_TOKEN: 'abc' } }), with_({ env: { API_TOKEN: 'abc' } })), []);
});

test('an added or removed secret is masked too', () => {
  assert.deepEqual(lines(with_({ env: { OLD_SECRET: 's1' } }), with_({ env: { NEW_SECRET: 's2' } })), ['+ env.NEW_SECRET: ••••••', '- env.OLD_SECRET: ••••••']);
});

test('every secret word masks, in any case, anywhere in the key', () => {
  for (const key of ['PASSWORD', 'db_passwd', 'ClientSecret', 'github_token', 'SSH_KEY', 'apiKey', 'AWS_CREDENTIALS', 'private_pem', 'BASIC_AUTH', 'authorization',
    'DB_PASS', 'SMTP_PASS', 'PASS_THROUGH', 'DB_PWD', 'dbPwd', 'ADMIN_PW', 'PASSPHRASE', 'BEARER', 'GITHUB_PAT']) {
    assert.equal(looksSecret(key), true, key);
    assert.deepEqual(lines(with_({ env: { [key]: 'a' } }), with_({ env: { [key]: 'b' } })), [`~ env.${key}: •••••• -> •••••• (changed)`], key);
  }
});

test('keys without a secret word are shown as they are', () => {
  for (const key of ['LOG_LEVEL', 'PORT', 'USER', 'PATH', 'COMPASS', 'BYPASS_CACHE']) assert.equal(looksSecret(key), false, key);
  assert.deepEqual(lines(with_({ env: { USER: 'a' } }), with_({ env: { USER: 'b' } })), ['~ env.USER: a -> b']);
});

test('secret-looking logging options and volume driver options are masked as well', () => {
  const old = with_({ logging: { driver: 'splunk', options: { 'splunk-token': 't1', 'splunk-url': 'https://a' } } });
  const next = with_({ logging: { driver: 'splunk', options: { 'splunk-token': 't2', 'splunk-url': 'https://b' } } });
  assert.deepEqual(lines(old, next), ['~ logging.options.splunk-token: •••••• -> •••••• (changed)', '~ logging.options.splunk-url: https://a -> https://b']);
  const vol = (password: string): ServiceSpec => with_({ volumes: [{ name: 'share', type: 'volume', driver: 'cifs', driver_opts: { password, user: 'me' } }] });
  assert.deepEqual(lines(vol('p1'), vol('p2')), ['~ volumes.share.driver_opts.password: •••••• -> •••••• (changed; an existing volume keeps its options)']);
  const mountOptions = (o: string): ServiceSpec => with_({ volumes: [{ name: 'share', type: 'volume', driver_opts: { type: 'cifs', o } }] });
  assert.deepEqual(lines(mountOptions('username=svc,password=hunter2'), mountOptions('username=svc,password=swordfish,vers=3')), [
    '~ volumes.share.driver_opts.o: username=svc,password=•••••• -> username=svc,password=••••••,vers=3 (an existing volume keeps its options)',
  ]);
});

test('a healthcheck timing left out reads as Docker\'s default while the service keeps a healthcheck', () => {
  const cases: [ServiceSpec['healthcheck'], ServiceSpec['healthcheck'], string[]][] = [
    // Going to the default interval is a change to 30s, not a removal.
    [{ interval: 1000, timeout: 2000 }, { interval: 30_000, timeout: 5000 }, ['~ healthcheck.interval: 1s -> 30s', '~ healthcheck.timeout: 2s -> 5s']],
    [{ test: ['CMD', 'true'] }, { test: ['CMD', 'true'], retries: 5 }, ['~ healthcheck.retries: 3 -> 5']],
    [{ test: ['CMD', 'true'], timeout: 1000 }, { test: ['CMD', 'true'] }, ['~ healthcheck.timeout: 1s -> 30s']],
    // No healthcheck left: the timings go with it.
    [{ interval: 1000, test: ['CMD', 'true'] }, undefined, ['- healthcheck.test: [CMD, true]', '- healthcheck.interval: 1s']],
    [{ interval: 1000, test: ['CMD', 'true'] }, { disable: true }, ['- healthcheck.test: [CMD, true]', '- healthcheck.interval: 1s', '+ healthcheck.disable: true']],
    // From no healthcheck: the new timings are additions.
    [undefined, { test: ['CMD', 'true'], interval: 2000 }, ['+ healthcheck.test: [CMD, true]', '+ healthcheck.interval: 2s']],
  ];
  for (const [before, after, want] of cases) {
    assert.deepEqual(lines(with_({ healthcheck: before }), with_({ healthcheck: after })), want, JSON.stringify({ before, after }));
  }
});

// ---- values written for reading -----------------------------------------------------------------

test('durations are written like the spec file: 2s, 1s500ms, 1m30s', () => {
  const old = with_({ healthcheck: { test: ['CMD', 'true'], interval: 2000, timeout: 1500 }, stop_grace_period: 90_000 });
  const next = with_({ healthcheck: { test: ['CMD', 'true'], interval: 5000, timeout: 1500, start_period: 500 }, stop_grace_period: 30_000, update: { monitor: 2000 } });
  assert.deepEqual(lines(old, next), [
    '~ healthcheck.interval: 2s -> 5s',
    '~ healthcheck.start_period: 0s -> 500ms',
    '~ stop_grace_period: 1m30s -> 30s',
    '~ update.monitor: 5s -> 2s (rollout setting: no container changes)',
  ]);
});

test('sizes are written in binary units: 64M, 1G, 512K, 1536b', () => {
  const old = with_({ resources: { memory: 64 * 1024 * 1024, shm_size: 1536 } });
  const next = with_({ resources: { memory: 1024 ** 3, memory_reservation: 512 * 1024, cpu: 0.5 } });
  assert.deepEqual(lines(old, next), [
    '+ resources.cpu: 0.5',
    '~ resources.memory: 64M -> 1G',
    '+ resources.memory_reservation: 512K',
    '~ resources.shm_size: 1536b -> 64M',
  ]);
});

test('ports are written in their string syntax joined with ", ", as one field', () => {
  const old = with_({ ports: [{ mode: 'ingress', container: 8080, protocol: 'http' }] });
  const next = with_({
    ports: [
      { mode: 'ingress', hostname: 'web.example.com', container: 8080, protocol: 'https' },
      { mode: 'host', published: 5353, container: 53, protocol: 'udp', host_ip: '127.0.0.1' },
    ],
  });
  assert.deepEqual(diffSpecs(old, next), [
    { field: 'ports', kind: 'changed', old: '8080/http', new: 'web.example.com:8080/https, 127.0.0.1:5353:53/udp@host', effect: 'recreate' },
  ]);
});

test('the same ports in another order are not a change', () => {
  const a = { mode: 'ingress' as const, container: 80, protocol: 'http' as const };
  const b = { mode: 'host' as const, published: 2222, container: 22, protocol: 'tcp' as const };
  assert.deepEqual(diffSpecs(with_({ ports: [a, b] }), with_({ ports: [b, a] })), []);
});

test('lists are written [a, b]; items that would read ambiguously are quoted', () => {
  assert.deepEqual(lines(with_({ command: ['sleep', '10'] }), with_({ command: ['sh', '-c', 'echo a, b', ''] })), ['~ command: [sleep, 10] -> [sh, -c, "echo a, b", ""]']);
  assert.deepEqual(lines(base, with_({ entrypoint: ['/bin/tini', '--'] })), ['+ entrypoint: [/bin/tini, --]']);
});

test('command order matters, placement and capability order do not', () => {
  assert.deepEqual(lines(with_({ command: ['a', 'b'] }), with_({ command: ['b', 'a'] })), ['~ command: [a, b] -> [b, a]']);
  assert.deepEqual(diffSpecs(with_({ placement: { machines: ['m1', 'm2'] } }), with_({ placement: { machines: ['m2', 'm1'] } })), []);
  assert.deepEqual(diffSpecs(with_({ cap_add: ['NET_ADMIN', 'SYS_TIME'] }), with_({ cap_add: ['SYS_TIME', 'NET_ADMIN'] })), []);
});

test('placement machines are one field, placement.machines', () => {
  assert.deepEqual(lines(with_({ placement: { machines: ['m1'] } }), with_({ placement: { machines: ['m1', 'm3'] } })), ['~ placement.machines: [m1] -> [m1, m3]']);
  assert.deepEqual(lines(with_({ placement: { machines: ['m1'] } }), with_({ placement: {} })), ['- placement.machines: [m1]']);
});

test('booleans are written true and false; a flag turned on is added, turned off is removed', () => {
  assert.deepEqual(lines(base, with_({ init: true, privileged: true })), ['+ init: true', '+ privileged: true']);
  assert.deepEqual(lines(with_({ init: true }), with_({ init: false })), ['- init: true']);
  assert.deepEqual(lines(base, with_({ healthcheck: { disable: true } })), ['+ healthcheck.disable: true']);
});

test('volumes, mounts and devices are written compactly, one field each', () => {
  const old = with_({
    volumes: [{ name: 'data', type: 'volume' }],
    mounts: [{ volume: 'data', path: '/data' }],
  });
  const next = with_({
    volumes: [
      { name: 'data', type: 'volume', driver: 'local' },
      { name: 'scratch', type: 'tmpfs', size: 64 * 1024 * 1024, mode: 0o1777 },
      { name: 'logs', type: 'bind', source: '/var/log' },
    ],
    mounts: [{ volume: 'data', path: '/data', read_only: true }, { volume: 'scratch', path: '/tmp' }],
    devices: [{ host_path: '/dev/fuse', container_path: '/dev/fuse', permissions: 'rwm' }, { host_path: '/dev/sda', container_path: '/dev/xvda', permissions: 'r' }],
  });
  assert.deepEqual(lines(old, next), [
    '~ volumes: [data] -> [data, scratch (tmpfs, size 64M, mode 1777), logs (bind /var/log)]',
    '~ mounts: [data:/data] -> [data:/data:ro, scratch:/tmp]',
    '+ devices: [/dev/fuse, /dev/sda:/dev/xvda:r]',
  ]);
});

test('a mount with read_only false equals one without read_only', () => {
  assert.deepEqual(diffSpecs(with_({ mounts: [{ volume: 'd', path: '/d', read_only: false }] }), with_({ mounts: [{ volume: 'd', path: '/d' }] })), []);
});

test('sysctls, ulimits and logging options are compared key by key', () => {
  const old = with_({ sysctls: { 'net.core.somaxconn': '1024' }, ulimits: { nofile: { soft: 1024, hard: 1024 } }, logging: { driver: 'json-file', options: { 'max-size': '10m' } } });
  const next = with_({ sysctls: { 'net.core.somaxconn': '4096' }, ulimits: { nofile: { soft: 1024, hard: 2048 }, nproc: { soft: 64, hard: 64 } }, logging: { driver: 'local' } });
  assert.deepEqual(lines(old, next), [
    '~ sysctls.net.core.somaxconn: 1024 -> 4096',
    '~ ulimits.nofile: 1024 -> soft 1024, hard 2048',
    '+ ulimits.nproc: 64',
    '~ logging.driver: json-file -> local',
    '- logging.options.max-size: 10m',
  ]);
});

// ---- order ------------------------------------------------------------------------------------------

test('changes come in the spec file order whatever the order of the objects keys', () => {
  const old: ServiceSpec = { image: 'a:1', name: 'web', user: 'root' };
  const next: ServiceSpec = {
    update: { order: 'start-first' },
    user: 'app',
    healthcheck: { test: ['CMD', 'true'] },
    placement: { machines: ['m2'] },
    mounts: [{ volume: 'v', path: '/v' }],
    volumes: [{ name: 'v', type: 'volume' }],
    ports: [{ mode: 'ingress', container: 80, protocol: 'http' }],
    env: { A: '1' },
    entrypoint: ['e'],
    command: ['c'],
    replicas: 2,
    mode: 'replicated',
    image: 'a:2',
    name: 'web2',
  };
  assert.deepEqual(diffSpecs(old, next).map((c: SpecFieldChange) => `${c.kind} ${c.field}`), [
    'changed name',
    'changed image',
    'changed replicas',
    'added command',
    'added entrypoint',
    'added env.A',
    'added ports',
    'added volumes',
    'added mounts',
    'added placement.machines',
    'added healthcheck.test',
    'changed user',
    'changed update.order',
  ]);
});

test('a removed field keeps its place in the file order among the added and changed ones', () => {
  const old = with_({ command: ['x'], user: 'root', cap_add: ['NET_ADMIN'] });
  const next = with_({ image: 'local/busybox:2', cap_add: ['NET_ADMIN'], init: true });
  assert.deepEqual(lines(old, next), ['~ image: local/busybox:1 -> local/busybox:2', '- command: [x]', '+ init: true', '- user: root']);
});

test('maskSecrets hides the values of secret-looking env keys and keeps the rest', async () => {
  const { maskSecrets, MASK } = await import('../../src/plan/spec-diff.js');
  const masked = maskSecrets({ image: 'x:1', env: { DB_PASSWORD: 'hunter2', LOG_LEVEL: 'info', api_token: 't' } });
  assert.deepEqual(masked.env, { DB_PASSWORD: MASK, LOG_LEVEL: 'info', api_token: MASK });
});
