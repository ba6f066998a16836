// A compose project in the view, over the in-memory cluster: the cluster screen names the project
// and groups its services; P plans every service in order and enter runs them one after another,
// step by step (a approves the rest of the whole project); d plans one service of it.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { MemoryCluster } from '../support/memory-client.js';
import { ENTER, ESC, renderTui, type Tui } from '../support/tui-harness.js';

const dir = mkdtempSync(join(tmpdir(), 'dockplan-project-view-'));
const compose = (webEnv: string) => {
  const file = join(dir, 'compose.yaml');
  writeFileSync(file, [
    'name: shop',
    'services:',
    '  web:',
    '    image: local/busybox:1',
    '    command: ["sleep", "1000"]',
    '    deploy: {replicas: 2, update_config: {monitor: 10ms}}',
    `    environment: {VERSION: "${webEnv}"}`,
    '    depends_on: [db]',
    '  db:',
    '    image: local/busybox:1',
    '    command: ["sleep", "1000"]',
    '    deploy: {update_config: {monitor: 10ms}}',
    '    volumes: [data:/data]',
    'volumes:',
    '  data: {}',
    '',
  ].join('\n'));
  return file;
};

describe('a compose project in the view (in-memory cluster)', () => {
  const open: Tui[] = [];
  after(async () => {
    for (const t of open) await t.cleanup().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  it('P plans db then web; enter runs them in order, a approves the rest of the project; the services are listed under their project', async () => {
    const c = new MemoryCluster(['m1', 'm2', 'm3']);
    const tui = await renderTui({ client: c, columns: 100, rows: 40, projectFiles: [compose('1')] });
    open.push(tui);
    await tui.waitFor(/^PROJECT shop \(.*compose\.yaml\) · P plans all 2: db, web$/m);
    await tui.press('P');
    const plan = await tui.waitFor(/^project shop: 2 services change \(db, web\)/m);
    const lines = plan.split('\n');
    assert.ok(lines.findIndex((l) => l.startsWith('service db:')) < lines.findIndex((l) => l.startsWith('service web (after db):')), plan);
    assert.match(plan, /^ {2}\+ create volume shop_data on m\d \(used by db\)$/m);
    await tui.press(ENTER);
    // The first question is db's, on the execute screen naming the project and the service.
    await tui.waitFor(/^DEPLOY shop-db · project shop: db \(1 of 2\)/m);
    await tui.waitFor(/^Approve operation o\d on m\d/m);
    await tui.press('a');
    // No question for web: a approved the rest of the whole project.
    const done = await tui.waitFor(/project shop: db done · web done/, 10_000);
    assert.match(done, /^DEPLOY shop-web · project shop: web \(2 of 2\)/m);
    assert.equal(c.containersOf('shop-db').filter((x) => x.state === 'running').length, 1);
    assert.equal(c.containersOf('shop-web').filter((x) => x.state === 'running').length, 2);
    await tui.press(ESC);
    const cluster = await tui.waitFor(/^ {2}PROJECT\s+NAME/m);
    // The project's services are listed together, with their project.
    assert.match(cluster, /^. shop\s+shop-db\s/m);
    assert.match(cluster, /^. shop\s+shop-web\s/m);
    // A new run of the project starts step by step again: the last run's `a` does not carry over.
    compose('2');
    await tui.press('P');
    await tui.waitFor(/^project shop: 1 service changes \(web\)/m);
    await tui.press(ENTER);
    const asked = await tui.waitFor(/^Approve operation o\d on m\d/m);
    assert.doesNotMatch(asked, /approving all/);
  });

  it('d on a service of the project plans that service only, as the compose file now describes it', async () => {
    const c = new MemoryCluster(['m1', 'm2', 'm3']);
    const file = compose('1');
    const tui = await renderTui({ client: c, columns: 100, rows: 40, projectFiles: [file] });
    open.push(tui);
    await tui.waitFor(/^PROJECT shop/m);
    await tui.press('P');
    await tui.waitFor(/^project shop: 2 services change/m);
    await tui.press(ENTER);
    await tui.waitFor(/^Approve operation/m);
    await tui.press('a');
    await tui.waitFor(/project shop: db done · web done/, 10_000);
    await tui.press(ESC);
    compose('2');
    await tui.selectService('shop-web');
    await tui.press('d');
    const plan = await tui.waitFor(/across \d machines?$/m);
    assert.match(plan, /^PLAN shop-web · compose\.yaml: web/m);
    assert.match(plan, /~ env\.VERSION: 1 -> 2/);
    assert.doesNotMatch(plan, /shop-db/);
  });
});
