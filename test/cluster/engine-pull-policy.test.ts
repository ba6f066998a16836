// Pull policies against the cluster's real registry: missing pulls where the image is lacking and
// pins the image to a digest, always pulls even when present, never refuses to pull and says so,
// and a tag the registry does not have fails naming the image. Pulls are checked in the engines'
// own event streams.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ServiceSpec } from '../../src/model/spec.js';
import { Engine, containersOfService, specOf, yaml } from '../support/engine-helpers.js';
import { machine, registry, skipReason } from './harness.js';

const skip = skipReason();

/** Removes every tag and digest reference of <registry>/busybox from the machine (layers stay: local/busybox:1 shares them). */
async function forgetRegistryImage(machineName: string): Promise<void> {
  const { docker } = machine(machineName);
  const repo = `${registry()}/busybox`;
  const images = await docker.listImages();
  const refs = images.flatMap((i) => [...(i.RepoTags ?? []), ...(i.RepoDigests ?? [])]).filter((r) => r.startsWith(`${repo}:`) || r.startsWith(`${repo}@`));
  for (const ref of refs) {
    await docker.getImage(ref).remove({ noprune: true }).catch((err: { statusCode?: number }) => {
      if (err.statusCode !== 404) throw err;
    });
  }
  const left = (await docker.listImages()).flatMap((i) => [...(i.RepoTags ?? []), ...(i.RepoDigests ?? [])]).filter((r) => r.startsWith(repo));
  assert.deepEqual(left, [], `${machineName} must not have ${repo} any more`);
}

/** Pulls the ref on the machine directly (not through dockplan). */
async function pullDirectly(machineName: string, ref: string): Promise<void> {
  const { docker } = machine(machineName);
  const stream = await docker.pull(ref);
  await new Promise<void>((resolve, reject) => docker.modem.followProgress(stream, (err) => (err ? reject(err) : resolve())));
}

/** The image pull events the machine's engine recorded between two times (ms). */
async function pullsOn(machineName: string, sinceMs: number, untilMs: number): Promise<string[]> {
  const { docker } = machine(machineName);
  const stream = (await docker.getEvents({
    since: (sinceMs / 1000).toFixed(3),
    until: (untilMs / 1000).toFixed(3),
    filters: JSON.stringify({ type: ['image'], event: ['pull'] }),
  } as never)) as unknown as NodeJS.ReadableStream;
  let text = '';
  for await (const chunk of stream) text += chunk.toString();
  return text.split('\n').filter((l) => l.trim()).map((l) => (JSON.parse(l) as { Actor?: { ID?: string } }).Actor?.ID ?? '');
}

const digestPinned = (image: string) => new RegExp(`^${image.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}@sha256:[0-9a-f]{64}$`);

describe('pull policies against the real registry', { skip }, () => {
  let engine: Engine;
  let IMAGE: string;
  let MISSING_TAG: string;

  const onM1 = (name: string, image: string, policy: string): ServiceSpec => specOf(yaml(
    `name: ${name}`,
    `image: ${image}`,
    `pull_policy: ${policy}`,
    'placement:',
    '  machines: [m1]',
    'command: ["sh", "-c", "exec sleep 3600"]',
    'init: true',
    'stop_grace_period: 2s',
    'update:',
    '  monitor: 1s',
  ));

  before(async () => {
    engine = await Engine.open();
    IMAGE = `${registry()}/busybox:1`;
    MISSING_TAG = `${registry()}/busybox:does-not-exist`;
  });
  after(async () => {
    await engine?.cleanup();
    // Back to how scripts/cluster.sh leaves the cluster: no machine has the registry's tag.
    for (const m of ['m1', 'm2', 'm3']) await forgetRegistryImage(m).catch(() => undefined);
  });

  it('pull_policy missing pulls the image on a machine that lacks it and stores the image pinned to its digest', async () => {
    for (const m of ['m1', 'm2', 'm3']) await forgetRegistryImage(m);
    const name = engine.service('pmiss');
    const t0 = Date.now();
    const d = await engine.deployOk(onM1(name, IMAGE, 'missing'));
    const t1 = Date.now();
    assert.equal(d.plan.spec.image, IMAGE, 'the spec keeps the image as written');
    assert.match(d.plan.spec.image_ref!, digestPinned(IMAGE));
    assert.ok(d.steps.some((s) => s.phase === 'pulling' && s.machine === 'm1'), JSON.stringify(d.steps));

    const [c] = await containersOfService(name);
    assert.ok(c?.running);
    assert.equal(c.machine, 'm1');
    assert.equal(c.image, d.plan.spec.image_ref, 'the container runs the pinned reference');
    assert.match((JSON.parse(c.labels['dockplan.spec']!) as ServiceSpec).image_ref!, digestPinned(IMAGE));
    const pulls = await pullsOn('m1', t0 - 1000, t1 + 1000);
    assert.ok(pulls.some((id) => id.startsWith(`${registry()}/busybox`)), `m1 pulled the image: ${JSON.stringify(pulls)}`);
    const digest = d.plan.spec.image_ref!.split('@')[1];
    const inspected = await machine('m1').docker.getImage(`${registry()}/busybox@${digest}`).inspect();
    assert.ok(inspected.RepoDigests.includes(`${registry()}/busybox@${digest}`));
  });

  it('pull_policy always pulls even when the machine already has the image', async () => {
    await pullDirectly('m1', IMAGE);
    const name = engine.service('palw');
    const t0 = Date.now();
    const d = await engine.deployOk(onM1(name, IMAGE, 'always'));
    const t1 = Date.now();
    assert.match(d.plan.spec.image_ref!, digestPinned(IMAGE));
    const pulling = d.steps.findIndex((s) => s.phase === 'pulling' && s.machine === 'm1');
    const creating = d.steps.findIndex((s) => s.phase === 'creating');
    assert.ok(pulling >= 0 && pulling < creating, `pulled before creating: ${JSON.stringify(d.steps)}`);
    const pulls = await pullsOn('m1', t0 - 500, t1 + 1000);
    assert.ok(pulls.some((id) => id.startsWith(`${registry()}/busybox`)), `m1 pulled although it had the image: ${JSON.stringify(pulls)}`);
    const [c] = await containersOfService(name);
    assert.ok(c?.running);
    assert.equal(c.image, d.plan.spec.image_ref);
  });

  it('pull_policy always: the unchanged spec right after a deploy plans nothing, and scaling 2 -> 3 runs one and replaces none', async () => {
    const name = engine.service('palwscale');
    const spec = { ...onM1(name, IMAGE, 'always'), placement: undefined, replicas: 2 };
    await engine.deployOk(spec);
    const again = await engine.deploy(spec);
    assert.deepEqual(again.plan.operations, [], 'the registry digest has not moved: nothing to do');
    const scaled = await engine.deployOk({ ...spec, replicas: 3 });
    assert.deepEqual(scaled.plan.operations.map((o) => o.kind), ['run']);
    assert.equal((await containersOfService(name)).filter((c) => c.running).length, 3);
  });

  it('pull_policy never fails clearly, naming pull_policy, when no machine has the image', async () => {
    for (const m of ['m1', 'm2', 'm3']) await forgetRegistryImage(m);
    const t0 = Date.now();
    for (const image of [IMAGE, MISSING_TAG]) {
      const name = engine.service('pnev');
      await assert.rejects(engine.deploy(onM1(name, image, 'never')), (err: Error) => {
        assert.ok(err.message.includes(image), err.message);
        assert.match(err.message, /on no machine/);
        assert.match(err.message, /pull_policy is never/);
        return true;
      });
      assert.deepEqual(await containersOfService(name), [], 'nothing was created');
    }
    const pulls = await pullsOn('m1', t0, Date.now());
    assert.deepEqual(pulls, [], 'and nothing was pulled');
  });

  it('pull_policy never fails before anything runs when the machine placement allows lacks the image another machine has, naming both', async () => {
    await forgetRegistryImage('m1');
    await pullDirectly('m2', IMAGE);
    const name = engine.service('pnev1');
    const t0 = Date.now();
    // m2's copy does not pin the tag for a service that may only run on m1: the plan is refused.
    await assert.rejects(engine.deploy(onM1(name, IMAGE, 'never')), (err: Error) => {
      assert.ok(err.message.includes(IMAGE), err.message);
      assert.match(err.message, /is not on m1 \(where placement lets the service run\) and pull_policy is never; m2 has it: load it onto m1, or set pull_policy: missing/);
      return true;
    });
    assert.deepEqual(await containersOfService(name), [], 'no container was made');
    assert.deepEqual(await pullsOn('m1', t0 - 500, Date.now()), [], 'm1 did not pull');
  });

  it('a tag the registry does not have fails with pull_policy missing, naming the image', async () => {
    const name = engine.service('pnotag');
    await assert.rejects(engine.deploy(onM1(name, MISSING_TAG, 'missing')), (err: Error) => {
      assert.ok(err.message.includes(MISSING_TAG), err.message);
      assert.match(err.message, /manifest unknown|not found/);
      return true;
    });
    assert.deepEqual(await containersOfService(name), []);
  });
});
