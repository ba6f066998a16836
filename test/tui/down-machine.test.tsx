// A machine that is down in the interactive view: named as down with the reason, never shown as an
// empty machine. Powers m3 off (and on again) on the real cluster.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { machineUp, skipReason, startMachine, stopMachine } from '../cluster/harness.js';
import { waitAllMachinesUp } from '../support/engine-helpers.js';
import {
  ENTER, containersByMachine, deploy, loggerSpec, removeServices, renderTui, serviceName, type Tui,
} from '../support/tui-harness.js';

const skip = skipReason();

describe('a machine that is down, on the real cluster', { skip }, () => {
  const name = serviceName('down');
  const fresh = serviceName('downnew');
  let tui: Tui | undefined;

  before(async () => {
    await waitAllMachinesUp();
    await deploy(loggerSpec(name, 3));
  });
  after(async () => {
    await tui?.cleanup().catch(() => undefined);
    if (!(await machineUp('m3'))) await startMachine('m3');
    await removeServices([name, fresh]);
  });

  it('the cluster view says m3 is down with the reason and cannot see its containers; the service view says so too', async () => {
    const per = await containersByMachine(name, { running: true });
    assert.equal(per.m3?.length, 1, JSON.stringify(per));
    await stopMachine('m3');
    try {
      tui = await renderTui({ columns: 100, rows: 40 });
      let frame = await tui.waitFor('MACHINES (2 of 3 up)', 20_000);
      const m3 = tui.lines().find((l) => l.startsWith('  m3 '));
      assert.ok(m3, frame);
      assert.match(m3, /^  m3\s+down: \S.*\s+-\s+\? \(cannot be seen\)$/);
      assert.doesNotMatch(m3, /\s0$/, 'not an empty machine');
      assert.match(frame, /^  m[12]\s+up\s+/m);
      // The whole reason, which its column cuts short, on a line of its own.
      assert.match(frame, /^  m3 is down: connection refused at unix:\/\/\/\S+\/m3\/docker\.sock$/m);
      assert.match(frame, /containers on machines that are down are not counted above/);
      // 2 of the 3 replicas can be seen running.
      assert.match(frame, new RegExp(`^[> ] ${name}\\s+replicated\\s+2/3\\s+2 healthy`, 'm'));
      await tui.selectService(name);
      frame = await tui.waitFor('m3 down: containers there cannot be seen');
      assert.match(frame, new RegExp(`^${name} · replicated · 2/3 running`, 'm'));
      assert.doesNotMatch(frame, /^[> ] m3 /m);
    } finally {
      await tui?.cleanup();
      tui = undefined;
      await startMachine('m3');
    }
  });

  it('a new service is refused while m3 is down, saying why; f plans it anyway, on the machines that are up', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dockplan-tui-down-'));
    const file = join(dir, 'fresh.yaml');
    writeFileSync(file, loggerSpec(fresh, 1));
    await stopMachine('m3');
    try {
      tui = await renderTui({ columns: 100, rows: 40 });
      await tui.waitFor('MACHINES (2 of 3 up)', 20_000);
      await tui.press('n');
      await tui.waitFor('New service from a spec file');
      await tui.press(...file, ENTER);
      let frame = await tui.waitFor('Cannot plan this change:', 15_000);
      assert.match(frame, new RegExp(`m3 is down, and service ${fresh} may already run there`));
      assert.match(frame, /f plans it anyway, as if the machines that are down held nothing/);
      await tui.press('f');
      frame = await tui.waitFor(/across \d machines?$/m, 15_000);
      assert.match(frame, new RegExp(`^\\+ create service ${fresh}$`, 'm'));
      assert.match(frame, /ignoring machines that are down/);
      assert.doesNotMatch(frame, /^  m3$/m, 'nothing is planned on m3');
    } finally {
      await tui?.cleanup();
      tui = undefined;
      await startMachine('m3');
    }
    assert.deepEqual(Object.values(await containersByMachine(fresh)).flat(), [], 'planning creates nothing');
  });
});
