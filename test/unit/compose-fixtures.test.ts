// Each compose fixture read whole: the exact project (names, order, specs, volumes) and every
// warning or error with its place.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { FIXTURES, fixtureErrors, loadFixture, warningsOf } from './compose-helpers.js';

const MiB = 1024 * 1024;

test('shop: four services in depends_on order, named volumes with driver options, one condition warning', () => {
  const p = loadFixture('shop');
  assert.equal(p.name, 'shop');
  assert.deepEqual(p.files, [resolve(FIXTURES, 'shop/compose.yaml')]);
  assert.deepEqual(p.services.map((s) => [s.key, s.dependsOn]), [['db', []], ['cache', []], ['api', ['db', 'cache']], ['proxy', ['api']]]);
  assert.deepEqual(p.services.map((s) => `${s.source.file}:${s.source.line}:${s.source.col}`), ['compose.yaml:32:3', 'compose.yaml:43:3', 'compose.yaml:13:3', 'compose.yaml:5:3']);
  const dbdata = {
    name: 'shop_dbdata', type: 'volume', driver: 'local',
    driver_opts: { type: 'none', o: 'bind', device: '/srv/shop/db' }, labels: { 'com.example.backup': 'daily' },
  };
  assert.deepEqual(p.services.map((s) => s.spec), [
    {
      name: 'shop-db', image: 'postgres:16', env: { POSTGRES_DB: 'shop', POSTGRES_USER: 'shop' },
      volumes: [dbdata], mounts: [{ volume: 'shop_dbdata', path: '/var/lib/postgresql/data' }],
      healthcheck: { test: ['CMD-SHELL', 'pg_isready -U shop'], interval: 5000 },
    },
    {
      name: 'shop-cache', image: 'redis:7-alpine', command: ['redis-server', '--appendonly', 'yes', '--save', ''],
      volumes: [{ name: 'shop_cachedata', type: 'volume' }], mounts: [{ volume: 'shop_cachedata', path: '/data' }],
    },
    {
      name: 'shop-api', image: 'registry.example.com/shop/api:2.1',
      entrypoint: ['/docker-entrypoint.sh', '--wait-for', 'db:5432'],
      env: { DATABASE_URL: 'postgres://shop@db:5432/shop', CACHE_URL: 'redis://cache:6379', LOG_LEVEL: 'info' },
      healthcheck: { test: ['CMD', 'wget', '-qO-', 'http://127.0.0.1:3000/health'], interval: 10_000, timeout: 2000, retries: 5, start_period: 30_000 },
    },
    {
      name: 'shop-proxy', image: 'nginx:1.27', command: ['nginx', '-g', 'daemon off;'],
      ports: [{ mode: 'host', container: 80, protocol: 'tcp', published: 8080 }],
    },
  ]);
  assert.deepEqual(p.volumes.map(({ source, ...v }) => ({ ...v, at: `${source.line}:${source.col}` })), [
    { key: 'dbdata', name: 'shop_dbdata', driver: 'local', driver_opts: dbdata.driver_opts, labels: dbdata.labels, at: '50:3' },
    { key: 'cachedata', name: 'shop_cachedata', at: '58:3' },
  ]);
  assert.deepEqual(warningsOf(p), [
    'compose.yaml:22:20: services.api.depends_on.db.condition: service_healthy is not waited for: dockplan deploys db first, but does not wait for it to be healthy beyond its own health gate',
  ]);
});

test('anchors: merge keys and aliases fill services, x- fields are ignored, x-machines places them', () => {
  const p = loadFixture('anchors');
  const logging = { driver: 'json-file', options: { 'max-size': '10m', 'max-file': '3' } };
  assert.deepEqual(p.services.map((s) => s.spec), [
    {
      name: 'anchors-worker', image: 'local/busybox:1', command: ['sh', '-c', 'while true; do sleep 5; done'],
      env: { TZ: 'UTC', LOG_LEVEL: 'info' }, placement: { machines: ['m1', 'm2'] }, init: true, logging,
    },
    {
      name: 'anchors-scheduler', image: 'local/busybox:1', env: { TZ: 'UTC', LOG_LEVEL: 'debug', ROLE: 'scheduler' },
      placement: { machines: ['m3'] }, init: true, logging,
    },
  ]);
  // the merged restart is reported at the << that brought it in, once per service
  assert.deepEqual(warningsOf(p), [
    'compose.yaml:19:9: services.worker.restart: restart is not applied: dockplan runs every container with restart unless-stopped',
    'compose.yaml:25:9: services.scheduler.restart: restart is not applied: dockplan runs every container with restart unless-stopped',
  ]);
});

test('override: a second -f file replaces the image and command, merges ports, volumes, env and caps, and honours !reset and !override', () => {
  const p = loadFixture('override', { files: ['compose.yaml', 'compose.prod.yaml'] });
  assert.deepEqual(p.files, [resolve(FIXTURES, 'override/compose.yaml'), resolve(FIXTURES, 'override/compose.prod.yaml')]);
  assert.deepEqual(p.services.map((s) => s.spec), [
    {
      name: 'override-app', replicas: 3, image: 'example/app:1.4', command: ['serve', '--port', '80', '--workers', '4'],
      env: { MODE: 'production', FEATURE_X: 'off', SENTRY: 'on' },
      ports: [
        { mode: 'host', container: 80, protocol: 'tcp', published: 8080 },
        { mode: 'host', container: 9090, protocol: 'tcp', published: 9090 },
        { mode: 'host', container: 443, protocol: 'tcp', published: 443 },
      ],
      // /etc/app: the second file's bind replaces the first one's (same target)
      volumes: [{ name: 'override_appdata', type: 'volume' }, { name: 'bind-1', type: 'bind', source: '/srv/app/config' }],
      mounts: [{ volume: 'override_appdata', path: '/data' }, { volume: 'bind-1', path: '/etc/app', read_only: true }],
      cap_add: ['NET_ADMIN', 'SYS_TIME'],
    },
    {
      name: 'override-debugger', image: 'example/debugger:1',
      ports: [{ mode: 'host', container: 5005, protocol: 'tcp', host_ip: '127.0.0.1', published: 5005 }],
    },
  ]);
  // labels were reset by the second file: nothing left to warn about
  assert.deepEqual(warningsOf(p), []);
});

test('override: the base file alone keeps its own values', () => {
  const p = loadFixture('override');
  const app = p.services[0]!.spec;
  assert.equal(app.image, 'example/app:1.0');
  assert.deepEqual(app.mounts, [{ volume: 'override_appdata', path: '/data' }, { volume: 'bind-1', path: '/etc/app', read_only: true }]);
  assert.deepEqual(app.volumes?.[1], { name: 'bind-1', type: 'bind', source: resolve(FIXTURES, 'override/config') });
  assert.deepEqual(warningsOf(p), [
    `compose.yaml:13:9: services.app.volumes[1]: the bind source ./config is read as ${resolve(FIXTURES, 'override/config')}, a folder of this machine: it must exist at that path on every machine the service runs on`,
    'compose.yaml:15:5: services.app.labels: labels are not applied: dockplan\'s containers carry its own labels only (the spec has no labels)',
  ]);
});

test('interpolation: every form, .env filling the gaps of the process environment', () => {
  const p = loadFixture('interpolation', { env: { FROM_PROCESS: 'proc', TAG: '1.27' } });
  assert.deepEqual(p.services[0]!.spec, {
    name: 'interpolation-web', replicas: 2, image: 'registry.example.com/team/web:1.27',
    env: {
      BRACED: '1.27', PLAIN: '1.27-suffix',
      DEFAULT_UNSET: 'fallback', DEFAULT_EMPTY_COLON: 'fallback', DEFAULT_EMPTY_NO_COLON: '', DEFAULT_UNSET_NO_COLON: 'fallback',
      ALT_SET: 'has-tag', ALT_EMPTY: '', ALT_EMPTY_NO_COLON: 'empty-but-set',
      REQUIRED: '1.27', REQUIRED_NO_COLON: '', NESTED: 'deep',
      ESCAPED: '$HOME and ${TAG}', LONE: 'costs 5$ or $5', FROM_PROCESS: 'proc', PROJECT: 'interpolation',
    },
    ports: [{ mode: 'host', container: 80, protocol: 'tcp', published: 8080 }],
  });
  assert.deepEqual(warningsOf(p), []);
});

test('interpolation: a variable set nowhere reads as empty, with a warning at the value', () => {
  const p = loadFixture('interpolation');
  assert.equal(p.services[0]!.spec.env?.FROM_PROCESS, '');
  assert.equal(p.services[0]!.spec.image, 'registry.example.com/team/web:1.25');
  assert.deepEqual(warningsOf(p), [
    'compose.yaml:23:21: services.web.environment.FROM_PROCESS: the variable FROM_PROCESS is not set; it reads as an empty string (set it in the environment or in .env)',
  ]);
});

test('env_file: values from files (every one secret), environment over them, a missing optional file skipped', () => {
  const p = loadFixture('env-file', { env: {} });
  assert.deepEqual(p.services.map((s) => s.spec), [
    {
      name: 'env-file-api', image: 'example/api:3',
      env: {
        DB_HOST: 'db', DB_PASSWORD: 's3cret pass', API_TOKEN: 'literal ${NOT_EXPANDED}', LOG_LEVEL: 'warn',
        GREETING: 'line one\nline two', URL: 'http://db:5432', EMPTY_VALUE: '',
      },
      secret_env: ['DB_HOST', 'DB_PASSWORD', 'API_TOKEN', 'LOG_LEVEL', 'GREETING', 'URL', 'EMPTY_VALUE'],
    },
    {
      name: 'env-file-mailer', image: 'example/mailer:1',
      env: { SMTP_HOST: 'smtp.example.com', SMTP_USER: 'mailer' }, secret_env: ['SMTP_HOST', 'SMTP_USER'],
    },
  ]);
  assert.deepEqual(warningsOf(p), [
    'compose.yaml:10:7: services.api.environment.HOME_REGION: HOME_REGION has no value here and is not set in the environment or .env: it is left out, as compose does',
  ]);
});

test('env_file: a variable without a value takes it from the environment, in the file and in environment:', () => {
  const p = loadFixture('env-file', { env: { HOME_REGION: 'eu-west' } });
  const api = p.services[0]!.spec;
  assert.equal(api.env?.HOME_REGION, 'eu-west');
  assert.deepEqual(api.secret_env, ['DB_HOST', 'DB_PASSWORD', 'API_TOKEN', 'LOG_LEVEL', 'GREETING', 'URL', 'EMPTY_VALUE', 'HOME_REGION']);
  assert.deepEqual(warningsOf(p), []);
});

test('long syntax: ports with ranges, host_ip, udp and IPv6; named, external, bind and tmpfs volumes', () => {
  const p = loadFixture('long-syntax');
  const host = (container: number, published: number, extra: object = {}) => ({ mode: 'host', container, protocol: 'tcp', published, ...extra });
  assert.deepEqual(p.services[0]!.spec, {
    name: 'long-syntax-gateway', image: 'example/gateway:2',
    ports: [
      host(80, 8080),
      { mode: 'host', container: 53, protocol: 'udp', host_ip: '127.0.0.1', published: 5353 },
      host(9000, 9000), host(9001, 9001), host(9002, 9002),
      host(7000, 7000, { host_ip: '::1' }),
      { mode: 'host', container: 6000, protocol: 'udp', published: 6000 },
    ],
    volumes: [
      { name: 'shared-certs', type: 'volume' },
      { name: 'bind-1', type: 'bind', source: resolve(FIXTURES, 'long-syntax/static') },
      { name: 'bind-2', type: 'bind', source: '/var/log/gateway' },
      { name: 'tmpfs-1', type: 'tmpfs', size: 64 * MiB, mode: 0o1777 },
      { name: 'bind-3', type: 'bind', source: '/var/run/gateway.sock' },
      { name: 'tmpfs-2', type: 'tmpfs', size: 16 * MiB },
    ],
    mounts: [
      { volume: 'shared-certs', path: '/etc/certs', read_only: true },
      { volume: 'bind-1', path: '/srv/static' },
      { volume: 'bind-2', path: '/var/log/gateway' },
      { volume: 'tmpfs-1', path: '/run/cache' },
      { volume: 'bind-3', path: '/var/run/gateway.sock' },
      { volume: 'tmpfs-2', path: '/tmp' },
    ],
    healthcheck: { test: ['NONE'] },
  });
  assert.deepEqual(p.volumes.map(({ source: _s, ...v }) => v), [{ key: 'certs', name: 'shared-certs', external: true }]);
  assert.deepEqual(warningsOf(p), [
    `compose.yaml:22:9: services.gateway.volumes[1]: the bind source ./static is read as ${resolve(FIXTURES, 'long-syntax/static')}, a folder of this machine: it must exist at that path on every machine the service runs on`,
    'compose.yaml:41:15: volumes.certs.external: dockplan does not check that the external volume "shared-certs" exists: a machine without it gets a new, empty one (compose would refuse to start)',
  ]);
});

test('deploy: mode, replicas, scale, limits and reservations, update_config, placement and the service-level keys', () => {
  const p = loadFixture('deploy');
  assert.deepEqual(p.services.map((s) => s.spec), [
    {
      name: 'deploy-api', mode: 'replicated', replicas: 4, image: 'example/api:5', placement: { machines: ['m2'] },
      init: true, privileged: false, user: '1000:1000', pull_policy: 'always',
      resources: { cpu: 0.5, memory: 256 * MiB, memory_reservation: 128 * MiB, shm_size: 128 * MiB },
      cap_add: ['NET_ADMIN'], cap_drop: ['ALL'], sysctls: { 'net.core.somaxconn': '1024' },
      ulimits: { nproc: { soft: 65535, hard: 65535 }, nofile: { soft: 20000, hard: 40000 } },
      devices: [
        { host_path: '/dev/fuse', container_path: '/dev/fuse', permissions: 'rwm' },
        { host_path: '/dev/sda', container_path: '/dev/xvda', permissions: 'r' },
      ],
      logging: { driver: 'local', options: { 'max-size': '20m' } },
      stop_grace_period: 45_000,
      update: { order: 'start-first', monitor: 90_000, parallelism: 2, delay: 10_000, failure_action: 'pause', max_failure_ratio: 0.25 },
    },
    {
      name: 'deploy-agent', mode: 'global', image: 'example/agent:1', entrypoint: ['/bin/agent', '--config', '/etc/agent.yaml'],
      healthcheck: { test: ['CMD-SHELL', 'agent status || exit 1'], interval: 90_000 },
      pull_policy: 'missing', resources: { cpu: 0.25, memory: 64 * MiB, memory_reservation: 32 * MiB },
      sysctls: { 'net.ipv4.ip_forward': '1' }, update: { order: 'stop-first' },
    },
    { name: 'deploy-batch', replicas: 2, image: 'example/batch:1', healthcheck: { disable: true }, pull_policy: 'never' },
  ]);
  assert.deepEqual(warningsOf(p), []);
});

test('unsupported keys: each one a warning at its line saying what happens instead', () => {
  const p = loadFixture('unsupported');
  assert.deepEqual(p.services.map((s) => s.spec), [
    { name: 'unsupported-cache', image: 'redis:7' },
    {
      name: 'unsupported-app', image: 'example/app:1', ports: [{ mode: 'host', container: 8443, protocol: 'tcp', published: 8443 }],
      healthcheck: { test: ['CMD', 'true'] }, pull_policy: 'missing',
    },
  ]);
  const where = warningsOf(p).map((w) => w.split(': ').slice(0, 2).join(': '));
  assert.deepEqual(where, [
    'compose.yaml:5:12: services.app.build',
    'compose.yaml:6:5: services.app.container_name',
    'compose.yaml:7:5: services.app.restart',
    'compose.yaml:8:5: services.app.labels',
    'compose.yaml:10:5: services.app.hostname',
    'compose.yaml:11:5: services.app.working_dir',
    'compose.yaml:12:5: services.app.read_only',
    'compose.yaml:13:5: services.app.expose',
    'compose.yaml:14:15: services.app.networks',
    'compose.yaml:15:5: services.app.links',
    'compose.yaml:16:5: services.app.secrets',
    'compose.yaml:17:5: services.app.configs',
    'compose.yaml:19:9: services.app.ports[0]',
    'compose.yaml:22:15: services.app.ports[1].mode',
    'compose.yaml:24:9: services.app.volumes[0]',
    'compose.yaml:27:23: services.app.healthcheck.start_interval',
    'compose.yaml:28:18: services.app.pull_policy',
    'compose.yaml:31:9: services.app.deploy.restart_policy',
    'compose.yaml:34:17: services.app.deploy.resources.reservations.cpus',
    'compose.yaml:37:13: services.app.deploy.placement.constraints[0]',
    'compose.yaml:40:20: services.app.depends_on.cache.condition',
    'compose.yaml:44:5: services.cache.network_mode',
    'compose.yaml:47:3: networks.front',
    'compose.yaml:48:3: networks.back',
    'compose.yaml:51:1: secrets',
    'compose.yaml:55:1: configs',
  ]);
  const text = warningsOf(p).join('\n');
  for (const phrase of [
    'build is not run', 'the networks front, back are not joined', 'container port 3000 is not published',
    'anonymous volume at /var/lib/app/tmp is not made', 'restart unless-stopped', 'service_completed_successfully is not waited for',
    'the constraint "node.role == manager" is not applied',
  ]) assert.ok(text.includes(phrase), `a warning says ${phrase}`);
});

test('errors: every problem of the file at once, each at its line, spec checks included', () => {
  assert.deepEqual(fixtureErrors('errors'), [
    'compose.yaml:4:5: services.web.imagee: unknown key; did you mean "image"?',
    'compose.yaml:6:9: services.web.ports[0]: protocol "sctp" is not supported; dockplan publishes tcp or udp',
    'compose.yaml:7:9: services.web.ports[1]: a range of host ports for one container port takes any free one of them in compose; give one host port',
    'compose.yaml:9:15: services.web.environment.SECRET: required variable MISSING_SECRET is missing a value: set MISSING_SECRET in .env',
    "compose.yaml:11:17: services.web.deploy.replicas: expected an integer from 0 to 10000, got 20000 (dockplan's replicas)",
    "compose.yaml:14:19: services.web.deploy.resources.limits.memory: Docker refuses memory limits below 6M; raise it (dockplan's resources.memory)",
    `compose.yaml:15:15: services.web.cap_add[0]: unknown capability "NOT_A_CAP"; see capabilities(7) for the names (dockplan's cap_add)`,
    'compose.yaml:18:12: services.builder.build: build is not supported: dockplan deploys images from a registry; build and push the image, then set image:',
    'compose.yaml:22:18: services.worker.depends_on[0]: depends on "ghost", which is not a service of this project',
    'compose.yaml:24:9: services.worker.volumes[0]: the volume "undeclared" is not declared under the top-level volumes; add `volumes: {undeclared: {}}` at the top level',
  ]);
});

test('errors: the :? message is the error once the variable is set, the rest stays', () => {
  const errors = fixtureErrors('errors', { env: { MISSING_SECRET: 'x' } });
  assert.equal(errors.length, 9);
  assert.ok(!errors.some((e) => e.includes('MISSING_SECRET')));
});

test('profiles: services without profiles by default; a profile adds its services', () => {
  assert.deepEqual(loadFixture('profiles').services.map((s) => s.key), ['db', 'web']);
  assert.deepEqual(loadFixture('profiles', { profiles: ['test'] }).services.map((s) => s.key), ['db', 'web', 'test_lib', 'coverage']);
  assert.deepEqual(loadFixture('profiles', { env: { COMPOSE_PROFILES: 'test, ops' } }).services.map((s) => s.key), ['db', 'web', 'test_lib', 'coverage', 'admin']);
  assert.deepEqual(loadFixture('profiles', { profiles: ['*'] }).services.map((s) => s.key), ['db', 'web', 'test_lib', 'coverage', 'debug', 'monitor', 'admin']);
});

test('profiles: a SERVICE argument enables its profiles and takes what it depends on', () => {
  const p = loadFixture('profiles', { services: ['coverage'] });
  assert.deepEqual(p.services.map((s) => [s.key, s.dependsOn]), [['test_lib', []], ['coverage', ['test_lib']]]);
  assert.deepEqual(loadFixture('profiles', { services: ['web'] }).services.map((s) => s.key), ['db', 'web']);
  // monitor is an optional dependency (required: false) of a profile that is not enabled
  const admin = loadFixture('profiles', { services: ['admin'] });
  assert.deepEqual(admin.services.map((s) => [s.key, s.dependsOn]), [['db', []], ['web', ['db']], ['admin', ['web']]]);
  assert.deepEqual(warningsOf(admin), [
    'compose.yaml:24:9: services.admin.depends_on.monitor: depends on "monitor", which no active profile enables (its profiles: monitoring); enable one of them; skipped (required: false)',
  ]);
});

test('profiles: a dependency no active profile enables is an error; so is an unknown SERVICE', () => {
  assert.deepEqual(fixtureErrors('profiles', { services: ['debug'] }), [
    'compose.yaml:16:18: services.debug.depends_on[0]: depends on "test_lib", which no active profile enables (its profiles: test); enable one of them',
  ]);
  assert.deepEqual(fixtureErrors('profiles', { services: ['wbe'] }), ['compose.yaml:1:1: services: no service "wbe" in this project; did you mean "web"?']);
  assert.deepEqual(fixtureErrors('profiles', { services: ['web', 'nope', 'gone'] }), [
    'compose.yaml:1:1: services: no service "nope", "gone" in this project; its services are web, db, test_lib, coverage, debug, admin, monitor',
  ]);
});

test('extends: a base in another file (its paths relative to it), extends of extends, depends_on not inherited', () => {
  const p = loadFixture('extends');
  const data = resolve(FIXTURES, 'extends/shared/data');
  const inherited = {
    volumes: [{ name: 'bind-1', type: 'bind', source: data }], mounts: [{ volume: 'bind-1', path: '/data' }], init: true,
    secret_env: ['BASE_SECRET'],
  };
  assert.deepEqual(p.services.map((s) => [s.key, s.dependsOn]), [['worker', []], ['db', []], ['web', ['db']]]);
  assert.deepEqual(p.services.map((s) => s.spec), [
    { name: 'extends-worker', image: 'example/web:2', command: ['worker'], env: { BASE_SECRET: 'from-base-env', ROLE: 'worker', REGION: 'eu' }, ...inherited },
    { name: 'extends-db', image: 'postgres:16' },
    { name: 'extends-web', image: 'example/web:2', env: { BASE_SECRET: 'from-base-env', ROLE: 'web', REGION: 'eu' }, ...inherited },
  ]);
});

test('cycle: depends_on that loops is an error naming the loop', () => {
  assert.deepEqual(fixtureErrors('cycle'), [
    'compose.yaml:4:18: services.a.depends_on[0]: depends_on makes a cycle: a -> b -> c -> a; one of them must not depend on the other',
  ]);
});
