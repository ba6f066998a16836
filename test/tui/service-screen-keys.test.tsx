// Keys on the service screen while its logs pane is open (in-memory cluster): a service removed by
// another deploy is left with one esc; a paused pane stays as it is until the selection changes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Deployment } from '../../src/execute/deployment.js';
import { MemoryCluster } from '../support/memory-client.js';
import { ESC, renderTui } from '../support/tui-harness.js';

describe('a service that goes away while it is on screen', () => {
  it('one esc leaves its screen, logs pane and all', async () => {
    const c = new MemoryCluster(['m1', 'm2']);
    const run = await new Deployment(c, { name: 'web', image: 'local/busybox:1', replicas: 1, command: ['sleep', '1000'] }).run();
    assert.equal((await run.result).outcome, 'done');
    const other = await new Deployment(c, { name: 'api', image: 'local/busybox:1', replicas: 1, command: ['sleep', '1000'] }).run();
    assert.equal((await other.result).outcome, 'done');
    const tui = await renderTui({ client: c, columns: 100, rows: 30 });
    try {
      await tui.selectService('web');
      await tui.press('l');
      await tui.waitFor('LOGS');
      for (const x of c.containersOf('web')) await c.removeContainer(x.machineId, x.id);
      c.notifyWatch({ kind: 'event', machineId: 'm1', action: 'destroy' });
      await tui.waitFor('This service has no containers any more');
      await tui.press(ESC);
      const frame = await tui.waitFor('SERVICES');
      assert.match(frame, /^> api /m, frame);
    } finally {
      await tui.cleanup();
    }
  });
});

describe('a paused logs pane', () => {
  it('stays as it is when a key does not change the selected container, and follows a selection that does', async () => {
    const c = new MemoryCluster(['m1', 'm2']);
    const run = await new Deployment(c, { name: 'web', image: 'local/busybox:1', replicas: 2, command: ['sleep', '1000'] }).run();
    assert.equal((await run.result).outcome, 'done');
    const [first, second] = c.containersOf('web').sort((a, b) => a.machineId.localeCompare(b.machineId));
    c.printLog(first!.id, 'first says one');
    c.printLog(second!.id, 'second says one');
    const tui = await renderTui({ client: c, columns: 100, rows: 30 });
    try {
      await tui.selectService('web');
      await tui.press('l');
      await tui.waitFor('first says one');
      await tui.press('f');
      await tui.waitFor('paused; f follows');
      c.printLog(first!.id, 'first says two');
      // Up on the first row: the selection stays, and so does the paused pane: its lines are the
      // ones it had (reading them again would first empty it, then show the new line).
      const before = tui.store.getState().logs?.lines;
      await tui.press('k');
      assert.equal(tui.store.getState().logs?.lines, before);
      assert.doesNotMatch(tui.frame(), /first says two/);
      // Down: the other container's logs.
      await tui.press('j');
      const frame = await tui.waitFor('second says one');
      assert.match(frame, /paused; f follows/);
    } finally {
      await tui.cleanup();
    }
  });
});
