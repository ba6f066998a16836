import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateServiceName, imageBaseName } from '../../src/plan/service-name.js';
import { resolveServiceSpec } from '../../src/plan/resolve-spec.js';
import { PlanError } from '../../src/plan/plan-error.js';

/** A random source that walks a fixed list of values. */
const sequence = (...values: number[]) => {
  let i = 0;
  return () => values[i++ % values.length];
};

test('the name is the image\'s last path segment plus 4 random chars; registry, tag and digest dropped', () => {
  const name = generateServiceName(`ghcr.io/org/app:1.2@sha256:${'a'.repeat(64)}`);
  assert.match(name, /^app-[a-z0-9]{4}$/);
  assert.equal(imageBaseName('localhost:5000/team/api:3'), 'api');
  assert.equal(imageBaseName('busybox'), 'busybox');
});

test('a name that is not a DNS label is made one', () => {
  assert.match(generateServiceName('registry.local/My_App.Server:1'), /^my-app-server-[a-z0-9]{4}$/);
});

test('a very long image name still gives a name of at most 63 chars', () => {
  const name = generateServiceName(`x/${'a'.repeat(100)}:1`);
  assert.ok(name.length <= 63, name);
  assert.match(name, /^a+-[a-z0-9]{4}$/);
});

test('a generated name never reuses a name already taken in the cluster', () => {
  // The first two draws give "aaaa", which is taken; the next gives "bbbb".
  const random = sequence(0, 0, 0, 0, 0, 0, 0, 0, 1 / 36, 1 / 36, 1 / 36, 1 / 36);
  assert.equal(generateServiceName('app:1', new Set(['app-aaaa']), random), 'app-bbbb');
});

test('resolving a spec without a name generates one and defaults the mode', () => {
  const spec = resolveServiceSpec({ image: 'local/busybox:1' }, { takenNames: new Set(), random: sequence(0) });
  assert.equal(spec.name, 'busybox-aaaa');
  assert.equal(spec.mode, 'replicated');
});

test('an ingress port without a hostname gets <service>.<cluster domain>', () => {
  const spec = resolveServiceSpec(
    { name: 'web', image: 'x:1', ports: [{ mode: 'ingress', container: 8080, protocol: 'http' }, { mode: 'host', published: 9, container: 9, protocol: 'tcp' }] },
    { domain: 'example.internal', takenNames: new Set() },
  );
  assert.equal(spec.ports?.[0].hostname, 'web.example.internal');
  assert.equal(spec.ports?.[1].hostname, undefined);
});

test('an ingress port without a hostname and no cluster domain is an error saying what to do', () => {
  assert.throws(
    () => resolveServiceSpec({ name: 'web', image: 'x:1', ports: [{ mode: 'ingress', container: 8080, protocol: 'http' }] }, { takenNames: new Set() }),
    (e: unknown) => e instanceof PlanError && /ingress port 8080\/http of service web has no hostname and the cluster has no domain: write it as HOSTNAME:8080\/http, or set "domain:" in the cluster file/.test(e.message),
  );
});
