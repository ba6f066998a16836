// Held deploy locks on the cluster screen, against the real cluster: a lock taken by another run
// appears (service, owner, since, message) without a key, goes when released, and many locks with
// long values still fit 80x24.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DockerClient } from '../../src/cluster/docker-client.js';
import { ClusterDeployLock, type HeldLock, type LockHolder } from '../../src/execute/lock.js';
import { clusterFile, skipReason } from '../cluster/harness.js';
import { waitAllMachinesUp } from '../support/engine-helpers.js';
import { deploy, loggerSpec, removeServices, renderTui, serviceName, type Tui } from '../support/tui-harness.js';

const skip = skipReason();

describe('deploy locks on the cluster screen', { skip }, () => {
  const running = serviceName('locked');
  const open: Tui[] = [];
  const held: HeldLock[] = [];
  let client: DockerClient;
  let lock: ClusterDeployLock;

  const take = async (service: string, h: Partial<LockHolder> = {}): Promise<HeldLock> => {
    const r = await lock.acquire(service, { owner: 'carol@jump2', since: new Date().toISOString(), runId: `r-view-${service}`, ...h });
    assert.ok(!('heldBy' in r), `${service} is locked by another run already`);
    held.push(r);
    return r;
  };
  const render = async (opts: Parameters<typeof renderTui>[0] = {}) => {
    const tui = await renderTui({ ...opts, deps: { lock } });
    open.push(tui);
    return tui;
  };

  before(async () => {
    await waitAllMachinesUp();
    client = await DockerClient.open(clusterFile());
    lock = new ClusterDeployLock(client);
    await deploy(loggerSpec(running, 1));
  });
  after(async () => {
    for (const tui of open) await tui.cleanup().catch(() => undefined);
    for (const h of held) await h.release().catch(() => undefined);
    await removeServices([running]);
    await client.close();
  });

  it('a lock taken while the view is open appears with its service, owner, since and message, and goes when it is released', async () => {
    const tui = await render({ columns: 100, rows: 40 });
    await tui.waitFor(running, 15_000);
    const row = new RegExp(`^ {2}${running}\\s+carol@jump2\\s+since (?:\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\dZ|\\d\\d:\\d\\d:\\d\\dZ) \\(\\d+s ago\\) {2}"rolling out v2"$`, 'm');
    assert.doesNotMatch(tui.frame(), row);
    const h = await take(running, { message: 'rolling out v2' });
    // No key pressed: the lock volume's creation is a Docker event, and the view refreshes on it.
    const frame = await tui.waitFor(row, 15_000);
    assert.match(frame, /^DEPLOY LOCKS \(\d+ held · dockplan lock status\)$/m);
    await h.release();
    await tui.waitFor((f) => !row.test(f), 15_000);
  });

  it('at 80x24, four locks with long owners and messages fit: three rows at most, the rest counted, escape sequences in a message not passed through', async () => {
    const names = [1, 2, 3, 4].map((i) => serviceName(`lk${i}`));
    for (const [i, name] of names.entries()) {
      await take(name, { owner: `operator-with-a-long-name-${i}@jump-host-${i}.example.internal`, message: `\x1b[31mred\x1b[0m ${'a long message '.repeat(8)}` });
    }
    const tui = await render({ columns: 80, rows: 24 });
    const frame = await tui.waitFor(/^ {2}and \d+ more$/m, 15_000);
    const lines = tui.lines();
    assert.deepEqual(lines.filter((l) => [...l].length > 80), [], `lines wider than 80 columns:\n${frame}`);
    assert.ok(lines.length <= 24, `${lines.length} lines:\n${frame}`);
    const heading = lines.findIndex((l) => l.startsWith('DEPLOY LOCKS ('));
    assert.ok(heading > 0, frame);
    assert.equal(lines[heading + 3], `  and ${Number(/\((\d+) held/.exec(lines[heading]!)![1]) - 2} more`, frame);
    assert.ok(lines.slice(heading + 1, heading + 3).every((l) => /^ {2}\S+\s+operator-with-a-\S*…\s+since /.test(l)), frame);
    assert.ok(!tui.rawFrame().includes('\x1b[31mred'), 'the message\'s escape sequence reached the terminal');
    assert.match(frame, /SERVICES \(/, 'the services list is still on screen');
  });
});
