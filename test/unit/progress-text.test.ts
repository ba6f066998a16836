// The plain progress lines of a run, from the same events the view and NDJSON get.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { plainProgress } from '../../src/cli/progress.js';
import { applyPlan } from '../../src/execute/apply.js';
import { Deployment } from '../../src/execute/deployment.js';
import { planRemoval } from '../../src/plan/removal.js';
import { findService } from '../../src/model/cluster.js';
import { nameResolver } from '../../src/plan/plan.js';
import type { ServiceSpec } from '../../src/model/spec.js';
import { MemoryCluster } from '../support/memory-client.js';

const spec = (extra: Partial<ServiceSpec> = {}): ServiceSpec => ({
  name: 'web', image: 'local/busybox:1', replicas: 2, command: ['sleep', '1000'], healthcheck: { test: ['CMD', 'true'] }, ...extra,
});

async function run(cluster: MemoryCluster, s: ServiceSpec): Promise<string[]> {
  const { plan, names } = await new Deployment(cluster, s, { rollout: { monitorMs: 5 } }).plan();
  const lines: string[] = [];
  await applyPlan(plan, { client: cluster }, { names, approval: 'all', pollMs: 1, onEvent: plainProgress(plan, names, (l) => lines.push(l)) }).result;
  return lines;
}

test('a rollback is told once, per machine, under its heading; a phase detail reads in parentheses', async () => {
  const cluster = new MemoryCluster(['m1', 'm2']);
  await run(cluster, spec());
  let started = 0;
  cluster.health = (c) => (c.spec.env?.V === '2' && ++started === 2 ? 'unhealthy' : 'healthy');
  const lines = await run(cluster, spec({ env: { V: '2' } }));
  const heading = lines.indexOf('rollback, per machine:');
  assert.ok(heading > 0, lines.join('\n'));
  assert.match(lines[heading + 1]!, /^ {2}m1: started again web-\w{4}; stopped web-\w{4} \(kept for inspection\)$/);
  assert.equal(lines.filter((l) => l.includes('started again web-')).length, 1, 'the restore is printed once');
  assert.ok(lines.some((l) => /web-\w{4}: stopping \(kept for inspection\)$/.test(l)), lines.join('\n'));
  assert.match(lines.at(-1)!, /^web: rolled back: 0 of 2 operations done/);
});

test('a removal that went through says removed, a deploy deployed', async () => {
  const cluster = new MemoryCluster(['m1', 'm2']);
  assert.match((await run(cluster, spec())).at(-1)!, /^web: deployed: 2 of 2 operations done$/);
  const state = await cluster.loadState();
  const plan = planRemoval(state, findService(state, 'web')!, { monitorMs: 5 });
  const names = nameResolver(state);
  const lines: string[] = [];
  await applyPlan(plan, { client: cluster }, { names, approval: 'all', pollMs: 1, onEvent: plainProgress(plan, names, (l) => lines.push(l)) }).result;
  assert.match(lines.at(-1)!, /^web: removed: 2 of 2 operations done$/);
});

test('a rollback with no finished change to restore says so instead of an empty heading', async () => {
  const cluster = new MemoryCluster(['m1', 'm2']);
  await run(cluster, spec());
  // Both replicas in one batch, both unhealthy: each undoes itself, nothing had finished.
  cluster.health = (c) => (c.spec.env?.V === '2' ? 'unhealthy' : 'healthy');
  const lines = await run(cluster, spec({ env: { V: '2' }, update: { parallelism: 2 } }));
  assert.ok(!lines.includes('rollback, per machine:'), lines.join('\n'));
  assert.ok(lines.includes('rollback: no change of this run had finished, so nothing more to restore'), lines.join('\n'));
});

test('interrupts are told once each: during a rollback, that it goes on; a third says nothing more', async () => {
  const cluster = new MemoryCluster(['m1', 'm2']);
  const { plan, names } = await new Deployment(cluster, spec(), { rollout: { monitorMs: 5 } }).plan();
  const at = { runId: 'r1', at: new Date().toISOString() };
  const tell = (events: object[]) => {
    const lines: string[] = [];
    const progress = plainProgress(plan, names, (l) => lines.push(l));
    for (const e of events) progress({ ...at, ...e } as Parameters<typeof progress>[0]);
    return lines.filter((l) => l.startsWith('interrupted'));
  };
  assert.deepEqual(tell([{ type: 'interrupt', rollback: false }, { type: 'interrupt', rollback: true }, { type: 'interrupt', rollback: true }]), [
    'interrupted: the operations under way finish or undo themselves, nothing new starts (interrupt again to roll back this run)',
    'interrupted again: rolling back every change of this run',
  ]);
  // failure_action rollback is rolling back already: no second interrupt to offer.
  assert.deepEqual(tell([{ type: 'rollback-started', reason: 'r' }, { type: 'interrupt', rollback: false }, { type: 'interrupt', rollback: true }]), [
    'interrupted: the rollback under way goes on to its end',
  ]);
});
