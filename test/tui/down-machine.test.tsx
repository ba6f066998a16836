// A machine that is down in the interactive view: named as down with the reason, never shown as an
// empty machine. Powers m3 off (and on again) on the real cluster.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { machineUp, skipReason, startMachine, stopMachine } from '../cluster/harness.js';
import { waitAllMachinesUp } from '../support/engine-helpers.js';
import {
  containersByMachine, deploy, loggerSpec, removeServices, renderTui, serviceName, type Tui,
} from '../support/tui-harness.js';

const skip = skipReason();

describe('a machine that is down, on the real cluster', { skip }, () => {
  const name = serviceName('down');
  let tui: Tui | undefined;

  before(async () => {
    await waitAllMachinesUp();
    await deploy(loggerSpec(name, 3));
  });
  after(async () => {
    await tui?.cleanup().catch(() => undefined);
    if (!(await machineUp('m3'))) await startMachine('m3');
    await removeServices([name]);
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
});
