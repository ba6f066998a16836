// Docker contexts read from a temporary docker config folder laid out as the docker CLI lays it out:
// the current context, a context's host and TLS files, the default machine, cluster-file contexts.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ClusterConfigError, loadClusterConfig } from '../../src/cluster/cluster-config.js';
import { contextDigest, currentDockerContext, listDockerContexts, readDockerContext } from '../../src/cluster/docker-context.js';
import { issue, makeCa, useContext, writeContext, type CertFiles } from '../support/tls-fixtures.js';

let dir: string;
let config: string;
let ca: CertFiles;
let client: CertFiles;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'dpt-context-'));
  config = join(dir, 'docker-config');
  ca = makeCa(dir, 'ctx');
  client = issue(dir, ca, 'client', { usage: 'clientAuth' });
  writeContext(config, 'prod', { host: 'tcp://10.0.0.9:2376', tls: { ca: ca.cert, cert: client.cert, key: client.key } });
  writeContext(config, 'lab', { host: 'tcp://10.0.0.8:2376', skipTlsVerify: true });
  writeContext(config, 'plain', { host: 'tcp://10.0.0.7:2375' });
  writeContext(config, 'remote', { host: 'ssh://deploy@10.0.0.6' });
});
after(() => rmSync(dir, { recursive: true, force: true }));

const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({ DOCKER_CONFIG: config, ...extra });
const tlsDir = (name: string): string => join(config, 'contexts', 'tls', contextDigest(name), 'docker');

describe('the context store', () => {
  it("a context's folder is the SHA-256 of its name, as the docker CLI names it", () => {
    assert.equal(contextDigest('default'), '37a8eec1ce19687d132fe29051dca629d164e2c4958ba141d5f4133a33f0688f');
  });

  it('a context with TLS files is checked against its CA and presents its client certificate', () => {
    assert.deepEqual(readDockerContext('prod', env()), {
      name: 'prod',
      host: 'tcp://10.0.0.9:2376',
      tls: { verify: true, origin: 'docker context prod', ca: join(tlsDir('prod'), 'ca.pem'), cert: join(tlsDir('prod'), 'cert.pem'), key: join(tlsDir('prod'), 'key.pem') },
    });
  });

  it('SkipTLSVerify is TLS without the check; a tcp context with neither files nor SkipTLSVerify is plain TCP; ssh has no TLS', () => {
    assert.deepEqual(readDockerContext('lab', env()).tls, { verify: false, origin: 'docker context lab' });
    assert.equal(readDockerContext('plain', env()).tls, false);
    assert.deepEqual(readDockerContext('remote', env()), { name: 'remote', host: 'ssh://deploy@10.0.0.6' });
  });

  it('keys are matched without regard to case, as Go reads them', () => {
    const other = join(dir, 'lower-config');
    const meta = join(other, 'contexts', 'meta', contextDigest('low'));
    mkdirSync(meta, { recursive: true });
    writeFileSync(join(meta, 'meta.json'), JSON.stringify({ name: 'low', endpoints: { docker: { host: 'unix:///run/low.sock' } } }));
    assert.deepEqual(readDockerContext('low', { DOCKER_CONFIG: other }), { name: 'low', host: 'unix:///run/low.sock' });
  });

  it('an unknown context lists the ones there are, with a did-you-mean', () => {
    assert.deepEqual(listDockerContexts(env()), ['default', 'lab', 'plain', 'prod', 'remote']);
    assert.throws(() => readDockerContext('prd', env()), {
      name: 'DockerContextError',
      message: `docker context "prd" does not exist in ${join(config, 'contexts')}; did you mean "prod"?; the contexts there are: default, lab, plain, prod, remote (see docker context ls)`,
    });
  });

  it('a context whose meta.json is not JSON, or has no docker host, says which file', () => {
    const other = join(dir, 'broken-config');
    const meta = join(other, 'contexts', 'meta', contextDigest('broken'));
    mkdirSync(meta, { recursive: true });
    writeFileSync(join(meta, 'meta.json'), '{"Name": "broken",');
    assert.throws(() => readDockerContext('broken', { DOCKER_CONFIG: other }), (err: Error) => err.message.startsWith(`${join(meta, 'meta.json')} is not valid JSON`));
    writeFileSync(join(meta, 'meta.json'), JSON.stringify({ Name: 'broken', Endpoints: {} }));
    assert.throws(() => readDockerContext('broken', { DOCKER_CONFIG: other }), {
      message: `docker context "broken" has no docker endpoint host (Endpoints.docker.Host in ${join(meta, 'meta.json')}): set one with docker context update broken --docker host=...`,
    });
  });
});

describe('the current context', () => {
  it('DOCKER_CONTEXT, else currentContext of config.json, else default', () => {
    const own = join(dir, 'current-config');
    assert.deepEqual(currentDockerContext({ DOCKER_CONFIG: own }), { name: 'default', chosenBy: 'no context chosen' });
    useContext(own, 'lab');
    assert.deepEqual(currentDockerContext({ DOCKER_CONFIG: own }), { name: 'lab', chosenBy: `currentContext in ${join(own, 'config.json')}` });
    assert.deepEqual(currentDockerContext({ DOCKER_CONFIG: own, DOCKER_CONTEXT: 'prod' }), { name: 'prod', chosenBy: 'DOCKER_CONTEXT' });
  });

  it('without DOCKER_CONFIG the config folder is ~/.docker', () => {
    const home = join(dir, 'home');
    useContext(join(home, '.docker'), 'prod');
    assert.equal(currentDockerContext({ HOME: home }).name, 'prod');
  });

  it('a config.json that is not JSON is an error naming it', () => {
    const own = join(dir, 'bad-json-config');
    mkdirSync(own, { recursive: true });
    writeFileSync(join(own, 'config.json'), '{');
    assert.throws(() => currentDockerContext({ DOCKER_CONFIG: own }), (err: Error) => err.message.startsWith(`${join(own, 'config.json')} is not valid JSON`));
  });
});

describe('the default machine follows the docker CLI', () => {
  it('DOCKER_HOST wins over any context', async () => {
    assert.deepEqual(await loadClusterConfig(undefined, env({ DOCKER_HOST: 'tcp://10.1.2.3:2375', DOCKER_CONTEXT: 'prod' })), {
      machines: [{ name: 'local', host: 'tcp://10.1.2.3:2375' }],
    });
  });

  it('the current context gives the local machine its host and TLS', async () => {
    assert.deepEqual(await loadClusterConfig(undefined, env({ DOCKER_CONTEXT: 'prod' })), {
      machines: [{
        name: 'local',
        host: 'tcp://10.0.0.9:2376',
        tls: { verify: true, origin: 'docker context prod', ca: join(tlsDir('prod'), 'ca.pem'), cert: join(tlsDir('prod'), 'cert.pem'), key: join(tlsDir('prod'), 'key.pem') },
        context: 'prod',
      }],
    });
  });

  it('the context named default is the local socket', async () => {
    assert.deepEqual(await loadClusterConfig(undefined, env({ DOCKER_CONTEXT: 'default' })), { machines: [{ name: 'local', host: 'unix:///var/run/docker.sock' }] });
  });

  it('a current context that does not exist says what chose it and lists the contexts', async () => {
    const own = join(dir, 'gone-config');
    useContext(own, 'gone');
    await assert.rejects(loadClusterConfig(undefined, { DOCKER_CONFIG: own }), {
      name: 'DockerContextError',
      message: `docker context "gone" does not exist in ${join(own, 'contexts')}; the contexts there are: default (see docker context ls); the context was chosen by currentContext in ${join(own, 'config.json')}: run docker context use NAME with one that exists, or pass --cluster FILE`,
    });
    await assert.rejects(loadClusterConfig(undefined, env({ DOCKER_CONTEXT: 'prd' })), /did you mean "prod"\?.*chosen by DOCKER_CONTEXT: unset DOCKER_CONTEXT or set it to one that exists/);
  });
});

describe('context: in the cluster file', () => {
  it('a machine takes the host and TLS of its context', async () => {
    const file = join(dir, 'cluster.yaml');
    writeFileSync(file, 'machines:\n  - name: a\n    context: lab\n  - name: b\n    context: default\n');
    assert.deepEqual((await loadClusterConfig(file, env({ DOCKER_HOST: 'unix:///run/b.sock' }))).machines, [
      { name: 'a', host: 'tcp://10.0.0.8:2376', tls: { verify: false, origin: 'docker context lab' }, context: 'lab' },
      { name: 'b', host: 'unix:///run/b.sock', context: 'default' },
    ]);
  });

  it('an unknown context is a located error in the cluster file', async () => {
    const file = join(dir, 'cluster-unknown.yaml');
    writeFileSync(file, 'machines:\n  - name: a\n    context: prodd\n');
    await assert.rejects(loadClusterConfig(file, env()), (err: unknown) => {
      assert.ok(err instanceof ClusterConfigError);
      assert.equal(err.message, `invalid cluster file ${file} (1 problem):\n  ${file}:3:14: machines[0].context: docker context "prodd" does not exist; did you mean "prod"?; the contexts are: default, lab, plain, prod, remote`);
      return true;
    });
  });
});
