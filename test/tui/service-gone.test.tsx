// A service removed (by another deploy) while its screen shows its logs: the screen says so, and
// one esc goes back to the cluster (in-memory cluster).
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
