// --quiet: a run prints its final line only (errors go to stderr), a plan one line; the exit codes
// are those of the same run without it. Driven through the CLI's own face over the in-memory cluster.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planOutput } from '../../src/cli/progress.js';
import { runPlanned, type RunFlags } from '../../src/cli/run-plan.js';
import { runProjectPlanned } from '../../src/cli/run-project.js';
import { planProject } from '../../src/execute/project.js';
import { Deployment } from '../../src/execute/deployment.js';
import type { ServiceSpec } from '../../src/model/spec.js';
import { MemoryCluster } from '../support/memory-client.js';

const spec = (extra: Partial<ServiceSpec> = {}): ServiceSpec => ({
  name: 'web', image: 'local/busybox:1', replicas: 2, command: ['sleep', '1000'], healthcheck: { test: ['CMD', 'true'] }, ...extra,
});

/** Runs `command` with a writer for stdout lines; returns those lines, the lines it wrote to stderr, and its exit code. */
async function captured(command: (write: (line: string) => void) => Promise<number>): Promise<{ out: string[]; err: string[]; code: number }> {
  const out: string[] = [];
  const err: string[] = [];
  const write = process.stderr.write;
  process.stderr.write = ((chunk: string) => {
    err.push(...chunk.split('\n').filter(Boolean));
    return true;
  }) as typeof process.stderr.write;
  try {
    const code = await command((l) => out.push(...l.split('\n')));
    return { out, err, code };
  } finally {
    process.stderr.write = write;
  }
}

/** `deploy --yes [--quiet]` of `s`: stdout lines, stderr lines, exit code. */
async function deploy(cluster: MemoryCluster, s: ServiceSpec, flags: RunFlags) {
  const planned = await new Deployment(cluster, s, { rollout: { monitorMs: 5 } }).plan();
  return captured((write) => runPlanned(planned, { client: cluster, write }, { yes: true, ...flags }, 'test'));
}

/** Two clusters where web runs v1; the second deploy of v2 has its second new container unhealthy. */
async function failingUpdate(flags: RunFlags) {
  const cluster = new MemoryCluster(['m1', 'm2']);
  await deploy(cluster, spec(), {});
  let started = 0;
  cluster.health = (c) => (c.spec.env?.V === '2' && ++started === 2 ? 'unhealthy' : 'healthy');
  return deploy(cluster, spec({ env: { V: '2' } }), flags);
}

test('quiet deploy that succeeds: exactly the final line on stdout, nothing on stderr, exit 0 as without it', async () => {
  const loud = await deploy(new MemoryCluster(['m1', 'm2']), spec(), {});
  const quiet = await deploy(new MemoryCluster(['m1', 'm2']), spec(), { quiet: true });
  assert.ok(loud.out.length > 5, 'without --quiet the plan and progress are printed');
  assert.deepEqual(quiet.out, ['web: deployed: 2 of 2 operations done']);
  assert.deepEqual(quiet.err, []);
  assert.deepEqual([quiet.code, loud.code], [0, 0]);
  assert.equal(quiet.out[0], loud.out.at(-1), 'the same final line');
});

test('quiet deploy that fails: the failure on stderr, the rolled-back line on stdout, exit 1 as without it', async () => {
  const loud = await failingUpdate({});
  const quiet = await failingUpdate({ quiet: true });
  assert.equal(quiet.out.length, 1, quiet.out.join('\n'));
  assert.match(quiet.out[0]!, /^web: rolled back: 0 of 2 operations done/);
  assert.equal(quiet.err.length, 1, quiet.err.join('\n'));
  assert.match(quiet.err[0]!, /^\[o2 m2\] FAILED after \d.*: container web-\w{4} on m2 is unhealthy/);
  assert.deepEqual([quiet.code, loud.code], [1, 1]);
});

test('quiet with nothing to do: the up-to-date line alone, exit 0', async () => {
  const cluster = new MemoryCluster(['m1', 'm2']);
  await deploy(cluster, spec(), { quiet: true });
  const again = await deploy(cluster, spec(), { quiet: true });
  assert.deepEqual(again.out, ['= service web is up to date: no changes']);
  assert.equal(again.code, 0);
});

test('quiet plan: one line, the heading and the summary', async () => {
  const cluster = new MemoryCluster(['m1', 'm2']);
  await deploy(cluster, spec(), { quiet: true });
  const { plan, names } = await new Deployment(cluster, spec({ replicas: 3, env: { V: '2' } })).plan();
  assert.equal(planOutput(plan, names, { quiet: true }), '~ update service web: 1 create · 2 replace · across 2 machines');
  assert.ok(planOutput(plan, names, {}).split('\n').length > 3);
});

test('quiet and json: json wins, the NDJSON stream is whole', async () => {
  const r = await deploy(new MemoryCluster(['m1']), spec({ replicas: 1 }), { quiet: true, json: true });
  const types = r.out.map((l) => (JSON.parse(l) as { type: string }).type);
  assert.equal(types[0], 'plan');
  assert.ok(types.includes('operation-done'));
  assert.equal(types.at(-1), 'finished');
});

test('quiet project run: the project\'s line alone on stdout; a failure on stderr after its service\'s key', async () => {
  const cluster = new MemoryCluster(['m1', 'm2']);
  const project = (v: string) => ({
    name: 'shop',
    services: [
      { key: 'db', spec: spec({ name: 'shop-db', replicas: 1, env: { V: v } }), dependsOn: [] },
      { key: 'web', spec: spec({ name: 'shop-web', env: { V: v } }), dependsOn: ['db'] },
    ],
  });
  const run = async (v: string) => {
    const plan = await planProject(cluster, project(v), { rollout: { monitorMs: 5 } });
    return captured((write) => runProjectPlanned(plan, { client: cluster, write }, { yes: true, quiet: true }, 'test'));
  };
  const ok = await run('1');
  assert.deepEqual([ok.out, ok.err, ok.code], [['project shop: db done · web done'], [], 0]);
  cluster.health = (c) => (c.spec.name === 'shop-web' && c.spec.env?.V === '2' ? 'unhealthy' : 'healthy');
  const failed = await run('2');
  assert.deepEqual([failed.out, failed.code], [['project shop: db done · web rolled-back'], 1]);
  assert.ok(failed.err.length >= 1 && failed.err.every((l) => /^web \| \[o\d m\d\] FAILED after .*unhealthy/.test(l)), failed.err.join('\n'));
});
