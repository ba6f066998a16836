// The cluster and service screens of the interactive view, fed by the engine against the real
// cluster: machines, services, containers, logs, inspect, filter, help, read-only, sizes, leaving.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DockerClient } from '../../src/cluster/docker-client.js';
import { Controller } from '../../src/tui/controller.js';
import { BINDINGS } from '../../src/tui/keys.js';
import { initialState } from '../../src/tui/state/app-state.js';
import { createStore } from '../../src/tui/state/store.js';
import { clusterFile, machine, skipReason } from '../cluster/harness.js';
import { waitAllMachinesUp } from '../support/engine-helpers.js';
import {
  CTRL_C, DOWN, ENTER, ESC, UP, containersByMachine, deploy, loggerSpec, removeServices, renderTui, serviceName, type Tui,
} from '../support/tui-harness.js';

const skip = skipReason();

/** A regex source matching the text, or a start of it cut short with "…" (a narrow column). */
function orCut(text: string): string {
  const esc = (t: string) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return `(?:${[esc(text), ...[...text].map((_, n) => `${esc(text.slice(0, n + 1))}…`)].join('|')})`;
}

/** Every line of the frame fits the columns, and there are no more lines than rows. */
function assertFits(tui: Tui, columns: number, rows: number, where: string) {
  const lines = tui.lines();
  const wide = lines.filter((l) => [...l].length > columns);
  assert.deepEqual(wide, [], `${where}: lines wider than ${columns} columns:\n${tui.frame()}`);
  assert.ok(lines.length <= rows, `${where}: ${lines.length} lines on a ${rows}-row terminal:\n${tui.frame()}`);
}

describe('the cluster and service screens on the real cluster', { skip }, () => {
  const main = serviceName('view');
  const other = serviceName('other');
  const dir = mkdtempSync(join(tmpdir(), 'dockplan-tui-view-'));
  const open: Tui[] = [];
  const render = async (opts: Parameters<typeof renderTui>[0] = {}) => {
    const tui = await renderTui(opts);
    open.push(tui);
    return tui;
  };

  before(async () => {
    await waitAllMachinesUp();
    await Promise.all([deploy(loggerSpec(main, 2)), deploy(loggerSpec(other, 1))]);
  });
  after(async () => {
    for (const tui of open) await tui.cleanup().catch(() => undefined);
    await removeServices([main, other]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('the cluster view shows every machine up with its engine version, and each deployed service with its mode, replicas and health', async () => {
    const tui = await render();
    await tui.waitFor('MACHINES (3 of 3 up)', 15_000);
    await tui.waitFor(other);
    const frame = tui.frame();
    for (const name of ['m1', 'm2', 'm3']) {
      const version = (await machine(name).docker.version()).Version;
      const line = tui.lines().find((l) => l.startsWith(`  ${name} `));
      assert.ok(line, `no line for ${name}:\n${frame}`);
      assert.match(line, new RegExp(`^  ${name}\\s+up\\s+${version.replace(/[.+]/g, '\\$&')}\\s+\\d+$`), line);
    }
    // A PROJECT column comes first while a compose project's services are on the cluster; these are of none.
    assert.match(frame, new RegExp(`^[> ] (?:-\\s+)?${main}\\s+replicated\\s+2/2\\s+2 healthy\\s+local/busybox:1$`, 'm'));
    assert.match(frame, new RegExp(`^[> ] (?:-\\s+)?${other}\\s+replicated\\s+1/1\\s+1 healthy\\s+local/busybox:1$`, 'm'));
  });

  it('opening a service (j, enter) lists its containers per machine with state, health and uptime, and its spec', async () => {
    const tui = await render();
    await tui.selectService(main);
    const frame = tui.frame();
    assert.match(frame, new RegExp(`^${main} · replicated · 2/2 running · 2 healthy · local/busybox:1$`, 'm'));
    const byMachine = await containersByMachine(main, { running: true });
    const seen = Object.entries(byMachine).flatMap(([m, names]) => names.map((n) => [m, n] as const));
    assert.equal(seen.length, 2, JSON.stringify(byMachine));
    for (const [m, name] of seen) {
      // Columns may cut a long value short with "…".
      assert.match(frame, new RegExp(`^[> ] ${m}\\s+${orCut(name)}\\s+running\\s+healthy\\s+Up [A-Za-z0-9 ]+…?\\s+-(\\s.*)?$`, 'm'));
    }
    assert.match(frame, /^SPEC \(as last deployed; e edits it\)$/m);
    assert.match(frame, new RegExp(`^name: ${main}$`, 'm'));
    assert.match(frame, /^replicas: 2$/m);
    await tui.press(ESC);
    await tui.waitFor('MACHINES');
  });

  it('l shows log lines of the selected container and follows them; ↓ and ↑ switch containers; i shows its inspect lines', async () => {
    const tui = await render();
    await tui.selectService(main);
    const ordered = Object.entries(await containersByMachine(main, { running: true })).flatMap(([, names]) => names);
    await tui.press('l');
    await tui.waitFor(new RegExp(`^LOGS ${ordered[0]} \\(following`, 'm'));
    await tui.waitFor(new RegExp(`hello from ${main}\\n(.*\\n)*tick \\d+`));
    // Followed: a later tick appears without a key.
    const ticks = (f: string) => Math.max(0, ...[...f.matchAll(/tick (\d+)/g)].map((m) => Number(m[1])));
    const before = ticks(tui.frame());
    await tui.waitFor((f) => ticks(f) > before, 5_000);
    await tui.press(DOWN);
    await tui.waitFor(new RegExp(`^LOGS ${ordered[1]} \\(following`, 'm'));
    await tui.waitFor(`hello from ${main}`);
    await tui.press(UP);
    await tui.waitFor(new RegExp(`^LOGS ${ordered[0]} \\(following`, 'm'));
    await tui.press(DOWN);
    await tui.waitFor(new RegExp(`^LOGS ${ordered[1]} \\(following`, 'm'));
    await tui.press('i');
    const frame = await tui.waitFor(new RegExp(`^INSPECT ${ordered[1]} \\(i closes\\)`, 'm'));
    const m = Object.entries(await containersByMachine(main, { running: true })).find(([, n]) => n.includes(ordered[1]!))?.[0];
    assert.ok(m, `${ordered[1]} runs nowhere`);
    const id = (await machine(m).docker.listContainers({ filters: { name: [ordered[1]!] } }))[0]?.Id;
    assert.ok(id);
    assert.match(frame, new RegExp(`^id:\\s+${id}$`, 'm'));
    assert.match(frame, new RegExp(`^machine:\\s+${m}$`, 'm'));
    assert.match(frame, /^state:\s+running$/m);
    assert.match(frame, /^health:\s+healthy$/m);
    assert.match(frame, /^healthcheck: CMD true every 300ms$/m);
    assert.doesNotMatch(frame, /^LOGS /m);
    await tui.press('i');
    await tui.waitFor((f) => !f.includes('INSPECT') && f.includes('SPEC (as last deployed'));
  });

  it('/ narrows the services list to the names that match, and esc clears the filter', async () => {
    const tui = await render();
    await tui.waitFor(other, 15_000);
    const suffix = main.slice(-4);
    await tui.press('/', ...suffix);
    let frame = await tui.waitFor(`SERVICES (1 matching "${suffix}")`);
    assert.match(frame, new RegExp(`^> ${main} `, 'm'));
    assert.ok(!frame.includes(other), frame);
    await tui.press(ENTER);
    frame = await tui.waitFor((f) => !f.includes('enter keeps'));
    assert.ok(frame.includes(`SERVICES (1 matching "${suffix}")`) && !frame.includes(other), frame);
    await tui.press('/', ESC);
    frame = await tui.waitFor((f) => f.includes(other) && f.includes(main));
    assert.doesNotMatch(frame, /matching/);
  });

  it('? lists every key of the screen, and any key closes it', async () => {
    const tui = await render();
    await tui.waitFor(other, 15_000);
    await tui.press('?');
    let frame = await tui.waitFor('Keys on this screen');
    for (const line of [/enter\s+open the selected service/, /\/\s+filter services by name/, /n\s+new service from a spec file/, /q, Ctrl-C\s+quit/]) {
      assert.match(frame, line);
    }
    await tui.press('x');
    await tui.waitFor((f) => !f.includes('Keys on this screen'));
    await tui.selectService(main);
    await tui.press('?');
    frame = await tui.waitFor('Keys on this screen');
    for (const line of [/l\s+logs of the selected container/, /i\s+inspect the selected container/, /s\s+scale: set the number of replicas/, /e\s+edit the whole spec/, /esc\s+back/]) {
      assert.match(frame, line);
    }
    await tui.press('x');
    await tui.waitFor((f) => !f.includes('Keys on this screen'));
    assert.equal(tui.exitCode(), undefined, 'x closes the help and does nothing else');
  });

  it('read-only: n, s, t and e only say that editing is off, and no prompt, window or editor opens', async () => {
    const marker = join(dir, 'editor-ran');
    const editor = join(dir, 'editor.sh');
    writeFileSync(editor, `#!/bin/sh\ntouch '${marker}'\n`);
    chmodSync(editor, 0o755);
    const tui = await render({ readonly: true, editor });
    await tui.waitFor(other, 15_000);
    assert.match(tui.lines()[0]!, /· read-only$/);
    assert.match(tui.frame(), /READ-ONLY$/m);
    assert.doesNotMatch(tui.frame(), /n new/, 'the footer leaves out the keys that are off');
    await tui.press('n');
    await tui.waitFor('read-only: "new service from a spec file" is off (started with --readonly)');
    assert.equal(tui.store.getState().modal, undefined);
    await tui.selectService(main);
    for (const [key, help] of [['s', 'scale: set the number of replicas'], ['t', 'change the image or tag'], ['e', 'edit the whole spec in $VISUAL/$EDITOR']] as const) {
      await tui.press(key);
      await tui.waitFor(`read-only: "${help}" is off (started with --readonly)`);
      assert.equal(tui.store.getState().modal, undefined, `${key} opened a modal`);
      assert.equal(tui.store.getState().screen.kind, 'service', `${key} left the service screen`);
    }
    assert.ok(!existsSync(marker), 'the editor ran');
    assert.doesNotMatch(tui.frame(), /Replicas|New image|PLAN/);
  });

  it('at 80x24, and after a resize to 60x20, no line is wider than the terminal and the frame fits its rows', async () => {
    const tui = await render({ columns: 80, rows: 24 });
    await tui.waitFor(other, 15_000);
    const check = async (columns: number, rows: number) => {
      await tui.press(ESC, ESC, ESC);
      await tui.waitFor('MACHINES');
      assertFits(tui, columns, rows, `cluster ${columns}x${rows}`);
      await tui.selectService(main);
      assertFits(tui, columns, rows, `service ${columns}x${rows}`);
      await tui.press('l');
      await tui.waitFor('tick');
      assertFits(tui, columns, rows, `logs ${columns}x${rows}`);
      await tui.press('i');
      await tui.waitFor('healthcheck:');
      assertFits(tui, columns, rows, `inspect ${columns}x${rows}`);
      // 1 -> 20 replicas: more operations than rows, on the plan and on the execute screen.
      await tui.press('i', 's', '2', '0', ENTER);
      await tui.waitFor(/more below \(↑\/↓ scroll\)/);
      assertFits(tui, columns, rows, `plan ${columns}x${rows}`);
      // The plan scrolls: the summary at its end comes into view, and the top goes out of it.
      await tui.press(...Array<string>(40).fill('j'));
      await tui.waitFor(/line\(s\) above · end \(↑\/↓ scroll\)/);
      assert.match(tui.frame(), /18 create · across 3 machines/);
      assert.doesNotMatch(tui.frame(), /^CHANGES/m);
      assertFits(tui, columns, rows, `plan scrolled ${columns}x${rows}`);
      await tui.press(ENTER);
      await tui.waitFor(/^Approve operation o1 on m\d \(batch 1 of 18\)/m);
      assertFits(tui, columns, rows, `approval ${columns}x${rows}`);
      await tui.press('s');
      await tui.waitFor('stopped: 0 of 18 operations done');
      assertFits(tui, columns, rows, `stopped ${columns}x${rows}`);
    };
    await check(80, 24);
    tui.store.dispatch({ type: 'resize', columns: 60, rows: 20 });
    await tui.waitFor((f) => f.split('\n').every((l) => [...l].length <= 60));
    await check(60, 20);
    assert.deepEqual(await containersByMachine(main).then((m) => Object.values(m).flat().length), 2, 'nothing was applied');
  });

  it('the ? overlay fits an 80x24 terminal on the cluster and the service screen', async () => {
    const tui = await render({ columns: 80, rows: 24 });
    await tui.waitFor(other, 15_000);
    await tui.press('?');
    await tui.waitFor('Keys on this screen');
    assertFits(tui, 80, 24, 'cluster help');
    await tui.press('x');
    await tui.selectService(main);
    await tui.press('?');
    const frame = await tui.waitFor('Keys on this screen');
    assertFits(tui, 80, 24, 'service help');
    // More keys than rows: two columns, none left out (each entry's start shows).
    assert.ok(BINDINGS.service.length > 24 - 6, `the service screen has ${BINDINGS.service.length} keys: this checks nothing`);
    for (const b of BINDINGS.service) assert.ok(frame.includes(b.help.slice(0, 9)), `"${b.help}" is not in the help:\n${frame}`);
    assert.doesNotMatch(frame, /more keys/);
  });

  it('at 60 columns the column headings stay on one line', async () => {
    const tui = await render({ columns: 60, rows: 20 });
    await tui.waitFor(other, 15_000);
    assert.deepEqual(tui.lines().filter((l) => /^\s+(CONTAINERS|IMAGE)$/.test(l)), [], tui.frame());
    await tui.selectService(main);
    assert.deepEqual(tui.lines().filter((l) => /^\s+PORTS$/.test(l)), [], tui.frame());
  });

  it('at 100 columns the service screen shows each container\'s whole name', async () => {
    const tui = await render({ columns: 100, rows: 40 });
    await tui.selectService(main);
    for (const name of Object.values(await containersByMachine(main)).flat()) {
      assert.match(tui.frame(), new RegExp(`^[> ] m\\d\\s+${name}\\s`, 'm'));
    }
  });

  it('l pressed twice in one burst (open, close) leaves the logs closed', async () => {
    const tui = await render();
    await tui.selectService(main);
    await tui.press('ll');
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(tui.store.getState().logs, undefined);
    assert.doesNotMatch(tui.frame(), /^LOGS /m);
  });

  it('q while the cluster is still loading ends cleanly: start() does not fail on the client closed after the view quit', async () => {
    const client = await DockerClient.open(clusterFile());
    const store = createStore(initialState({ readonly: false, clusterName: client.describe(), columns: 80, rows: 24 }));
    let code: number | undefined;
    const controller = new Controller(client, store, { suspend: (fn) => fn(), exit: (c) => (code = c) });
    const started = controller.start();
    controller.requestQuit(0);
    // What run-tui does once Ink has exited: dispose, then close the client.
    controller.dispose();
    await client.close();
    const outcome = await started.then(() => 'resolved', (err: Error) => `rejected: ${err.message}`);
    assert.equal(code, 0);
    assert.equal(outcome, 'resolved');
  });

  it('Ctrl-C on the cluster screen exits with 130, and q exits with 0', async () => {
    const a = await render();
    await a.waitFor('MACHINES (3', 15_000);
    assert.equal(a.exitCode(), undefined);
    await a.press(CTRL_C);
    assert.equal(a.exitCode(), 130);
    const b = await render();
    await b.waitFor('MACHINES (3', 15_000);
    await b.press('q');
    assert.equal(b.exitCode(), 0);
  });
});
