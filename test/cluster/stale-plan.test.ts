// A plan is refused when what it saw has changed before it runs.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { DockerClient } from '../../src/cluster/docker-client.js';
import { Deployment } from '../../src/execute/deployment.js';
import { StalePlanError } from '../../src/execute/stale-plan.js';
import type { ServiceSpec } from '../../src/model/spec.js';
import { BUSYBOX, clusterFile, containersOf, machines, skipReason } from './harness.js';

const skip = skipReason();
const NAME = `stale-${Math.random().toString(36).slice(2, 6)}`;
const spec = (env: string): ServiceSpec => ({
  name: NAME, image: BUSYBOX, replicas: 1, init: true, env: { V: env },
  command: ['sh', '-c', 'exec sleep 2147483647'], update: { monitor: 300 },
});

async function allContainers() {
  return (await Promise.all(machines().map((m) => containersOf(m.name, NAME)))).flat();
}

after(async () => {
  if (skip) return;
  for (const m of machines()) for (const c of await containersOf(m.name, NAME)) await m.docker.getContainer(c.id).remove({ force: true });
});

test('a plan whose service changed underneath it is refused and changes nothing', { skip }, async () => {
  const client = await DockerClient.open(clusterFile());
  try {
    const first = await new Deployment(client, spec('a')).run();
    assert.equal(first.ok, true);
    const [running] = await allContainers();

    const deployment = new Deployment(client, spec('b'));
    const { plan } = await deployment.plan();
    assert.deepEqual(plan.operations.map((o) => o.kind), ['replace']);

    // Someone stops the container between plan and run.
    for (const x of machines()) await x.docker.getContainer(running.id).stop({ t: 0 }).catch(() => undefined);

    await assert.rejects(deployment.run(), (err: unknown) => {
      assert.ok(err instanceof StalePlanError);
      assert.match(err.message, /the cluster changed since the plan for stale-\w+ was made.*nothing was changed; plan again/);
      return true;
    });
    const after = await allContainers();
    assert.deepEqual(after.map((c) => [c.id, c.state]), [[running.id, 'exited']]);
  } finally {
    await client.close();
  }
});

test('an unchanged cluster runs the plan that was shown', { skip }, async () => {
  const client = await DockerClient.open(clusterFile());
  try {
    const deployment = new Deployment(client, spec('c'));
    const { plan } = await deployment.plan();
    const result = await deployment.run();
    assert.equal(result.ok, true);
    assert.equal(result.completed, plan.operations.length);
  } finally {
    await client.close();
  }
});
