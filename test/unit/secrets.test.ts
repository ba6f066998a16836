// What is secret: the built-in words, the configurable list, secret_env, secret parts inside option
// values, and the masks every face shows. Tables, pure.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatSpecError, parseSpec } from '../../src/model/parse-spec.js';
import type { ServiceSpec } from '../../src/model/spec.js';
import { specToYaml } from '../../src/model/spec-yaml.js';
import { ConfigFileError, parseConfig, readConfig } from '../../src/store/config-file.js';
import { configDir } from '../../src/store/xdg.js';
import {
  DEFAULT_SECRET_POLICY, MASK, looksSecret, maskClearSecrets, maskSecrets, maskText, maskValue, secretPlaces, type SecretPolicy,
} from '../../src/plan/secrets.js';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const TOKEN = `hmac-sha256:0a1b2c3d:${'e'.repeat(64)}`;

test('names: the built-in words, the configured words, and names configured as never secret', () => {
  const policy: SecretPolicy = { words: ['CONN', 'DSN_URL'], not: ['PUBLIC_KEY', 'KEYBOARD_LAYOUT'] };
  const table: [string, boolean, boolean][] = [
    // name, secret by the built-in rule, secret by `policy`
    ['DB_PASSWORD', true, true],
    ['apiKey', true, true],
    ['DB_PASS', true, true],
    ['LOG_LEVEL', false, false],
    ['BYPASS_CACHE', false, false],
    ['DB_CONN', false, true],
    ['db.conn', false, true],
    ['DB_CONNECTIONS', false, false],
    ['PRIMARY_DSN_URL', true, true],
    ['PRIMARY_CONN_URL', false, true],
    ['DSN', true, true],
    ['SSH_PUBLIC_KEY', true, false],
    ['sshPublicKey', true, false],
    ['KEYBOARD_LAYOUT', true, false],
    ['PRIVATE_KEY', true, true],
  ];
  for (const [name, builtIn, configured] of table) {
    assert.equal(looksSecret(name, DEFAULT_SECRET_POLICY), builtIn, `${name}, built-in`);
    assert.equal(looksSecret(name, policy), configured, `${name}, configured`);
  }
});

test('secret_env makes a value secret whatever its name; not does not undo it', () => {
  const spec: ServiceSpec = { image: 'x', env: { API_HOST: 'db.internal', REGION: 'eu', DB_PASSWORD: 'p' }, secret_env: ['API_HOST'] };
  const policy: SecretPolicy = { words: [], not: ['API_HOST', 'PASSWORD'] };
  assert.deepEqual(maskSecrets(spec, policy).env, { API_HOST: MASK, REGION: 'eu', DB_PASSWORD: 'p' });
  assert.deepEqual(secretPlaces(spec, policy).map((p) => [p.path, p.whole]), [['env.API_HOST', true], ['env.REGION', false], ['env.DB_PASSWORD', false]]);
});

test('option values: secret-looking options whole, password pairs and URL passwords inside others, tokens anywhere', () => {
  const table: [string, string, string][] = [
    ['splunk-token', 'abc', MASK],
    ['tag', 'app password=planted-1', `app password=${MASK}`],
    ['o', 'addr=10.0.0.2,username=svc,password=hunter2,vers=3', `addr=10.0.0.2,username=svc,password=${MASK},vers=3`],
    ['DATABASE_URL', 'postgres://app:hunter2@db:5432/x', `postgres://app:${MASK}@db:5432/x`],
    ['DATABASE_URL', `postgres://app:${TOKEN}@db/x`, `postgres://app:${MASK}@db/x`],
    ['NOTE', `sealed ${TOKEN} here`, `sealed ${MASK} here`],
    ['max-size', '10m', '10m'],
    ['o', 'password=', 'password='],
  ];
  for (const [key, value, shown] of table) assert.equal(maskValue(key, value, DEFAULT_SECRET_POLICY), shown, `${key}=${value}`);
  assert.equal(maskText('docker: mount failed: username=svc,password=hunter2'), `docker: mount failed: username=svc,password=${MASK}`);
});

test('maskSecrets masks env, logging options and volume driver options; maskClearSecrets keeps hashes and masks the rest', () => {
  const spec: ServiceSpec = {
    image: 'x',
    env: { DB_PASSWORD: 'hunter2', SEALED_TOKEN: TOKEN, URL: `https://u:${TOKEN}@h/`, LEVEL: 'info' },
    logging: { driver: 'json-file', options: { tag: 'x password=p1', 'max-size': '1m' } },
    volumes: [{ name: 'share', type: 'volume', driver_opts: { o: 'username=a,password=p2', password: 'p3' } }],
  };
  assert.deepEqual(maskSecrets(spec), {
    image: 'x',
    env: { DB_PASSWORD: MASK, SEALED_TOKEN: MASK, URL: `https://u:${MASK}@h/`, LEVEL: 'info' },
    logging: { driver: 'json-file', options: { tag: `x password=${MASK}`, 'max-size': '1m' } },
    volumes: [{ name: 'share', type: 'volume', driver_opts: { o: `username=a,password=${MASK}`, password: MASK } }],
  });
  const kept = maskClearSecrets(spec);
  assert.deepEqual(kept.env, { DB_PASSWORD: MASK, SEALED_TOKEN: TOKEN, URL: `https://u:${TOKEN}@h/`, LEVEL: 'info' });
  assert.deepEqual(kept.volumes?.[0]?.driver_opts, { o: `username=a,password=${MASK}`, password: MASK });
  assert.doesNotMatch(JSON.stringify(kept), /hunter2|p1|p2|p3/);
});

test('config file: secrets.keys and secrets.not read as the rule; no file, or an empty one, is the default', async () => {
  assert.deepEqual(parseConfig('secrets:\n  keys: [CONN, DSN_URL]\n  not:\n    - PUBLIC_KEY\n', 'c.yaml').secrets, { words: ['CONN', 'DSN_URL'], not: ['PUBLIC_KEY'] });
  assert.deepEqual(parseConfig('', 'c.yaml').secrets, { words: [], not: [] });
  assert.deepEqual(parseConfig('secrets:\n', 'c.yaml').secrets, { words: [], not: [] });
  const home = mkdtempSync(join(tmpdir(), 'dockplan-config-'));
  assert.deepEqual((await readConfig({ env: { XDG_CONFIG_HOME: join(home, 'none') } })).secrets, DEFAULT_SECRET_POLICY);
  mkdirSync(configDir({ env: { XDG_CONFIG_HOME: home } }), { recursive: true });
  writeFileSync(join(home, 'dockplan', 'config.yaml'), 'secrets: {keys: [CONN]}\n');
  assert.deepEqual((await readConfig({ env: { XDG_CONFIG_HOME: home } })).secrets, { words: ['CONN'], not: [] });
  assert.equal(configDir({ env: {}, home: '/home/ann' }), '/home/ann/.config/dockplan');
  assert.equal(configDir({ env: { XDG_CONFIG_HOME: 'relative' }, home: '/home/ann' }), '/home/ann/.config/dockplan', 'a relative XDG_CONFIG_HOME is ignored');
});

test('config file: every problem at once, each at its line and column with its field', () => {
  const text = ['secrets:', '  keys: [CONN, "has space", 3]', '  nto: [PUBLIC_KEY]', 'colour: true', ''].join('\n');
  assert.throws(() => parseConfig(text, '/etc/dockplan.yaml'), (err: unknown) => {
    assert.ok(err instanceof ConfigFileError);
    assert.equal(err.message, [
      'the configuration file /etc/dockplan.yaml has 4 problems:',
      '/etc/dockplan.yaml:2:16: secrets.keys[1]: expected a name (letters, digits, _ - .), got "has space"',
      '/etc/dockplan.yaml:2:29: secrets.keys[2]: expected a name (letters, digits, _ - .), got 3',
      '/etc/dockplan.yaml:3:3: secrets.nto: unknown key; did you mean "not"?',
      '/etc/dockplan.yaml:4:1: colour: unknown key; expected one of secrets',
    ].join('\n'));
    return true;
  });
  assert.throws(() => parseConfig('secrets: [CONN]\n', 'c.yaml'), /^ConfigFileError: the configuration file c\.yaml has 1 problem:\nc\.yaml:1:10: secrets: expected a mapping with keys keys and not, got a list$/);
  assert.throws(() => parseConfig('secrets:\n  keys: [a\n', 'c.yaml'), /c\.yaml:\d+:\d+: YAML syntax error/);
});

test('a spec file may list secret_env: names that are in env, each reported where it is written otherwise; it writes back as read', () => {
  const ok = parseSpec('image: x\nenv: { API_HOST: db, LEVEL: info }\nsecret_env: [API_HOST]\n', 'web.yaml');
  assert.deepEqual(ok.spec?.secret_env, ['API_HOST']);
  assert.deepEqual(parseSpec(specToYaml(ok.spec!), 'again.yaml').spec, ok.spec);
  const bad = parseSpec('image: x\nenv: { API_HOST: db }\nsecret_env: [API_HOST, NOPE]\n', 'web.yaml');
  assert.deepEqual(bad.errors.map(formatSpecError), ['web.yaml:3:24: secret_env[1]: "NOPE" is not in env: list the names of env variables whose values are secret']);
});
