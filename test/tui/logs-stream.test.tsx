// The service screen's logs pane over the in-memory cluster: it streams (no polling), m switches
// between the selected container and the whole service merged by time, and a burst of keys counts
// each one.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Deployment } from '../../src/execute/deployment.js';
import type { ServiceSpec } from '../../src/model/spec.js';
import { MemoryCluster } from '../support/memory-client.js';
import { renderTui, type Tui } from '../support/tui-harness.js';

const spec: ServiceSpec = { name: 'web', image: 'local/busybox:1', replicas: 2, command: ['sleep', '1000'], update: { monitor: 10 } };
const time = (s: number) => `2026-03-01T10:00:${String(s).padStart(2, '0')}.000000000Z`;

/** web with one replica on m1 and one on m2, each having printed two lines, interleaved in time. */
async function cluster() {
  const c = new MemoryCluster(['m1', 'm2']);
  assert.equal((await (await new Deployment(c, spec).run()).result).outcome, 'done');
  const [one, two] = ['m1', 'm2'].map((m) => c.containersOf('web').find((x) => x.machineId === m)!);
  c.printLog(one!.id, 'first from m1', { time: time(1) });
  c.printLog(two!.id, 'second from m2', { time: time(2) });
  c.printLog(one!.id, 'third from m1', { time: time(3) });
  c.printLog(two!.id, 'fourth from m2', { time: time(4) });
  return { c, one: one!, two: two! };
}

/** Renders the view on `c`, opens web's service screen, runs `fn`, and closes the view whatever happens. */
async function onWeb(c: MemoryCluster, rows: number, fn: (tui: Tui) => Promise<void>): Promise<void> {
  const tui = await renderTui({ client: c, columns: 100, rows });
  try {
    await tui.selectService('web');
    await fn(tui);
  } finally {
    await tui.cleanup();
  }
}

/** The pane's lines: from the LOGS title to the footer. */
function pane(tui: Tui): string[] {
  const lines = tui.lines();
  const at = lines.findIndex((l) => l.startsWith('LOGS '));
  return at < 0 ? [] : lines.slice(at + 1, -1).filter((l) => l.trim() !== '');
}

describe('the logs pane streams one container or the whole service merged', () => {
  it('l shows the selected container; m merges every container by time, prefixed; m again goes back to the container', async () => {
    const { c, one, two } = await cluster();
    await onWeb(c, 30, async (tui) => {
      const selected = tui.lines().find((l) => l.startsWith('> '))!;
      const [mine, other] = selected.includes(one.name) ? [one, two] : [two, one];
      await tui.press('l');
      await tui.waitFor(`LOGS ${mine.name} (following; f pauses · m whole service · l closes)`);
      await tui.waitFor((f) => f.includes(mine === one ? 'third from m1' : 'fourth from m2'));
      assert.deepEqual(pane(tui), mine === one ? ['first from m1', 'third from m1'] : ['second from m2', 'fourth from m2']);

      await tui.press('m');
      await tui.waitFor('LOGS web · every container, merged (following; f pauses · m one container · l closes)');
      await tui.waitFor('fourth from m2');
      const w = Math.max(one.name.length, two.name.length);
      assert.deepEqual(pane(tui), [
        `m1 ${one.name.padEnd(w)} | first from m1`,
        `m2 ${two.name.padEnd(w)} | second from m2`,
        `m1 ${one.name.padEnd(w)} | third from m1`,
        `m2 ${two.name.padEnd(w)} | fourth from m2`,
      ]);

      // Streamed: a new line shows without polling, in time order after the others.
      c.printLog(other.id, 'fifth, just printed', { time: time(5) });
      await tui.waitFor('fifth, just printed', 2000);
      assert.match(pane(tui).at(-1)!, /^m\d web-\w+ +\| fifth, just printed$/);
      // Moving the cursor keeps the whole service.
      await tui.press('j');
      assert.match(tui.frame(), /^LOGS web · every container, merged/m);

      await tui.press('m');
      const now = tui.lines().find((l) => l.startsWith('> '))!;
      const selectedNow = now.includes(one.name) ? one : two;
      await tui.waitFor(`LOGS ${selectedNow.name} (following`);
      await tui.waitFor((f) => f.includes(selectedNow === one ? 'third from m1' : 'fourth from m2'));
      assert.ok(pane(tui).every((l) => !l.includes(' | ')), `the container's own lines have no prefix:\n${tui.frame()}`);
      assert.ok(!tui.frame().includes(selectedNow === one ? 'second from m2' : 'first from m1'), tui.frame());
    });
  });

  it('m with the logs closed opens the merged logs; f pauses and the pane says so; l m l in one burst leaves them closed', async () => {
    const { c } = await cluster();
    await onWeb(c, 30, async (tui) => {
      await tui.press('m');
      await tui.waitFor('LOGS web · every container, merged (following;');
      await tui.waitFor('fourth from m2');
      await tui.press('f');
      await tui.waitFor('LOGS web · every container, merged (paused; f follows · m one container · l closes)');
      await tui.waitFor('fourth from m2');
      await tui.press('l');
      await tui.waitFor((f) => !f.includes('LOGS '));
      await tui.press('lml');
      await tui.waitFor((f) => !f.includes('LOGS ') && f.includes('SPEC'));
      assert.equal(tui.store.getState().logs, undefined);
    });
  });

  it('the ? help lists m for the whole service\'s logs', async () => {
    const { c } = await cluster();
    await onWeb(c, 40, async (tui) => {
      await tui.press('?');
      await tui.waitFor(/m\s+logs of the whole service, every container merged by time/);
    });
  });
});
