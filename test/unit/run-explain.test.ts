// What the plain output says after a run with failed containers: each one's logs and where it is
// kept, a few in full and the rest by name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { explain } from '../../src/cli/run-plan.js';
import { applyPlan } from '../../src/execute/apply.js';
import { Deployment } from '../../src/execute/deployment.js';
import type { ServiceSpec } from '../../src/model/spec.js';
import { MemoryCluster } from '../support/memory-client.js';

const spec = (replicas: number, extra: Partial<ServiceSpec> = {}): ServiceSpec => ({
  name: 'web', image: 'local/busybox:1', replicas, command: ['sleep', '1000'], healthcheck: { test: ['CMD', 'true'] },
  update: { monitor: 5, failure_action: 'continue', max_failure_ratio: 1 }, ...extra,
});

async function failedRun(replicas: number) {
  const cluster = new MemoryCluster(['m1', 'm2', 'm3']);
  assert.equal((await (await new Deployment(cluster, spec(replicas)).run()).result).outcome, 'done');
  cluster.health = (c) => (c.spec.env?.VERSION === '2' ? 'unhealthy' : 'healthy');
  const planned = await new Deployment(cluster, spec(replicas, { env: { VERSION: '2' } })).plan();
  const result = await applyPlan(planned.plan, { client: cluster }, { names: planned.names, approval: 'all', pollMs: 1 }).result;
  assert.equal(result.outcome, 'failed');
  const lines: string[] = [];
  explain(result, planned, (line) => lines.push(line));
  const failed = cluster.containersOf('web').filter((c) => c.spec.env?.VERSION === '2');
  return { text: lines.join('\n'), result, failed };
}

test('after a run where two containers failed, each one\'s logs are shown and each is named as kept', async () => {
  const { text, failed } = await failedRun(2);
  assert.equal(failed.length, 2);
  for (const c of failed) {
    assert.match(text, new RegExp(`last log lines of ${c.name}:\\n  \\| log of ${c.name}`));
    assert.match(text, new RegExp(`the failed container ${c.name} is kept, stopped, for inspection`));
  }
  assert.doesNotMatch(text, /more failed container/);
});

test('past three failed containers, the rest are named on one line', async () => {
  const { text, result } = await failedRun(5);
  const failures = result.failures ?? [];
  assert.equal(failures.length, 5);
  for (const f of failures.slice(0, 3)) assert.match(text, new RegExp(`last log lines of ${f.container!.name}:`));
  const rest = failures.slice(3).map((f) => `${f.container!.name} on ${f.machineId}`);
  assert.match(text, new RegExp(`^2 more failed containers are kept, stopped: ${rest.join(', ')}$`, 'm'));
  for (const f of failures.slice(3)) assert.doesNotMatch(text, new RegExp(`last log lines of ${f.container!.name}`));
});
