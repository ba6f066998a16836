// What a plan says changes must be what Docker runs: each case deploys a spec on the real cluster,
// checks what Docker keeps, changes it, and checks the next plan (operations and field changes)
// against Docker again. After a deploy the same spec always plans nothing.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ServiceSpec } from '../../src/model/spec.js';
import { formatPlan, planToJson } from '../../src/plan/plan.js';
import { formatSpecChange } from '../../src/plan/spec-diff.js';
import { dockplan } from '../support/cli-run.js';
import { Engine, containersOfService, shortId, specOf, yaml } from '../support/engine-helpers.js';
import { BUSYBOX, machine, skipReason } from './harness.js';

const skip = skipReason();

const base = (name: string, ...lines: string[]): ServiceSpec => specOf(yaml(
  `name: ${name}`,
  `image: ${BUSYBOX}`,
  'command: ["sh", "-c", "exec sleep 3600"]',
  'init: true',
  'stop_grace_period: 1s',
  'update: {monitor: 300ms}',
  ...lines,
));

describe('change detection agrees with what Docker runs', { skip }, () => {
  let engine: Engine;
  const dir = mkdtempSync(join(tmpdir(), 'dockplan-change-'));
  const tags: string[] = [];
  before(async () => {
    engine = await Engine.open();
  });
  after(async () => {
    await engine?.cleanup();
    for (const tag of tags) {
      for (const m of ['m1', 'm2', 'm3']) await machine(m).docker.getImage(tag).remove({ force: true }).catch(() => undefined);
    }
  });

  /** Plans again and expects nothing to do, with no container change listed. */
  async function expectNothingToDo(spec: ServiceSpec, why: string) {
    const again = await engine.deploy(spec);
    assert.deepEqual(again.plan.operations.map((o) => o.kind), [], `${why}: ${formatPlan(again.plan, again.names)}`);
  }

  it('healthcheck timings without a test: a change is a replace naming healthcheck, and Docker then runs the new interval', async () => {
    const name = engine.service('hc');
    await engine.deployOk(base(name, 'healthcheck: {interval: 1s, timeout: 2s}'));
    const next = base(name, 'healthcheck: {interval: 30s, timeout: 5s}');
    const file = join(dir, `${name}.yaml`);
    writeFileSync(file, yaml(`name: ${name}`, `image: ${BUSYBOX}`, 'command: ["sh", "-c", "exec sleep 3600"]', 'init: true', 'stop_grace_period: 1s',
      'update: {monitor: 300ms}', 'healthcheck: {interval: 30s, timeout: 5s}'));
    const cli = await dockplan(['plan', '-f', file, '--detailed-exitcode']);
    assert.equal(cli.code, 2, `changes: exit 2\n${cli.stdout}${cli.stderr}`);
    assert.match(cli.stdout, /~ healthcheck.interval: 1s -> 30s/);
    assert.match(cli.stdout, /replace container .* \(healthcheck changed\)/);
    const d = await engine.deployOk(next);
    assert.deepEqual(d.plan.operations.map((o) => (o.kind === 'replace' ? o.changes : o.kind)), [['healthcheck']]);
    const [c] = await containersOfService(name);
    const hc = (await machine(c!.machine).docker.getContainer(c!.id).inspect()).Config.Healthcheck as { Interval?: number; Timeout?: number };
    assert.equal(hc.Interval, 30e9);
    assert.equal(hc.Timeout, 5e9);
    await expectNothingToDo(next, 'deployed');
  });

  it('defaults written out change nothing: disable: false, mode, init false, privileged false, pull_policy, update.order, empty lists and maps', async () => {
    const name = engine.service('defaults');
    const spec = base(name, 'healthcheck: {test: [CMD, "true"], interval: 1s}');
    await engine.deployOk(spec);
    const explicit = base(name,
      'healthcheck: {test: [CMD, "true"], interval: 1s, disable: false}',
      'mode: replicated', 'replicas: 1', 'privileged: false', 'pull_policy: missing',
      'env: {}', 'ports: []', 'cap_add: []', 'sysctls: {}', 'placement: {machines: []}',
    );
    explicit.update = { ...explicit.update, order: 'auto' };
    const d = await engine.deploy(explicit);
    assert.deepEqual(d.plan.operations, []);
    assert.deepEqual(d.plan.changes, []);
  });

  it('limits: a dropped reservation is lifted in place once, and a cpu with more decimals than Docker keeps plans nothing after one deploy', async () => {
    const name = engine.service('limits');
    await engine.deployOk(base(name, 'resources: {memory: 64M, memory_reservation: 32M}'));
    const lifted = base(name, 'resources: {memory: 64M}');
    const d = await engine.deployOk(lifted);
    assert.deepEqual(d.plan.operations.map((o) => o.kind), ['update']);
    const [c] = await containersOfService(name);
    const host = (await machine(c!.machine).docker.getContainer(c!.id).inspect()).HostConfig;
    assert.ok((host.MemoryReservation ?? 0) <= 0, `Docker lifted the reservation: ${host.MemoryReservation}`);
    await expectNothingToDo(lifted, 'after the lift');

    const cpu = base(name, 'resources: {memory: 64M, cpu: 0.3333333333}');
    await engine.deployOk(cpu);
    const [after] = await containersOfService(name);
    assert.equal((await machine(after!.machine).docker.getContainer(after!.id).inspect()).HostConfig.NanoCpus, 333_333_333);
    await expectNothingToDo(cpu, 'cpu at nano precision');
  });

  it('a tag rebuilt with other bytes is an image change; when only one machine has the new bytes, the plan names the others', async () => {
    const name = engine.service('rebuild');
    const tag = `dpt-rebuild-${shortId()}/busybox:1`;
    tags.push(tag);
    /** Commits new bytes under the tag on the machine: a container of the current tag, with a label of its own. */
    const rebuild = async (m: string, generation: number): Promise<string> => {
      const docker = machine(m).docker;
      const created = await docker.createContainer({ Image: generation === 0 ? BUSYBOX : tag, Cmd: ['true'] });
      const image = (await created.commit({ repo: tag.split(':')[0], tag: '1', changes: [`LABEL generation=${generation}-${m}`] } as never)) as unknown as { Id: string };
      await created.remove({ force: true });
      return image.Id;
    };
    /** The same new bytes under the tag on every machine: built on m2, saved and loaded elsewhere. */
    const rebuildEverywhere = async (generation: number): Promise<string> => {
      const id = await rebuild('m2', generation);
      for (const m of ['m1', 'm3']) {
        const loading = (await machine(m).docker.loadImage(await machine('m2').docker.getImage(tag).get())) as unknown as NodeJS.ReadableStream;
        await new Promise((resolve, reject) => loading.on('end', resolve).on('error', reject).resume());
      }
      return id;
    };
    await rebuildEverywhere(0);
    const spec = { ...base(name, 'replicas: 3'), image: tag };
    const first = await engine.deployOk(spec);
    assert.equal(first.plan.operations.length, 3);
    await expectNothingToDo(spec, 'deployed');

    const rebuilt = await rebuildEverywhere(1);
    const rolled = await engine.deployOk(spec);
    assert.equal(rolled.plan.operations.length, 3, formatPlan(rolled.plan, rolled.names));
    assert.ok(rolled.plan.operations.every((o) => o.kind === 'replace' && o.changes.includes('image')));
    assert.ok(rolled.plan.changes.some((c) => c.field === 'image'), rolled.plan.changes.map((c) => formatSpecChange(c)).join('\n'));
    for (const c of await containersOfService(name)) {
      if (!c.running) continue;
      const runs = (await machine(c.machine).docker.getContainer(c.id).inspect()).Image;
      assert.equal(runs, rebuilt, `${c.machine} runs the rebuilt bytes`);
    }
    await expectNothingToDo(spec, 'rolled out');

    // Now only m2 gets newer bytes: a recreate would run other bytes on m2 than on m1/m3.
    await rebuild('m2', 2);
    const d = await engine.deployment(spec, { forceRecreate: true });
    const warning = d.plan.warnings.find((w) => w.startsWith(`image ${tag} differs between machines`));
    assert.ok(warning, d.plan.warnings.join('\n'));
    assert.match(warning, /on m2;.* on m1, m3: it has no registry digest, so m1, m3 cannot pull it/);
  });

  it("volume options: the existing volume keeps its own, the plan says so naming volume and machine, masks a password, and replaces nothing", async () => {
    const name = engine.service('volopts');
    const volume = engine.volume('volopts');
    const spec = (o: string) => base(name,
      'placement: {machines: [m1]}',
      `volumes: [{name: ${volume}, driver_opts: {type: tmpfs, device: tmpfs, o: "${o}"}}]`,
      `mounts: [{volume: ${volume}, path: /data}]`,
    );
    await engine.deployOk(spec('size=10m'));
    const d = await engine.deploy(spec('size=20m'));
    assert.deepEqual(d.plan.operations, []);
    assert.ok(d.plan.warnings.some((w) => w.startsWith(`volume ${volume} on m1 keeps its options (device=tmpfs, o=size=10m, type=tmpfs)`)), d.plan.warnings.join('\n'));
    const secret = await engine.deployment(spec('size=10m,uid=0,password=hunter2'));
    const text = formatPlan(secret.plan, secret.names) + JSON.stringify(planToJson(secret.plan, secret.names));
    assert.doesNotMatch(text, /hunter2/);
    assert.match(text, /password=••••••/);
  });

  it('host ports: two replicas pinned to one machine are refused before anything is created', async () => {
    const name = engine.service('ports');
    await assert.rejects(engine.deploy(base(name, 'replicas: 2', 'placement: {machines: [m1]}', 'ports: ["18080:8080@host"]')),
      /2 replicas need 2 machines, since host port 18080\/tcp can be bound once per machine, but only m1 is eligible/);
    assert.deepEqual(await containersOfService(name), []);
  });
});
