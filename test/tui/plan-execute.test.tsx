// Quick edits, the plan screen and step-by-step execution in the interactive view, against the real
// cluster; what the view says ran is checked through Docker on each machine.
import assert from 'node:assert/strict';
import { afterEach, before, describe, it } from 'node:test';
import { registry, skipReason } from '../cluster/harness.js';
import { waitAllMachinesUp } from '../support/engine-helpers.js';
import {
  CTRL_C, ENTER, ESC, containersByMachine, deploy, loggerSpec, removeServices, renderTui, serviceName, type Tui,
} from '../support/tui-harness.js';

const skip = skipReason();

type PerMachine = Record<string, string[]>;

/** The execution rows in plan order: operation id, machine and the container it made (once made). */
function rows(tui: Tui) {
  const ex = tui.store.getState().execution;
  assert.ok(ex, 'no execution in the store');
  return [...ex.rows].sort((a, b) => Number(a.opId.slice(1)) - Number(b.opId.slice(1)));
}

/** The operations the user was asked about, in order: every approval request the view showed first. */
function recordPrompts(tui: Tui): string[] {
  const asked: string[] = [];
  tui.store.subscribe(() => {
    const request = tui.store.getState().execution?.pending[0];
    if (request?.kind === 'operation' && asked[asked.length - 1] !== request.unitId) asked.push(request.unitId);
  });
  return asked;
}

/** The approval line for operation `opId` on `machine`, batch `batch` of `of`. */
const approveLine = (opId: string, machine: string, batch: number, of: number) =>
  new RegExp(`^Approve operation ${opId} on ${machine} \\(batch ${batch} of ${of}\\)\\?`, 'm');

function count(per: PerMachine): Record<string, number> {
  return Object.fromEntries(Object.entries(per).map(([m, names]) => [m, names.length]));
}

describe('plans and step-by-step execution on the real cluster', { skip }, () => {
  const created: string[] = [];
  const open: Tui[] = [];
  const service = async (tag: string, replicas: number) => {
    const name = serviceName(tag);
    created.push(name);
    await deploy(loggerSpec(name, replicas));
    return name;
  };
  const render = async () => {
    const tui = await renderTui({ columns: 100, rows: 40 });
    open.push(tui);
    return tui;
  };
  /** Opens the service, scales it to n with `s`, and waits for the plan. */
  const scale = async (tui: Tui, name: string, n: number) => {
    await tui.selectService(name);
    await tui.press('s');
    await tui.waitFor('Replicas');
    await tui.press(...String(n), ENTER);
    return tui.waitFor(/across \d machines?$/m, 15_000);
  };

  before(async () => {
    await waitAllMachinesUp();
  });
  // Each test's view and services go with it: live views and health-checked replicas left from
  // earlier tests would slow the engines for the later ones.
  afterEach(async () => {
    for (const tui of open.splice(0)) await tui.cleanup().catch(() => undefined);
    await removeServices(created.splice(0));
  });

  it('scaling 2 -> 3 with s shows the change, each machine with its new container, and the summary; esc discards it and nothing changes', async () => {
    const name = await service('scale', 2);
    const before = await containersByMachine(name);
    const tui = await render();
    const frame = await scale(tui, name, 3);
    assert.match(frame, new RegExp(`^PLAN ${name} · replicas 2 -> 3$`, 'm'));
    assert.match(frame, /^  ~ replicas: 2 -> 3$/m);
    assert.match(frame, new RegExp(`^~ update service ${name}$`, 'm'));
    // One new container, on the machine that has none yet.
    const empty = Object.entries(before).filter(([, n]) => n.length === 0).map(([m]) => m);
    assert.equal(empty.length, 1, JSON.stringify(before));
    assert.match(frame, new RegExp(`^  ${empty[0]}\\n    \\+ run container ${name}$`, 'm'));
    assert.match(frame, /^1 create · across 1 machine$/m);
    assert.match(frame, /^enter apply · e edit spec · c canary · esc back/m);
    await tui.press(ESC);
    await tui.waitFor(new RegExp(`^${name} · replicated · 2/2 running`, 'm'));
    assert.equal(tui.store.getState().execution, undefined, 'nothing was executed');
    assert.deepEqual(await containersByMachine(name), before);
  });

  it('v sets an env var and p restricts the machines: each plans its change with the reason per container, and esc discards it', async () => {
    const name = await service('quick', 2);
    const before = await containersByMachine(name);
    const tui = await render();
    await tui.selectService(name);
    await tui.press('v');
    await tui.waitFor('Env var: KEY=VALUE sets it, KEY= removes it');
    await tui.press(...'GREETING=hi', ENTER);
    let frame = await tui.waitFor(/across \d machines?$/m, 15_000);
    assert.match(frame, new RegExp(`^PLAN ${name} · env GREETING set$`, 'm'));
    assert.match(frame, /^  \+ env\.GREETING: hi$/m);
    for (const [m, names] of Object.entries(before)) {
      for (const c of names) assert.match(frame, new RegExp(`^  ${m}\\n    \\+/- replace container ${c} \\(env changed\\)$`, 'm'));
    }
    assert.match(frame, /^2 replace · across 2 machines$/m);
    await tui.press(ESC);
    await tui.waitFor(new RegExp(`^${name} · replicated`, 'm'));
    await tui.press('p');
    frame = await tui.waitFor('Machines it may run on');
    assert.match(frame, /\[ \] m1[\s│]+\n│ \[ \] m2[\s│]+\n│ \[ \] m3/);
    await tui.press(' ');
    await tui.waitFor('[x] m1');
    await tui.press(ENTER);
    frame = await tui.waitFor(/across \d machines?$/m, 15_000);
    assert.match(frame, new RegExp(`^PLAN ${name} · placement: m1$`, 'm'));
    assert.match(frame, /^  \+ placement\.machines: \[m1\]$/m);
    for (const c of Object.entries(before).filter(([m]) => m !== 'm1').flatMap(([, n]) => n)) {
      // (the line is cut at the terminal's width)
      assert.match(frame, new RegExp(`- remove container ${c} \\(m\\d is no longer eligible: not in placement`));
    }
    await tui.press(ESC);
    await tui.waitFor(new RegExp(`^${name} · replicated`, 'm'));
    assert.deepEqual(await containersByMachine(name), before);
  });

  it('a quick edit keeps the limits in force: after an in-place cpu update, v plans only the env change', async () => {
    const name = serviceName('limits');
    created.push(name);
    const withCpu = (cpu: string) => loggerSpec(name, 1).replace('init: true', `init: true\nresources: {cpu: ${cpu}}`);
    await deploy(withCpu('0.5'));
    await deploy(withCpu('0.25'));
    const tui = await render();
    await tui.selectService(name);
    await tui.waitFor(/resources:\s*\n\s+cpu: 0\.25/);
    await tui.press('v');
    await tui.waitFor('Env var: KEY=VALUE sets it, KEY= removes it');
    await tui.press(...'PLAIN=y', ENTER);
    const frame = await tui.waitFor(/across \d machines?$/m, 15_000);
    assert.match(frame, /^  \+ env\.PLAIN: y$/m);
    assert.doesNotMatch(frame, /resources\.cpu/);
    await tui.press(ESC);
  });

  it('t with an image tag the registry does not have: the plan screen says in words why it cannot plan, and enter does nothing', async () => {
    const name = await service('image', 1);
    const before = await containersByMachine(name);
    const tui = await render();
    await tui.selectService(name);
    await tui.press('t');
    await tui.waitFor('> local/busybox:1');
    const image = `${registry()}/busybox:no-such-tag`;
    await tui.press(...image, ENTER);
    const frame = await tui.waitFor('Cannot plan this change:', 20_000);
    assert.match(frame, new RegExp(`^PLAN ${name} · image local/busybox:1 -> ${image.replace(/[.]/g, '\\.')}$`, 'm'));
    assert.match(frame, /no-such-tag/);
    assert.match(frame, /e edits the spec · esc goes back \(nothing changed\)/);
    await tui.press(ENTER);
    assert.equal(tui.store.getState().screen.kind, 'plan', 'enter on a plan that failed executes nothing');
    assert.equal(tui.store.getState().execution, undefined);
    await tui.press(ESC);
    await tui.waitFor(new RegExp(`^${name} · replicated`, 'm'));
    assert.deepEqual(await containersByMachine(name), before);
  });

  it('approving one operation at a time marks each row done, and then every machine runs the containers the plan showed', async () => {
    const name = await service('steps', 1);
    const before = await containersByMachine(name);
    const tui = await render();
    const asked = recordPrompts(tui);
    await scale(tui, name, 3);
    await tui.press(ENTER);
    await tui.waitFor(/^Approve operation o1 on m\d \(batch 1 of 2\)\?/m);
    assert.match(tui.frame(), /step by step/);
    const plan = rows(tui);
    assert.equal(plan.length, 2);
    assert.ok(plan.every((r) => r.status === 'pending' && r.text === `+ run container ${name}`), JSON.stringify(plan));
    for (const [i, row] of plan.entries()) {
      await tui.waitFor(approveLine(row.opId, row.machineName, i + 1, 2), 15_000);
      // Only this row is marked as the next one; the earlier ones are done.
      assert.match(tui.frame(), new RegExp(`^  ▶ ${row.machineName}\\s+pending\\s+\\+ run container ${name}$`, 'm'));
      assert.equal((tui.frame().match(/done\s+\d+\.\ds  \+ run container/g) ?? []).length, i);
      await tui.press(ENTER);
      await tui.waitFor(() => rows(tui)[i]!.status === 'done', 15_000);
      const made = rows(tui)[i]!.container;
      assert.ok(made, 'the row names the container it made');
      await tui.waitFor(new RegExp(`done\\s+\\d+\\.\\ds  \\+ run container ${name} \\[${made}\\]`));
    }
    await tui.waitFor('✓ deployed: 2 of 2 operations done', 15_000);
    assert.deepEqual(asked, ['o1', 'o2']);
    // Docker: each machine has what it had plus the container the plan put there, running.
    const expected: PerMachine = structuredClone(before);
    for (const row of rows(tui)) expected[row.machineName] = [...(expected[row.machineName] ?? []), row.container!].sort();
    assert.deepEqual(await containersByMachine(name, { running: true }), expected);
    await tui.press(ESC);
    await tui.waitFor(new RegExp(`^${name} · replicated · 3/3 running`, 'm'), 15_000);
  });

  it('a pressed while an operation runs approves the rest: no further question is asked', async () => {
    const name = await service('early', 1);
    const tui = await render();
    const asked = recordPrompts(tui);
    await scale(tui, name, 3);
    await tui.press(ENTER);
    await tui.waitFor(/^Approve operation o1 on/m);
    await tui.press(ENTER);
    await tui.waitFor((f) => tui.store.getState().execution?.pending.length === 0 && /starting|creating|running/.test(f), 15_000);
    await tui.press('a');
    await tui.waitFor('✓ deployed: 2 of 2 operations done', 20_000);
    assert.deepEqual(asked, ['o1'], 'asked only about the first operation');
    assert.equal(Object.values(await containersByMachine(name, { running: true })).flat().length, 3);
  });

  it('m approves the rest of one machine without asking again, and a approves all the remaining operations', async () => {
    const name = await service('auto', 1);
    const before = await containersByMachine(name);
    const tui = await render();
    const asked = recordPrompts(tui);
    await scale(tui, name, 5);
    await tui.press(ENTER);
    await tui.waitFor(/^Approve operation o1 on m\d \(batch 1 of 4\)\?/m);
    const plan = rows(tui);
    const first = plan[0]!.machineName;
    const laterOnFirst = plan.filter((r) => r.opId !== 'o1' && r.opId !== 'o2' && r.machineName === first).map((r) => r.opId);
    // The planner spreads 4 new replicas over 3 machines: the first machine gets another one later.
    assert.ok(laterOnFirst.length > 0 && plan[1]!.machineName !== first, JSON.stringify(plan.map((r) => r.machineName)));
    await tui.press('m');
    await tui.waitFor(/^Approve operation o2 on m\d/m, 15_000);
    assert.match(tui.frame(), /approving one machine/);
    await tui.press(ENTER);
    await tui.waitFor(/^Approve operation o3 on m\d/m, 15_000);
    assert.notEqual(rows(tui)[2]!.machineName, first, 'an operation of the machine approved with m was asked about');
    await tui.press('a');
    await tui.waitFor('✓ deployed: 4 of 4 operations done', 20_000);
    assert.match(tui.frame(), /approving all/);
    assert.deepEqual(asked, ['o1', 'o2', 'o3'], 'asked exactly about the first three operations');
    const expected: PerMachine = structuredClone(before);
    for (const row of rows(tui)) expected[row.machineName] = [...(expected[row.machineName] ?? []), row.container!].sort();
    assert.deepEqual(await containersByMachine(name, { running: true }), expected);
    assert.deepEqual(Object.values(count(expected)).reduce((a, b) => a + b, 0), 5);
  });

  it('s stops before the next operation: the approved one ran, the rest did not (checked through Docker)', async () => {
    const name = await service('stop', 1);
    const before = await containersByMachine(name);
    const tui = await render();
    await scale(tui, name, 3);
    await tui.press(ENTER);
    await tui.waitFor(/^Approve operation o1 on/m);
    await tui.press(ENTER);
    await tui.waitFor(/^Approve operation o2 on/m, 15_000);
    await tui.press('s');
    const frame = await tui.waitFor('stopped: 1 of 2 operations done', 15_000);
    assert.match(frame, /plan again to finish/);
    assert.match(frame, /^\s+m\d\s+pending\s+\+ run container/m);
    const [done, notRun] = rows(tui);
    assert.equal(done!.status, 'done');
    assert.equal(notRun!.status, 'pending');
    const expected: PerMachine = structuredClone(before);
    expected[done!.machineName] = [...expected[done!.machineName]!, done!.container!].sort();
    assert.deepEqual(await containersByMachine(name), expected);
  });

  it('q while an approval is pending asks "Quit?"; n keeps going, y stops the run there and exits with 130', async () => {
    const name = await service('quit', 1);
    const before = await containersByMachine(name);
    const tui = await render();
    await scale(tui, name, 3);
    await tui.press(ENTER);
    await tui.waitFor(/^Approve operation o1 on/m);
    await tui.press('q');
    await tui.waitFor('A deploy is running. Quit?');
    assert.equal(tui.exitCode(), undefined);
    await tui.press('n');
    await tui.waitFor((f) => !f.includes('Quit?') && /^Approve operation o1 on/m.test(f));
    await tui.press('q');
    await tui.waitFor('A deploy is running. Quit?');
    await tui.press('y');
    const deadline = Date.now() + 15_000;
    while (tui.exitCode() === undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    assert.equal(tui.exitCode(), 130);
    assert.deepEqual(await containersByMachine(name), before, 'nothing was started');
  });

  it('Ctrl-C during a run interrupts it as on the command line: the run stops, says so, and the view stays', async () => {
    const name = await service('intr', 1);
    const before = await containersByMachine(name);
    const tui = await render();
    await scale(tui, name, 3);
    await tui.press(ENTER);
    await tui.waitFor(/^Approve operation o1 on/m);
    await tui.press(CTRL_C);
    const frame = await tui.waitFor('interrupted: 0 of 2 operations done', 15_000);
    assert.match(frame, /plan again to finish/);
    assert.equal(tui.exitCode(), undefined, 'the view stays open');
    assert.deepEqual(await containersByMachine(name), before, 'nothing was started');
  });
});
