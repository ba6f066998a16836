// The approval hook on the real cluster: asked before each operation, 'stop' ends the run between
// operations, and exactly the approved operations have happened on the machines. Also: a
// Deployment plans once and runs once.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Deployment } from '../../src/execute/deployment.js';
import type { ApprovalRequest } from '../../src/execute/events.js';
import type { ServiceSpec } from '../../src/model/spec.js';
import { Engine, containersOfService, specOf, yaml } from '../support/engine-helpers.js';
import { skipReason } from './harness.js';

const skip = skipReason();

describe('approving operations one by one on the real cluster', { skip }, () => {
  let engine: Engine;
  before(async () => {
    engine = await Engine.open();
  });
  after(async () => {
    await engine?.cleanup();
  });

  const three = (name: string): ServiceSpec => specOf(yaml(
    `name: ${name}`,
    'image: local/busybox:1',
    'replicas: 3',
    'command: ["sh", "-c", "exec sleep 3600"]',
    'init: true',
    'stop_grace_period: 2s',
    'update:',
    '  monitor: 1s',
  ));

  it('approving the first operation and stopping at the second executes exactly one operation', async () => {
    const name = engine.service('appr');
    const asked: ApprovalRequest[] = [];
    const d = await engine.deploy(three(name), {
      answer: (req) => {
        asked.push(req);
        return asked.length === 1 ? 'approve' : 'stop';
      },
    });
    assert.equal(d.plan.operations.length, 3);
    assert.deepEqual(asked.map((a) => (a.kind === 'operation' ? [a.unitId, a.opIds, a.batch] : a.kind)), [['o1', ['o1'], 1], ['o2', ['o2'], 2]], 'asked for the first two units, by their operation ids');
    assert.equal(d.result.outcome, 'stopped');
    assert.deepEqual(d.result.completed, ['o1']);
    assert.equal(d.result.failure, undefined, 'stopping is not a failure');
    const types = d.events.map((e) => e.type);
    assert.deepEqual(types.filter((t) => t !== 'phase'), [
      'run-started', 'batch-started', 'approval-requested', 'approval-answered', 'operation-started', 'operation-done', 'batch-done',
      'batch-started', 'approval-requested', 'approval-answered', 'batch-done', 'finished',
    ]);
    assert.ok(d.events.every((e) => e.runId === d.result.runId), 'every event carries the run id');

    const all = await containersOfService(name);
    assert.equal(all.length, 1, 'exactly one container was made');
    assert.ok(all[0]!.running);
    const first = d.plan.operations[0]!;
    assert.ok(first.kind === 'run');
    assert.equal(all[0]!.machine, engine.machineName(first.machineId), 'on the machine of the first operation');
  });

  it('a deployment returns the same plan on a second call and refuses to run twice', async () => {
    const name = engine.service('once');
    const deployment = new Deployment(engine.client, specOf(yaml(
      `name: ${name}`,
      'image: local/busybox:1',
      'command: ["sh", "-c", "exec sleep 3600"]',
      'init: true',
      'stop_grace_period: 2s',
      'update:',
      '  monitor: 1s',
    )));
    const first = await deployment.plan();
    const second = await deployment.plan();
    assert.equal(second.plan, first.plan);
    const result = await (await deployment.run()).result;
    assert.equal(result.outcome, 'done', JSON.stringify(result.failure));
    await assert.rejects(deployment.run(), /already run/);
    assert.equal((await containersOfService(name)).length, 1, 'the second run did nothing');
  });
});
