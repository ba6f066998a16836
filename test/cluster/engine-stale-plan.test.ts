// A plan runs only against the cluster it was made from: a change to the service between plan and
// run refuses the run (nothing changes on the machines); a change that has nothing to do with the
// service does not.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Deployment } from '../../src/execute/deployment.js';
import type { ServiceSpec } from '../../src/model/spec.js';
import { Engine, containersOfService, specOf, volumeOn, yaml } from '../support/engine-helpers.js';
import { machine, skipReason } from './harness.js';

const skip = skipReason();

describe('stale plans on the real cluster', { skip }, () => {
  let engine: Engine;
  before(async () => {
    engine = await Engine.open();
  });
  after(async () => {
    await engine?.cleanup();
  });

  const spec = (name: string, version: string): ServiceSpec => specOf(yaml(
    `name: ${name}`,
    'image: local/busybox:1',
    'command: ["sh", "-c", "exec sleep 3600"]',
    'env:',
    `  VERSION: "${version}"`,
    'init: true',
    'stop_grace_period: 2s',
    'update:',
    '  monitor: 1s',
  ));

  it('a plan made before another deploy changed the service is refused and changes nothing', async () => {
    const name = engine.service('stale');
    await engine.deployOk(spec(name, '1'));
    const late = new Deployment(engine.client, spec(name, '2'));
    await late.plan();
    await engine.deployOk(spec(name, '3'));
    const [now] = await containersOfService(name);
    assert.ok(now);

    const refused = await (await late.run()).result;
    assert.equal(refused.outcome, 'stale');
    assert.match(refused.reason ?? '', /changed since the plan/);
    assert.match(refused.reason ?? '', new RegExp(`container ${name}-\\w+ on m\\d (is gone|appeared)`), 'it says what changed');
    const after = await containersOfService(name);
    assert.deepEqual(after.map((c) => c.id), [now.id], 'the container of the newer deploy is untouched');
    assert.ok(after[0]!.env.includes('VERSION=3'));
  });

  it('a volume that has nothing to do with the service appearing between plan and run does not make the plan stale', async () => {
    const name = engine.service('fresh');
    const unrelated = engine.volume('unrelated');
    const deployment = new Deployment(engine.client, spec(name, '1'));
    await deployment.plan();
    // Someone else, on the shared cluster, makes a volume for their own service meanwhile.
    await machine('m2').docker.createVolume({ Name: unrelated });
    assert.ok(await volumeOn('m2', unrelated));

    const result = await (await deployment.run()).result;
    assert.equal(result.outcome, 'done', JSON.stringify(result.failure));
    assert.equal((await containersOfService(name)).length, 1);
  });
});
