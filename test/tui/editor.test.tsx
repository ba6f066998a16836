// The $EDITOR flow of the interactive view against the real cluster, with scripted editors (shell
// scripts that rewrite the file they are given): plans of edited specs, the spec-errors window, and
// a healthcheck broken in the editor failing the deploy with the container's own words and logs.
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { containersOf, machines, skipReason } from '../cluster/harness.js';
import { waitAllMachinesUp } from '../support/engine-helpers.js';
import {
  ENTER, ESC, containersByMachine, deploy, loggerSpec, removeServices, renderTui, serviceName, type Tui,
} from '../support/tui-harness.js';

const skip = skipReason();

describe('editing a spec in $EDITOR on the real cluster', { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'dockplan-tui-editor-'));
  const created: string[] = [];
  const open: Tui[] = [];
  /** An executable shell script used as the editor: "$1" is the spec file. */
  const editor = (file: string, body: string) => {
    const path = join(dir, file);
    writeFileSync(path, `#!/bin/sh\nset -e\n${body}\n`);
    chmodSync(path, 0o755);
    return path;
  };
  const service = async (tag: string, replicas: number) => {
    const name = serviceName(tag);
    created.push(name);
    await deploy(loggerSpec(name, replicas));
    return name;
  };
  const render = async (editorPath: string) => {
    const tui = await renderTui({ columns: 100, rows: 40, editor: editorPath });
    open.push(tui);
    return tui;
  };

  before(async () => {
    await waitAllMachinesUp();
  });
  // Each test's view and services go with it, so later tests do not share the engines with them.
  afterEach(async () => {
    for (const tui of open.splice(0)) await tui.cleanup().catch(() => undefined);
    await removeServices(created.splice(0));
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('e opens the spec in the editor, and the plan shows what the editor changed; esc discards it', async () => {
    const name = await service('edit', 2);
    const before = await containersByMachine(name);
    const tui = await render(editor('replicas-1.sh', `sed -i 's/^replicas: .*/replicas: 1/' "$1"`));
    await tui.selectService(name);
    await tui.press('e');
    const frame = await tui.waitFor(/across \d machines?$/m, 15_000);
    assert.match(frame, new RegExp(`^PLAN ${name} · edited in \\$EDITOR$`, 'm'));
    assert.match(frame, /^  [~-] replicas: 2( -> 1)?$/m);
    const names = Object.values(before).flat();
    assert.equal(names.length, 2);
    assert.match(frame, new RegExp(`^    - remove container (${names.join('|')}) \\(`, 'm'), `one of the two replicas is removed:\n${frame}`);
    assert.match(frame, /^1 remove · across 1 machine$/m);
    await tui.press(ESC);
    await tui.waitFor(new RegExp(`^${name} · replicated · 2/2 running`, 'm'));
    assert.deepEqual(await containersByMachine(name), before);
  });

  it('an unknown key written in the editor opens the spec-errors window with its line and column; d discards the edit and nothing changes', async () => {
    const name = await service('typo', 1);
    const before = await containersByMachine(name);
    const tui = await render(editor('typo.sh', `printf 'replicaz: 3\\n' >> "$1"`));
    await tui.selectService(name);
    const lines = (await tui.waitFor('SPEC (as last deployed')).split('\n');
    // The file the editor gets is the spec as shown; the typo goes on the line after its last one.
    const specLines = lines.slice(lines.findIndex((l) => l.startsWith('SPEC ')) + 1, -1).filter((l) => l.trim());
    await tui.press('e');
    const frame = await tui.waitFor('The spec has 1 problem:');
    assert.match(frame, new RegExp(`line ${specLines.length + 1}:1: replicaz: unknown key; did you mean "replicas"\\?`));
    assert.match(frame, /e re-opens the editor with your text · d discards the edit/);
    assert.equal(tui.store.getState().screen.kind, 'service', 'no plan for a spec with errors');
    await tui.press('d');
    await tui.waitFor('edit discarded: nothing changed');
    assert.equal(tui.store.getState().modal, undefined);
    assert.doesNotMatch(tui.frame(), /The spec has/);
    assert.deepEqual(await containersByMachine(name), before);
  });

  it('invalid YAML shows a syntax error with its line; e re-opens the editor with the text as written, and the fixed text is planned', async () => {
    const name = await service('yaml', 1);
    // First run: breaks the file. Second run (given the broken text back): fixes it to 2 replicas.
    const tui = await render(editor('yaml.sh', [
      'if grep -q "^replicas: \\[" "$1"; then',
      '  sed -i "s/^replicas: \\[.*/replicas: 2/" "$1"',
      'else',
      '  sed -i "s/^replicas: .*/replicas: [1/" "$1"',
      'fi',
    ].join('\n')));
    await tui.selectService(name);
    await tui.press('e');
    const frame = await tui.waitFor('The spec has');
    assert.match(frame, /line \d+:\d+: .*YAML/);
    await tui.press('e');
    const plan = await tui.waitFor(/across \d machines?$/m, 15_000);
    assert.match(plan, /^  [+~] replicas: (1 -> )?2$/m);
    assert.match(plan, new RegExp(`^    \\+ run container ${name}$`, 'm'));
    assert.match(plan, /^1 create · across 1 machine$/m);
  });

  it('a healthcheck changed to exit 1 in the editor fails the deploy: the execute screen says unhealthy and shows the new container\'s log lines; the old one keeps running', async () => {
    const name = await service('unhealthy', 1);
    const [old] = (await Promise.all(machines().map(async (m) => (await containersOf(m.name, name)).map((c) => ({ ...c, machine: m.name }))))).flat();
    assert.ok(old);
    const tui = await render(editor('break-health.sh', `sed -i 's/^  test: .*/  test: [CMD-SHELL, exit 1]/' "$1"`));
    await tui.selectService(name);
    await tui.press('e');
    let frame = await tui.waitFor(/across \d machines?$/m, 15_000);
    assert.match(frame, /^  ~ healthcheck\.test: \[CMD, true\] -> \[CMD-SHELL, exit 1\]$/m);
    assert.match(frame, new RegExp(`^    \\+/- replace container ${old.name} \\(healthcheck changed\\)$`, 'm'));
    await tui.press(ENTER);
    await tui.waitFor(/^Approve operation o1 on m\d \(batch 1 of 1\)/m);
    await tui.press('a');
    frame = await tui.waitFor('✗ container', 20_000);
    const failed = tui.store.getState().execution?.outcome?.failure?.container?.name;
    assert.ok(failed && failed !== old.name, JSON.stringify(tui.store.getState().execution?.outcome));
    assert.match(frame, new RegExp(`✗ container ${failed} on ${old.machine} is unhealthy: its healthcheck failed`));
    assert.match(frame, /^\s+m\d\s+failed\s+\d+\.\ds  \+\/- replace container/m);
    assert.match(frame, new RegExp(`last log lines of ${failed}:`));
    assert.match(frame, new RegExp(`\\| hello from ${name}`));
    assert.match(frame, /\| tick 1/);
    assert.match(frame, new RegExp(`${failed} is kept, stopped, for inspection`));
    // Docker: the old container still runs, the new one is stopped and kept.
    const now = await containersOf(old.machine, name);
    assert.equal(now.find((c) => c.name === old.name)?.state, 'running');
    assert.notEqual(now.find((c) => c.name === failed)?.state, 'running');
    assert.equal(now.find((c) => c.name === failed)?.state !== undefined, true, 'the failed container is kept');
  });
});
