// The execute screen's rollout states over the in-memory cluster (no engines, milliseconds): a
// failed batch rolled back and reported per machine, the pause question and its answers, the
// canary question, and Ctrl-C twice rolling a run back.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Deployment } from '../../src/execute/deployment.js';
import type { ServiceSpec } from '../../src/model/spec.js';
import { MemoryCluster } from '../support/memory-client.js';
import { CTRL_C, ENTER, ESC, renderTui, type Tui } from '../support/tui-harness.js';

const spec = (extra: Partial<ServiceSpec> = {}): ServiceSpec => ({
  name: 'web', image: 'local/busybox:1', replicas: 3, command: ['sleep', '1000'],
  healthcheck: { test: ['CMD', 'true'] }, update: { monitor: 10 }, ...extra,
});

async function cluster(): Promise<MemoryCluster> {
  const c = new MemoryCluster(['m1', 'm2', 'm3']);
  const app = await new Deployment(c, spec()).run();
  assert.equal((await app.result).outcome, 'done');
  return c;
}

/** Opens `web`, sets VERSION=2 with v, applies, approves all: the run that the test then watches. */
async function rollVersion2(tui: Tui): Promise<void> {
  await tui.selectService('web');
  await tui.press('v');
  await tui.waitFor('Env var: KEY=VALUE sets it, KEY= removes it');
  await tui.press(...'VERSION=2', ENTER);
  await tui.waitFor(/across \d machines?$/m);
  await tui.press(ENTER);
  await tui.waitFor(/^Approve operation o1 on m\d/m);
  await tui.press('a');
}

const versions = (c: MemoryCluster) => c.containersOf('web').filter((x) => x.state === 'running').map((x) => x.spec.env?.VERSION ?? '1').sort();

describe('rollout states on the execute screen (in-memory cluster)', () => {
  it('a failed health gate at replica 2 of 3 rolls back: each row says what happened and the machines are listed with what was restored', async () => {
    const c = await cluster();
    let n = 0;
    c.health = (x) => (x.spec.env?.VERSION === '2' && ++n === 2 ? 'unhealthy' : 'healthy');
    const tui = await renderTui({ client: c, columns: 100, rows: 40 });
    try {
      await rollVersion2(tui);
      const frame = await tui.waitFor('✗ rolled back: 0 of 3 operations done');
      assert.match(frame, /^ROLLBACK /m);
      assert.match(frame, /^  m\d: started again web-\w+; stopped web-\w+ \(kept for inspection\)$/m);
      assert.match(frame, /^\s+m\d\s+rolled back\s+[\d.]+s  \+\/- replace container/m);
      assert.match(frame, /^\s+m\d\s+failed\s+[\d.]+s  \+\/- replace container/m);
      assert.match(frame, /is unhealthy/);
      assert.deepEqual(versions(c), ['1', '1', '1']);
    } finally {
      await tui.cleanup();
    }
  });

  it('a failed container that wrote nothing says (no output) under its log heading', async () => {
    const c = await cluster();
    c.health = (x) => (x.spec.env?.VERSION === '2' ? 'unhealthy' : 'healthy');
    c.containerLogs = async () => '';
    const tui = await renderTui({ client: c, columns: 100, rows: 40 });
    try {
      await rollVersion2(tui);
      const frame = await tui.waitFor('✗ rolled back');
      assert.match(frame, /last log lines of web-\w+:.*\n.*\| \(no output\)/);
    } finally {
      await tui.cleanup();
    }
  });

  it('with several failed containers, the box shows the first one\'s logs and names the others', async () => {
    const c = new MemoryCluster(['m1', 'm2', 'm3']);
    assert.equal((await (await new Deployment(c, spec({ update: { monitor: 10, failure_action: 'continue', max_failure_ratio: 1 } })).run()).result).outcome, 'done');
    c.health = (x) => (x.spec.env?.VERSION === '2' ? 'unhealthy' : 'healthy');
    const tui = await renderTui({ client: c, columns: 120, rows: 40 });
    try {
      await rollVersion2(tui);
      const frame = await tui.waitFor('✗ finished with failures');
      const names = c.containersOf('web').filter((x) => x.spec.env?.VERSION === '2').map((x) => `${x.name} on ${x.machineId}`);
      assert.equal(names.length, 3);
      const also = /also failed, kept, stopped: (.*?)\s*│/.exec(frame);
      assert.ok(also, frame);
      const first = /last log lines of (web-\w+):/.exec(frame)?.[1];
      assert.deepEqual(also[1]!.split(', ').sort(), names.filter((n) => !n.startsWith(`${first} `)).sort());
    } finally {
      await tui.cleanup();
    }
  });

  it('failure_action pause asks resume / roll back / abort with keys; b rolls everything back', async () => {
    const c = new MemoryCluster(['m1', 'm2', 'm3']);
    assert.equal((await (await new Deployment(c, spec({ update: { monitor: 10, failure_action: 'pause' } })).run()).result).outcome, 'done');
    let n = 0;
    c.health = (x) => (x.spec.env?.VERSION === '2' && ++n === 2 ? 'unhealthy' : 'healthy');
    const tui = await renderTui({ client: c, columns: 100, rows: 40 });
    try {
      await rollVersion2(tui);
      const frame = await tui.waitFor((f) => f.replace(/\n/g, ' ').includes('c: resume · b: roll back everything · x: abort'));
      assert.match(frame, /^Paused after a failed batch: container web-\w+ on m\d is unhealthy/m);
      assert.match(frame, /c resume · b roll back · x abort/, 'the footer lists the keys of the question');
      assert.deepEqual(versions(c), ['1', '1', '2'], 'paused: the first replace stays, the failed one undid itself');
      await tui.press('b');
      await tui.waitFor('✗ rolled back');
      assert.deepEqual(versions(c), ['1', '1', '1']);
    } finally {
      await tui.cleanup();
    }
  });

  for (const presses of [1, 2]) {
    it(`Ctrl-C ${presses === 1 ? 'once stops the run (what is under way undoes itself)' : 'twice rolls back what the run changed'}; the view stays open and says so`, async () => {
      const c = await cluster();
      let n = 0;
      // the second new container never becomes healthy on its own: the run waits there
      c.health = (x) => (x.spec.env?.VERSION === '2' && ++n === 2 ? 'starting' : 'healthy');
      const tui = await renderTui({ client: c, columns: 100, rows: 40 });
      try {
        await rollVersion2(tui);
        await tui.waitFor(/health: starting/);
        // Hold the undo of the unit under way until the second press, as a slow engine would.
        let release: () => void = () => undefined;
        const held = new Promise<void>((resolve) => (release = resolve));
        if (presses === 2) c.beforeCall = async (call) => (call.kind === 'stop' ? held : undefined);
        await tui.press(CTRL_C);
        if (presses === 2) {
          await tui.waitFor('ctrl-c again rolls back this run');
          await tui.press(CTRL_C);
          release();
        }
        const frame = await tui.waitFor(`interrupted: ${presses === 1 ? 1 : 0} of 3 operations done`);
        assert.match(frame, /plan again to finish/);
        assert.equal(tui.exitCode(), undefined);
        assert.deepEqual(versions(c), presses === 1 ? ['1', '1', '2'] : ['1', '1', '1']);
        if (presses === 2) assert.match(frame, /^ROLLBACK /m);
      } finally {
        await tui.cleanup();
      }
    });
  }

  it('c plans a canary first; after its batch the view asks to promote, and p rolls the change out to the rest', async () => {
    const c = await cluster();
    const tui = await renderTui({ client: c, columns: 100, rows: 40 });
    try {
      await tui.selectService('web');
      await tui.press('v');
      await tui.waitFor('Env var: KEY=VALUE sets it, KEY= removes it');
      await tui.press(...'VERSION=2', ENTER);
      await tui.waitFor(/across \d machines?$/m);
      await tui.press('c');
      const plan = await tui.waitFor(/rollout: 3 batches · 1 at a time · canary first/);
      assert.match(plan, /^3 replace · across 3 machines$/m);
      await tui.press(ENTER);
      await tui.waitFor(/^Approve operation o\d on m\d/m);
      await tui.press('a');
      const frame = await tui.waitFor((f) => f.replace(/\n/g, ' ').includes('p: promote it to the rest'));
      assert.match(frame, /batch 1 of 3 \(canary\)/);
      assert.deepEqual(versions(c), ['1', '1', '2'], 'only the canary runs the change');
      await tui.press('p');
      await tui.waitFor('✓ deployed: 3 of 3 operations done');
      assert.deepEqual(versions(c), ['2', '2', '2']);
    } finally {
      await tui.cleanup();
    }
  });

  it('a risky plan asks for the service name typed back: a wrong name runs nothing, the right one goes ahead', async () => {
    const c = await cluster();
    const tui = await renderTui({ client: c, columns: 100, rows: 40 });
    try {
      await tui.selectService('web');
      await tui.press('v');
      await tui.waitFor('Env var: KEY=VALUE sets it, KEY= removes it');
      await tui.press(...'VERSION=2', ENTER);
      await tui.waitFor(/across \d machines?$/m);
      // The same service from a spec file that makes it privileged.
      await tui.press(ESC);
      tui.controller.openSpecFile(await writeSpec({ ...spec(), privileged: true, env: { VERSION: '3' } }));
      await tui.waitFor(/^risk: privileged: /m);
      await tui.press(ENTER);
      await tui.waitFor('This plan is risky:');
      await tui.press(...'wbe', ENTER);
      await tui.waitFor('that is not web: nothing runs until the name matches');
      assert.deepEqual(versions(c), ['1', '1', '1']);
      await tui.press('\x7f', '\x7f', '\x7f', ...'web', ENTER);
      await tui.waitFor(/^Approve operation o1 on m\d/m);
    } finally {
      await tui.cleanup();
    }
  });
});

async function writeSpec(s: ServiceSpec): Promise<string> {
  const { mkdtempSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { specToYaml } = await import('../../src/model/spec-yaml.js');
  const file = join(mkdtempSync(join(tmpdir(), 'dockplan-risky-')), 'web.yaml');
  writeFileSync(file, specToYaml(s));
  return file;
}
