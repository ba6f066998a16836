// The HISTORY screen on the real cluster at 80x24: h on a service lists its deploys from the
// history (newest first, what runs marked), enter on one plans a rollback to it through the normal
// plan screen and approval, and a rollback the masked secrets forbid says why on the screen.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DockerClient } from '../../src/cluster/docker-client.js';
import { Deployment } from '../../src/execute/deployment.js';
import type { ServiceSpec } from '../../src/model/spec.js';
import { FileHistoryStore } from '../../src/store/history-file.js';
import { clusterFile, containersOf, machine, machines, skipReason } from '../cluster/harness.js';
import { waitAllMachinesUp } from '../support/engine-helpers.js';
import { ENTER, ESC, loggerSpec, removeServices, renderTui, serviceName, specOf, type Tui } from '../support/tui-harness.js';

const skip = skipReason();

/** The env of every running container of the service, through Docker, sorted. */
async function runningEnv(service: string): Promise<string[][]> {
  const out: string[][] = [];
  for (const m of machines()) {
    for (const c of await containersOf(m.name, service)) {
      if (c.state !== 'running') continue;
      const env = (await machine(m.name).docker.getContainer(c.id).inspect()).Config.Env ?? [];
      out.push(env.filter((e) => /^(STAGE|API_TOKEN|OLD_TOKEN)=/.test(e)).sort());
    }
  }
  return out.sort();
}

describe('the history view on the real cluster', { skip }, () => {
  const created: string[] = [];
  const open: Tui[] = [];
  const history = new FileHistoryStore({ dir: mkdtempSync(join(tmpdir(), 'dockplan-tui-history-')) });

  /** Deploys `spec` through the engine with the history, as the CLI would; returns the run id. */
  async function deployRecorded(spec: ServiceSpec, origin: string): Promise<string> {
    const client = await DockerClient.open(clusterFile());
    try {
      const app = await new Deployment(client, spec).run({ history }, { approval: 'all', origin });
      const result = await app.result;
      assert.equal(result.outcome, 'done', result.reason ?? JSON.stringify(result.failure));
      return result.runId;
    } finally {
      await client.close();
    }
  }

  before(async () => {
    await waitAllMachinesUp();
  });
  after(async () => {
    for (const tui of open) await tui.cleanup().catch(() => undefined);
    await removeServices(created);
  });

  it('h lists the deploys newest first with what runs marked; enter on an earlier one plans a rollback that runs it again, secret and all', async () => {
    const name = serviceName('hist');
    created.push(name);
    const base = specOf(loggerSpec(name, 2));
    // v0 had a secret the later versions dropped: the history keeps only its hash and no container runs it, so it cannot come back.
    const v0 = await deployRecorded({ ...base, env: { STAGE: 'zero', OLD_TOKEN: 'old-secret' } }, 'deploy -f v0.yaml');
    const v1 = await deployRecorded({ ...base, env: { STAGE: 'one', API_TOKEN: 'tok-1' } }, 'deploy -f v1.yaml');
    const v2 = await deployRecorded({ ...base, env: { STAGE: 'two', API_TOKEN: 'tok-1' } }, 'deploy -f v2.yaml');

    const tui = await renderTui({ columns: 80, rows: 24, deps: { history } });
    open.push(tui);
    await tui.selectService(name);
    assert.match(tui.frame(), /· h history ·/, 'the service footer offers the history');
    await tui.press('h');
    let frame = await tui.waitFor(new RegExp(`^> \\* ${v2} `, 'm'));
    assert.match(frame, new RegExp(`^HISTORY ${name} · newest first · \\* what runs now$`, 'm'));
    const listed = tui.lines().filter((l) => /^[> ] [*+ ] r\d{8}T/.test(l)).map((l) => l.slice(4, 26));
    assert.deepEqual(listed, [v2, v1, v0]);
    assert.match(frame, /deployed +deploy -f v2\.yaml$/m);
    assert.match(frame, new RegExp(`^DEPLOY ${v2} · 2 running containers carry it: what runs now$`, 'm'));
    assert.match(frame, /^enter plan rollback · esc back · \? help · q quit$/m);
    assert.ok(tui.lines().length <= 24, `the screen fits 24 rows:\n${frame}`);
    assert.ok(tui.lines().every((l) => l.length <= 80), `the screen fits 80 columns:\n${frame}`);

    // v0: refused on the screen, naming the secret that cannot be restored; nothing is planned.
    await tui.press('j', 'j');
    await tui.waitFor(new RegExp(`^DEPLOY ${v0}`, 'm'));
    await tui.press(ENTER);
    frame = await tui.waitFor(/cannot roll back to/);
    assert.match(frame.replace(/\s*\n\s*/g, ' '), new RegExp(`cannot roll back to ${v0}: the history keeps only a hash of each secret, and no container of ${name} runs the value of env\\.OLD_TOKEN that deploy had any more`));
    assert.equal(tui.store.getState().screen.kind, 'history');

    // v1: the plan screen, as for any draft, then approval; v1 runs again with its secret.
    await tui.press('k');
    await tui.waitFor(new RegExp(`^DEPLOY ${v1}`, 'm'));
    await tui.press(ENTER);
    frame = await tui.waitFor(/across \d machines?$/m, 15_000);
    assert.match(frame, new RegExp(`^PLAN ${name} · rollback to ${v1}$`, 'm'));
    assert.match(frame, /^ {2}~ env\.STAGE: two -> one$/m);
    await tui.press(ENTER);
    await tui.waitFor(/^Approve operation o1 on/m, 15_000);
    await tui.press('a');
    await tui.waitFor('✓ deployed: 2 of 2 operations done', 30_000);
    assert.deepEqual(await runningEnv(name), [['API_TOKEN=tok-1', 'STAGE=one'], ['API_TOKEN=tok-1', 'STAGE=one']]);

    // Back on the service, the history now has the rollback on top, marked as what runs.
    await tui.press(ESC);
    await tui.waitFor(new RegExp(`^${name} · `, 'm'));
    await tui.press('h');
    frame = await tui.waitFor(/rollback to/);
    const records = await history.list(name);
    assert.equal(records.length, 4);
    const rollback = records[3]!;
    assert.equal(rollback.origin, `rollback to ${v1}`);
    assert.match(frame, new RegExp(`^> \\* ${rollback.deployId} `, 'm'));
  });
});
