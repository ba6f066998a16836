// Branches of reading a compose project, on files held in memory: finding the files, the
// project name, .env, merging, and each key's conversion with its warnings and errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { homedir } from 'node:os';
import { isComposeFile } from '../../src/compose/project.js';
import { errorsOf, loadInline, specOf, warningsOf, yaml } from './compose-helpers.js';

const WEB = yaml('services:', '  web:', '    image: nginx:1.27');

/** A one-service compose file with `lines` under the service. */
function service(...lines: string[]): string {
  return yaml('services:', '  web:', '    image: nginx:1.27', ...lines.map((l) => `    ${l}`));
}

// --- files, project name, .env --------------------------------------------------------------

test('files: compose.yaml is preferred to docker-compose.yml; COMPOSE_FILE names several; none is an error', () => {
  const p = loadInline({ 'compose.yaml': WEB, 'docker-compose.yml': yaml('services:', '  other:', '    image: x:1') });
  assert.deepEqual(p.files, ['/mem/app/compose.yaml']);
  assert.deepEqual(p.services.map((s) => s.key), ['web']);
  assert.deepEqual(loadInline({ 'docker-compose.yml': WEB }).files, ['/mem/app/docker-compose.yml']);
  const two = loadInline({ 'a.yaml': WEB, 'b.yaml': yaml('services:', '  web:', '    image: nginx:1.28') }, { env: { COMPOSE_FILE: 'a.yaml:b.yaml' } });
  assert.deepEqual(two.files, ['/mem/app/a.yaml', '/mem/app/b.yaml']);
  assert.equal(specOf(two, 'web').image, 'nginx:1.28');
  assert.deepEqual(errorsOf(() => loadInline({})), [
    '/mem/app: no compose file here: looked for compose.yaml, compose.yml, docker-compose.yaml, docker-compose.yml; give one with -f',
  ]);
  assert.deepEqual(errorsOf(() => loadInline({}, { files: ['missing.yaml'] })), ['missing.yaml: cannot read the compose file: no such file']);
});

test('project name: COMPOSE_PROJECT_NAME, then name:, then the folder; spec names are <project>-<key>', () => {
  const named = yaml('name: store', 'services:', '  web:', '    image: nginx:1.27');
  assert.equal(loadInline({ 'compose.yaml': named }).name, 'store');
  assert.equal(specOf(loadInline({ 'compose.yaml': named }), 'web').name, 'store-web');
  assert.equal(loadInline({ 'compose.yaml': named }, { env: { COMPOSE_PROJECT_NAME: 'ci-42' } }).name, 'ci-42');
  assert.equal(loadInline({ 'compose.yaml': WEB }).name, 'app');
  assert.equal(loadInline({ 'compose.yaml': WEB, '.env': 'COMPOSE_PROJECT_NAME=fromenv\n' }).name, 'fromenv');
  assert.equal(loadInline({ 'compose.yaml': yaml('name: ${STAGE}-shop', 'services:', '  web:', '    image: nginx:1.27') }, { env: { STAGE: 'prod' } }).name, 'prod-shop');
  assert.deepEqual(errorsOf(() => loadInline({ 'compose.yaml': yaml('name: My Shop', 'services:', '  web:', '    image: nginx:1.27') })), [
    'compose.yaml:1:7: name: "My Shop" is not a project name: lowercase letters, digits, _ and -, starting with a letter or digit',
  ]);
});

test('project name: one with _ is deployed as a DNS label prefix, said once where it was set', () => {
  const p = loadInline({ 'compose.yaml': yaml('name: my_shop', 'services:', '  web:', '    image: nginx:1.27', '    volumes: [data:/data]', '  db:', '    image: postgres:16', 'volumes:', '  data:') });
  assert.equal(p.name, 'my_shop');
  assert.deepEqual(p.services.map((s) => s.spec.name), ['my-shop-web', 'my-shop-db']);
  // the volume keeps compose's name, so the data compose left is found
  assert.deepEqual(specOf(p, 'web').volumes, [{ name: 'my_shop_data', type: 'volume' }]);
  assert.deepEqual(warningsOf(p), ['compose.yaml:1:7: name: the project name "my_shop" is not a DNS label, as dockplan service names must be: its services are named my-shop-<service>']);
  const fromEnv = loadInline({ 'compose.yaml': WEB }, { env: { COMPOSE_PROJECT_NAME: 'ci_7' } });
  assert.deepEqual(warningsOf(fromEnv), ['COMPOSE_PROJECT_NAME: the project name "ci_7" is not a DNS label, as dockplan service names must be: its services are named ci-7-<service>']);
});

test('project name: a service key that is not a DNS label is deployed under one, with a warning', () => {
  const p = loadInline({ 'compose.yaml': yaml('services:', '  db_Primary:', '    image: postgres:16') });
  assert.equal(specOf(p, 'db_Primary').name, 'app-db-primary');
  assert.deepEqual(warningsOf(p), ['compose.yaml:3:5: services.db_Primary: dockplan service names are DNS labels: "app-db_Primary" is deployed as "app-db-primary"']);
});

test('.env: fills the gaps of the process environment, which wins; its errors point into it', () => {
  const files = { 'compose.yaml': service('environment:', '  - TAG=${TAG}', '  - ONLY=${ONLY}'), '.env': 'TAG=from-dotenv\nONLY=dotenv\n' };
  assert.deepEqual(specOf(loadInline(files, { env: { TAG: 'from-process' } }), 'web').env, { TAG: 'from-process', ONLY: 'dotenv' });
  assert.deepEqual(warningsOf(loadInline({ ...files, '.env': 'TAG=${NOPE}\nONLY=1\n' })), ['.env:1:1: the variable NOPE is not set; it reads as an empty string']);
  assert.deepEqual(errorsOf(() => loadInline({ ...files, '.env': 'OK=1\nbad line\n' })), [
    '.env:2:1: expected KEY=VALUE, got "bad line"; a key is letters, digits, _ . and - (not starting with a digit)',
  ]);
});

test('isComposeFile: a services: mapping, or a compose-like name without image:', () => {
  assert.equal(isComposeFile('stack.yaml', WEB), true);
  assert.equal(isComposeFile('web.yaml', 'image: nginx:1.27\nreplicas: 2\n'), false);
  assert.equal(isComposeFile('docker-compose.prod.yml', 'version: "3"\n'), true);
  assert.equal(isComposeFile('compose.override.yaml', ''), true);
  assert.equal(isComposeFile('compose.yaml', 'image: nginx\n'), false);
  assert.equal(isComposeFile('x.yaml', '{{{ not yaml'), false);
});

// --- the YAML itself -----------------------------------------------------------------------------

test('yaml: syntax errors, duplicate keys, unknown top-level and service keys, include', () => {
  assert.deepEqual(errorsOf(() => loadInline({ 'compose.yaml': 'services:\n  web: [\n' })).length > 0, true);
  assert.deepEqual(errorsOf(() => loadInline({ 'compose.yaml': yaml('services:', '  web:', '    image: a:1', '    image: b:1') })), [
    'compose.yaml:4:5: services.web.image: duplicate key; "image" is already set on line 3',
  ]);
  assert.deepEqual(errorsOf(() => loadInline({ 'compose.yaml': yaml('servics:', '  web:', '    image: a:1', 'include: [other.yaml]') })), [
    'compose.yaml:1:1: servics: unknown key; did you mean "services"?',
    'compose.yaml:4:1: include: include is not supported; pass the included files with more -f (they are merged, not kept apart)',
  ]);
  assert.deepEqual(errorsOf(() => loadInline({ 'compose.yaml': service('enviroment: {A: 1}', 'x-ignored: 1') })), [
    'compose.yaml:4:5: services.web.enviroment: unknown key; did you mean "environment"?',
  ]);
  assert.deepEqual(errorsOf(() => loadInline({ 'compose.yaml': '' })), ['compose.yaml:1:1: the file is empty; a compose file needs services:']);
  assert.deepEqual(errorsOf(() => loadInline({ 'compose.yaml': 'volumes: {}\n' })), ['compose.yaml:1:1: missing services: a compose file for dockplan needs at least one service']);
});

// --- merging several files ------------------------------------------------------------------------

test('merge: environment in list and mapping form merged by name; depends_on list and mapping merged', () => {
  const p = loadInline({
    'a.yaml': yaml('services:', '  web:', '    image: a:1', '    environment: [A=1, B=2]', '    depends_on: [db]', '  db:', '    image: postgres:16', '  cache:', '    image: redis:7'),
    'b.yaml': yaml('services:', '  web:', '    environment: {B: 3, C: 4}', '    depends_on: {cache: {condition: service_started}}'),
  }, { files: ['a.yaml', 'b.yaml'] });
  assert.deepEqual(specOf(p, 'web').env, { A: '1', B: '3', C: '4' });
  assert.deepEqual(p.services.map((s) => [s.key, s.dependsOn]), [['db', []], ['cache', []], ['web', ['db', 'cache']]]);
});

test('merge: a service and a volume only the second file has are added; !reset clears a key, a list item kept once', () => {
  const p = loadInline({
    'a.yaml': yaml('services:', '  web:', '    image: a:1', '    command: [run]', '    cap_add: [NET_ADMIN]', '    user: "1000"'),
    'b.yaml': yaml('services:', '  web:', '    command: !reset null', '    cap_add: [NET_ADMIN, CHOWN]', '    user: !reset', '    volumes: [data:/data]', '  extra:', '    image: b:1', 'volumes:', '  data: {driver: local}'),
  }, { files: ['a.yaml', 'b.yaml'] });
  assert.deepEqual(specOf(p, 'web'), {
    name: 'app-web', image: 'a:1', volumes: [{ name: 'app_data', type: 'volume', driver: 'local' }], mounts: [{ volume: 'app_data', path: '/data' }],
    cap_add: ['NET_ADMIN', 'CHOWN'],
  });
  assert.deepEqual(p.services.map((s) => s.key), ['web', 'extra']);
  // a problem in the second file points into it
  assert.deepEqual(errorsOf(() => loadInline({ 'a.yaml': WEB, 'b.yaml': yaml('services:', '  web:', '    init: maybe') }, { files: ['a.yaml', 'b.yaml'] })), [
    'b.yaml:3:11: services.web.init: expected true or false, got "maybe"',
  ]);
});

test('merge: healthcheck.test and entrypoint are replaced, other healthcheck keys merged', () => {
  const p = loadInline({
    'a.yaml': service('entrypoint: [a, b]', 'healthcheck:', '  test: [CMD, a]', '  interval: 5s'),
    'b.yaml': yaml('services:', '  web:', '    entrypoint: [c]', '    healthcheck:', '      test: [CMD, b]', '      retries: 2'),
  }, { files: ['a.yaml', 'b.yaml'] });
  assert.deepEqual(specOf(p, 'web').entrypoint, ['c']);
  assert.deepEqual(specOf(p, 'web').healthcheck, { test: ['CMD', 'b'], interval: 5000, retries: 2 });
});

// --- keys ---------------------------------------------------------------------------------------

test('command: a string is split like a shell; an unclosed quote is an error at the value', () => {
  assert.deepEqual(specOf(loadInline({ 'compose.yaml': service(`command: sh -c 'echo "$$HOME"'`) }), 'web').command, ['sh', '-c', 'echo "$HOME"']);
  assert.deepEqual(errorsOf(() => loadInline({ 'compose.yaml': service(`command: echo "hi`) })), [
    'compose.yaml:4:14: services.web.command: cannot split the command string: unterminated double quote at character 6; close it with "; or write it as a list',
  ]);
});

test('ports: what compose accepts and what dockplan refuses', () => {
  const ports = (...items: string[]) => specOf(loadInline({ 'compose.yaml': service('ports:', ...items.map((i) => `  - ${i}`)) }), 'web').ports;
  assert.deepEqual(ports('"80:80"', '8443:443/tcp', '"127.0.0.1:53:53/udp"', '"0.0.0.0:81:81"'), [
    { mode: 'host', container: 80, protocol: 'tcp', published: 80 },
    { mode: 'host', container: 443, protocol: 'tcp', published: 8443 },
    { mode: 'host', container: 53, protocol: 'udp', host_ip: '127.0.0.1', published: 53 },
    { mode: 'host', container: 81, protocol: 'tcp', published: 81 },
  ]);
  assert.deepEqual(errorsOf(() => loadInline({ 'compose.yaml': service('ports:', '  - "300.1.1.1:80:80"', '  - "8000-8001:80-82"', '  - {published: 80}', '  - "80:80"', '  - "80:81"') })), [
    'compose.yaml:5:9: services.web.ports[0]: "300.1.1.1" is not an IP address',
    'compose.yaml:6:9: services.web.ports[1]: the host range has 2 ports and the container range 3; they must be the same length',
    'compose.yaml:7:9: services.web.ports[2]: missing target: the container port',
    "compose.yaml:9:9: services.web.ports[4]: host port 80/tcp is already bound by ports[0] (all addresses); a host port can be bound only once per machine (dockplan's ports)",
  ]);
});

test('volumes: short modes, home folder binds, tmpfs, and what is refused', () => {
  const p = loadInline({ 'compose.yaml': service('volumes:', '  - ~/conf:/conf:ro,z', '  - data:/data:nocopy', '  - type: tmpfs', '    target: /scratch', 'tmpfs: /run') + yaml('volumes:', '  data:') });
  assert.deepEqual(specOf(p, 'web').volumes, [
    { name: 'bind-1', type: 'bind', source: `${homedir()}/conf` },
    { name: 'app_data', type: 'volume' },
    { name: 'tmpfs-1', type: 'tmpfs' },
    { name: 'tmpfs-2', type: 'tmpfs' },
  ]);
  assert.deepEqual(specOf(p, 'web').mounts, [
    { volume: 'bind-1', path: '/conf', read_only: true },
    { volume: 'app_data', path: '/data' },
    { volume: 'tmpfs-1', path: '/scratch' },
    { volume: 'tmpfs-2', path: '/run' },
  ]);
  assert.deepEqual(warningsOf(p), [
    'compose.yaml:5:9: services.web.volumes[0]: the SELinux relabel option z is not applied; relabel the host path yourself if SELinux enforces',
    "compose.yaml:6:9: services.web.volumes[1]: nocopy is not applied: Docker copies the image's files at that path into a new, empty volume",
  ]);
  assert.deepEqual(errorsOf(() => loadInline({ 'compose.yaml': service('volumes:', '  - data:/data:rx', '  - {type: npipe, source: a, target: /b}', '  - {type: bind, target: /b}', '  - data:relative') + yaml('volumes:', '  data:', '    external: true', '    driver: local') })), [
    'compose.yaml:5:9: services.web.volumes[0]: unknown volume mode "rx"; expected ro or rw (and z, Z, nocopy, a propagation or a consistency)',
    'compose.yaml:6:16: services.web.volumes[1].type: volumes of type npipe are not supported; dockplan mounts volume, bind and tmpfs',
    'compose.yaml:7:9: services.web.volumes[2]: missing source: the host path to bind',
    'compose.yaml:8:9: services.web.volumes[3]: expected an absolute container path (starting with /), got "relative"',
    'compose.yaml:11:5: volumes.data: an external volume is made outside the project: it cannot also set driver, driver_opts or labels',
  ]);
});

test('volumes: the same named volume mounted twice is one volume; a top-level name: is the Docker name', () => {
  const p = loadInline({ 'compose.yaml': service('volumes: [data:/a, data:/b]') + yaml('volumes:', '  data:', '    name: legacy-data') });
  assert.deepEqual(specOf(p, 'web').volumes, [{ name: 'legacy-data', type: 'volume' }]);
  assert.deepEqual(specOf(p, 'web').mounts, [{ volume: 'legacy-data', path: '/a' }, { volume: 'legacy-data', path: '/b' }]);
});

test('deploy: refusals and warnings at their lines', () => {
  assert.deepEqual(errorsOf(() => loadInline({ 'compose.yaml': service('scale: 2', 'deploy:', '  mode: global-job', '  replicas: 3', '  placement:', '    constraints: ["node.hostname == m1", "node.hostname==m2"]') })), [
    'compose.yaml:4:12: services.web.scale: scale 2 and deploy.replicas 3 disagree; keep one of them',
    'compose.yaml:6:13: services.web.deploy.mode: global-job runs a task to completion; dockplan keeps services running: use replicated or global',
    'compose.yaml:9:46: services.web.deploy.placement.constraints[1]: constraints must all hold: no machine is both m1 and m2; to allow several machines write x-machines: [m1, m2]',
  ]);
  assert.deepEqual(errorsOf(() => loadInline({ 'compose.yaml': service('mem_limit: 64m', 'x-machines: [m1]', 'deploy:', '  resources: {limits: {memory: 128m}}', '  placement: {constraints: [node.hostname == m2]}') })), [
    'compose.yaml:4:16: services.web.mem_limit: services.web.mem_limit 64m and services.web.deploy.resources.limits.memory 128m disagree; keep one of them',
    'compose.yaml:5:17: services.web.x-machines: x-machines and a node.hostname constraint both say where to run; keep one of them',
  ]);
  const p = loadInline({ 'compose.yaml': service('deploy:', '  mode: global', '  replicas: 2', '  update_config: {parallelism: 0}') + yaml('  api:', '    image: api:1', '    deploy: {replicas: 3, update_config: {parallelism: 0}}') });
  assert.deepEqual(specOf(p, 'web'), { name: 'app-web', mode: 'global', image: 'nginx:1.27', update: {} });
  assert.deepEqual(specOf(p, 'api').update, { parallelism: 3 });
  assert.deepEqual(warningsOf(p), [
    'compose.yaml:6:17: services.web.deploy.replicas: a global service runs one replica per machine: the replica count is not used',
    'compose.yaml:7:36: services.web.deploy.update_config.parallelism: parallelism 0 (all at once) needs a replica count to become one; dockplan updates one at a time',
    'compose.yaml:10:56: services.api.deploy.update_config.parallelism: parallelism 0 (all at once) is written as 3, the replica count',
  ]);
});

test('pull_policy: compose names map to dockplan ones; a schedule reads as missing; nonsense is an error', () => {
  const policy = (p: string) => specOf(loadInline({ 'compose.yaml': service(`pull_policy: ${p}`) }), 'web').pull_policy;
  assert.equal(policy('if_not_present'), 'missing');
  assert.equal(policy('never'), 'never');
  assert.equal(policy('daily'), 'missing');
  assert.deepEqual(errorsOf(() => loadInline({ 'compose.yaml': service('pull_policy: sometimes') })), [
    'compose.yaml:4:18: services.web.pull_policy: expected always, missing (or if_not_present), never or build, got "sometimes"',
  ]);
});

test('healthcheck and durations: a spec check lands on the compose line', () => {
  assert.deepEqual(errorsOf(() => loadInline({ 'compose.yaml': service('healthcheck:', '  test: [CMD]', '  interval: 10 seconds', 'stop_grace_period: soon') })), [
    "compose.yaml:5:13: services.web.healthcheck.test: CMD needs the command to run after it (dockplan's healthcheck.test)",
    "compose.yaml:6:17: services.web.healthcheck.interval: expected a duration like 500ms, 2s, 1m or 1m30s (a bare number is seconds), got \"10 seconds\" (dockplan's healthcheck.interval)",
    "compose.yaml:7:24: services.web.stop_grace_period: expected a duration like 500ms, 2s, 1m or 1m30s (a bare number is seconds), got \"soon\" (dockplan's stop_grace_period)",
  ]);
});

test('logging without a driver, CDI devices, and interpolated numbers and booleans', () => {
  const p = loadInline({ 'compose.yaml': service('logging: {options: {max-size: 1m}}', 'init: "${INIT}"', 'deploy: {replicas: "${N}"}') }, { env: { INIT: 'true', N: '3' } });
  assert.deepEqual(specOf(p, 'web'), { name: 'app-web', replicas: 3, image: 'nginx:1.27', init: true, logging: { driver: 'json-file', options: { 'max-size': '1m' } } });
  assert.deepEqual(warningsOf(p), ["compose.yaml:4:14: services.web.logging: no driver: dockplan needs one and writes json-file, Docker's default"]);
  assert.deepEqual(errorsOf(() => loadInline({ 'compose.yaml': service('devices: [nvidia.com/gpu=all]') })), [
    'compose.yaml:4:15: services.web.devices[0]: CDI device names ("nvidia.com/gpu=all") are not supported; give a device path like /dev/fuse',
  ]);
});

test('env_file: a required file that is missing, and a problem inside one, point at their places', () => {
  assert.deepEqual(errorsOf(() => loadInline({ 'compose.yaml': service('env_file: [missing.env]') })), [
    'compose.yaml:4:16: services.web.env_file[0]: cannot read the env_file /mem/app/missing.env: no such file; create it, or write {path: missing.env, required: false}',
  ]);
  assert.deepEqual(errorsOf(() => loadInline({ 'compose.yaml': service('env_file: conf/app.env'), 'conf/app.env': 'A=1\n\nB="open\n' })), [
    'conf/app.env:3:3: the double quote is never closed',
  ]);
});

test('extends: a missing service, a missing file and a cycle are errors at the extends', () => {
  assert.deepEqual(errorsOf(() => loadInline({ 'compose.yaml': service('extends: {service: bsae}') + yaml('  base:', '    image: b:1') })), [
    'compose.yaml:4:24: services.web.extends.service: no service "bsae" in compose.yaml to extend; its services are web, base',
  ]);
  assert.deepEqual(errorsOf(() => loadInline({ 'compose.yaml': service('extends: {service: base, file: nope.yaml}') })), [
    'compose.yaml:4:36: services.web.extends.file: cannot read /mem/app/nope.yaml to extend: no such file',
  ]);
  assert.deepEqual(errorsOf(() => loadInline({ 'compose.yaml': yaml('services:', '  a:', '    extends: b', '  b:', '    image: b:1', '    extends: a') })), [
    'compose.yaml:6:14: services.b.extends: extends makes a cycle: a -> b -> a',
  ]);
});
