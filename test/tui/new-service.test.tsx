// A new service from a spec file in the interactive view (n), planned and deployed on the real
// cluster, checked through Docker.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PROJECT_DIR, skipReason } from '../cluster/harness.js';
import { waitAllMachinesUp } from '../support/engine-helpers.js';
import {
  BACKSPACE, ENTER, ESC, containersByMachine, loggerSpec, removeServices, renderTui, serviceName, type Tui,
} from '../support/tui-harness.js';

const skip = skipReason();

describe('a new service from a spec file on the real cluster', { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'dockplan-tui-new-'));
  const name = serviceName('new');
  const specFile = join(dir, 'new.yaml');
  writeFileSync(specFile, loggerSpec(name, 1));
  const specsDir = join(PROJECT_DIR, 'specs-examples');
  let tui: Tui | undefined;

  before(async () => {
    await waitAllMachinesUp();
  });
  after(async () => {
    await tui?.cleanup().catch(() => undefined);
    await removeServices([name]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('n lists the example specs; a typed path that does not exist is refused; a typed spec file is planned as a new service and deploys', async () => {
    tui = await renderTui({ columns: 100, rows: 40, specsDir });
    await tui.waitFor('MACHINES (3 of 3 up)', 15_000);
    await tui.press('n');
    let frame = await tui.waitFor('New service from a spec file');
    for (const example of ['agent.yaml', 'notes.yaml', 'pinned.yaml', 'web.yaml']) {
      assert.match(frame, new RegExp(`^│ ${join(specsDir, example).replace(/[.]/g, '\\.')}\\s+│$`, 'm'), `${example} is offered:\n${frame}`);
    }
    await tui.press(...join(dir, 'nope.yaml'), ENTER);
    await tui.waitFor(`cannot read ${join(dir, 'nope.yaml')}: no such file`);
    await tui.press(...'nope.yaml'.split('').map(() => BACKSPACE), ...'new.yaml', ENTER);
    frame = await tui.waitFor(/across \d machines?$/m, 15_000);
    assert.match(frame, new RegExp(`^PLAN ${name} · ${specFile.replace(/[.]/g, '\\.')}$`, 'm'));
    assert.match(frame, /^CHANGES \(new service\)$/m);
    assert.match(frame, new RegExp(`^\\+ create service ${name}$`, 'm'));
    assert.match(frame, new RegExp(`^  m\\d\\n    \\+ run container ${name}$`, 'm'));
    assert.match(frame, /^1 create · across 1 machine$/m);
    assert.deepEqual(Object.values(await containersByMachine(name)).flat(), [], 'planning creates nothing');
    await tui.press(ENTER);
    await tui.waitFor(/^Approve operation o1 on m\d \(batch 1 of 1\)/m);
    const machine = tui.store.getState().execution!.rows[0]!.machineName;
    await tui.press(ENTER);
    await tui.waitFor('✓ deployed: 1 of 1 operations done', 15_000);
    const made = tui.store.getState().execution!.rows[0]!.container!;
    const running = await containersByMachine(name, { running: true });
    assert.deepEqual(running[machine], [made]);
    assert.equal(Object.values(running).flat().length, 1, JSON.stringify(running));
    await tui.press(ESC);
    await tui.waitFor(new RegExp(`^[> ] ${name}\\s+replicated\\s+1/1\\s`, 'm'), 15_000);
  });
});
