// The service screen with each quick-edit box open fits small terminals: the title stays on the
// first row and the frame is no taller than the terminal (in-memory cluster).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Deployment } from '../../src/execute/deployment.js';
import { MemoryCluster } from '../support/memory-client.js';
import { renderTui } from '../support/tui-harness.js';

describe('quick-edit boxes on a small terminal', () => {
  for (const [columns, rows] of [[60, 15], [80, 24], [70, 18]] as const) {
    it(`${columns}x${rows}: s, t, v and p keep the title and fit`, async () => {
      const c = new MemoryCluster(['m1', 'm2', 'm3']);
      const run = await new Deployment(c, { name: 'web', image: 'local/busybox:1', replicas: 6, command: ['sleep', '1000'] }).run();
      assert.equal((await run.result).outcome, 'done');
      const tui = await renderTui({ client: c, columns, rows });
      try {
        await tui.selectService('web');
        for (const [key, box] of [['s', 'Replicas'], ['t', 'New image'], ['v', 'Env var'], ['p', 'Machines it may run on']] as const) {
          await tui.press(key);
          const frame = await tui.waitFor(box);
          const lines = tui.lines();
          assert.match(lines[0]!, /^dockplan · /, `${key}: the title is not the first row:\n${frame}`);
          assert.ok(lines.length <= rows, `${key}: ${lines.length} rows on a ${rows}-row terminal:\n${frame}`);
          await tui.press('\x1b');
          await tui.waitFor((f) => !f.includes(box));
        }
      } finally {
        await tui.cleanup();
      }
    });
  }
});
