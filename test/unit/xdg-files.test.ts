// Every file dockplan writes lives under the XDG base directories: here the view's scratch copy of a
// spec opened in $EDITOR (XDG_CACHE_HOME, 0700/0600, gone when the editor closes), and the rule for
// each base directory. The deploy history and the whole of a real run are in test/cluster/ndjson.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyPlan } from '../../src/execute/apply.js';
import { Deployment } from '../../src/execute/deployment.js';
import { cacheDir, stateDir } from '../../src/store/xdg.js';
import { MemoryCluster } from '../support/memory-client.js';
import { renderTui } from '../support/tui-harness.js';

test('base directories: the variable when absolute, else under HOME; a relative one is ignored', () => {
  assert.equal(cacheDir({ env: { XDG_CACHE_HOME: '/x/cache' }, home: '/h' }), '/x/cache/dockplan');
  assert.equal(cacheDir({ env: {}, home: '/h' }), '/h/.cache/dockplan');
  assert.equal(cacheDir({ env: { XDG_CACHE_HOME: 'rel' }, home: '/h' }), '/h/.cache/dockplan');
  assert.equal(stateDir({ env: { XDG_STATE_HOME: '/x/state' }, home: '/h' }), '/x/state/dockplan');
});

test('the view\'s $EDITOR file is under XDG_CACHE_HOME (folder 0700, file 0600), nothing in TMPDIR, and it is gone after', async () => {
  const root = mkdtempSync(join(tmpdir(), 'dockplan-xdg-'));
  const saved = { XDG_CACHE_HOME: process.env.XDG_CACHE_HOME, TMPDIR: process.env.TMPDIR };
  const record = join(root, 'seen');
  const editor = join(root, 'editor.sh');
  writeFileSync(editor, `#!/bin/sh\nstat -c '%a %n' "$(dirname "$1")" "$1" > '${record}'\n`);
  chmodSync(editor, 0o755);
  const cluster = new MemoryCluster(['m1']);
  const { plan, names } = await new Deployment(cluster, { name: 'web', image: 'local/busybox:1', replicas: 1, command: ['sleep', '1000'] }, { rollout: { monitorMs: 5 } }).plan();
  await applyPlan(plan, { client: cluster }, { names, approval: 'all', pollMs: 1 }).result;
  process.env.XDG_CACHE_HOME = join(root, 'cache');
  process.env.TMPDIR = join(root, 'tmp');
  const tui = await renderTui({ client: cluster, editor });
  try {
    await tui.selectService('web');
    await tui.press('e');
    await tui.waitFor(() => existsSync(record));
    const [dirLine, fileLine] = readFileSync(record, 'utf8').trim().split('\n');
    const folder = join(root, 'cache', 'dockplan');
    assert.match(dirLine!, new RegExp(`^700 ${folder}/edit-\\w+$`));
    assert.match(fileLine!, new RegExp(`^600 ${folder}/edit-\\w+/web\\.yaml$`));
    await tui.waitFor(() => readdirSync(folder).length === 0);
    assert.ok(!existsSync(join(root, 'tmp')), 'nothing written to TMPDIR');
  } finally {
    await tui.cleanup();
    for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
    rmSync(root, { recursive: true, force: true });
  }
});
