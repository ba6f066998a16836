// `dockplan history SERVICE [--json]` over the in-memory cluster and a history in a temp dir: the
// rows newest first, what runs marked, a deploy made from another machine listed from its
// containers alone, and the JSON contract.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { historyCommand } from '../../src/cli/commands/history.js';
import { applyPlan } from '../../src/execute/apply.js';
import { Deployment } from '../../src/execute/deployment.js';
import type { ServiceSpec } from '../../src/model/spec.js';
import { FileHistoryStore } from '../../src/store/history-file.js';
import { MemoryCluster } from '../support/memory-client.js';

const spec = (v: string): ServiceSpec => ({ name: 'web', image: 'local/busybox:1', replicas: 2, command: ['sleep', '1000'], env: { V: v, API_TOKEN: 'secret-token' } });

/** Deploys v1 and v2 recorded in `here`, then v3 from "another machine" (recorded elsewhere). */
async function scene() {
  const cluster = new MemoryCluster(['m1', 'm2']);
  const here = new FileHistoryStore({ dir: mkdtempSync(join(tmpdir(), 'dockplan-hcmd-')), cluster: 'memory' });
  const elsewhere = new FileHistoryStore({ dir: mkdtempSync(join(tmpdir(), 'dockplan-hcmd-other-')) });
  const ids: string[] = [];
  for (const [v, store, origin] of [['1', here, 'deploy -f v1.yaml'], ['2', here, 'deploy -f v2.yaml'], ['3', elsewhere, 'deploy -f v3.yaml']] as const) {
    const { plan, names } = await new Deployment(cluster, spec(v), { rollout: { monitorMs: 5 } }).plan();
    const result = await applyPlan(plan, { client: cluster, history: store }, { names, approval: 'all', pollMs: 1, who: 'ann@box', origin }).result;
    assert.equal(result.outcome, 'done');
    ids.push(result.runId);
  }
  // The memory cluster's clock is its own: give v3's containers the real time they would have.
  const now = new Date().toISOString();
  for (const c of cluster.containersOf('web')) if (c.labels['dockplan.deploy.id'] === ids[2]) c.created = now;
  return { cluster, here, ids };
}

test('history prints newest first: the deploy running now (made elsewhere) marked *, then the recorded ones', async () => {
  const { cluster, here, ids } = await scene();
  const out: string[] = [];
  assert.equal(await historyCommand({ client: cluster, history: here, write: (l) => out.push(l) }, 'web', {}), 0);
  const lines = out.join('\n').split('\n');
  assert.equal(lines[0], 'history of web, newest first (* = what its running containers carry now)');
  assert.match(lines[1]!, /^ {3}DEPLOY +WHEN +WHO +ORIGIN +CHANGES +OUTCOME +RUNNING$/);
  assert.match(lines[2]!, new RegExp(`^\\* +${ids[2]} .* \\? +\\(made from another machine: not in this history\\) +2 running$`));
  assert.match(lines[3]!, new RegExp(`^ +${ids[1]} .* ann@box +deploy -f v2\\.yaml +update: 2 replace +deployed$`));
  assert.match(lines[4]!, new RegExp(`^ +${ids[0]} .* ann@box +deploy -f v1\\.yaml +create: 2 create +deployed$`));
  assert.equal(lines.length, 5);
});

test('history --json: one object per deploy, newest first, recorded or not, secrets masked', async () => {
  const { cluster, here, ids } = await scene();
  const out: string[] = [];
  await historyCommand({ client: cluster, history: here, write: (l) => out.push(l) }, 'web', { json: true });
  const rows = JSON.parse(out.join('\n'));
  assert.deepEqual(rows.map((r: { id: string; current: boolean; running: number; recorded: boolean }) => [r.id, r.current, r.running, r.recorded]), [
    [ids[2], true, 2, false], [ids[1], false, 0, true], [ids[0], false, 0, true],
  ]);
  assert.deepEqual(Object.keys(rows[0]).sort(), ['current', 'id', 'recorded', 'running', 'service', 'when']);
  const v2 = rows[1];
  assert.deepEqual([v2.who, v2.origin, v2.action, v2.outcome, v2.completed, v2.total, v2.cluster, v2.image], ['ann@box', 'deploy -f v2.yaml', 'update', 'done', 2, 2, 'memory', 'local/busybox:1']);
  assert.equal(v2.summary.replace, 2);
  assert.equal(v2.spec.env.API_TOKEN, '••••••');
  assert.ok(!out.join('\n').includes('secret-token'));
});

test('history of a service nothing is known of says so, naming where it looked', async () => {
  const cluster = new MemoryCluster(['m1']);
  const dir = mkdtempSync(join(tmpdir(), 'dockplan-hcmd-'));
  const out: string[] = [];
  assert.equal(await historyCommand({ client: cluster, history: new FileHistoryStore({ dir }), write: (l) => out.push(l) }, 'ghost', {}), 0);
  assert.deepEqual(out, [`no deploy of ghost is recorded on this machine (${dir}/history.jsonl), and no container of it carries one`]);
});
