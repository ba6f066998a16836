// Colour: one decision from --no-color, FORCE_COLOR, NO_COLOR and the stream (no-color.org, chalk's
// and Node's rules), applied to the plain output (plan text, progress, the error prefix) and to the
// view (chalk's level, a theme without hues). Escape sequences are looked for in what is written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WriteStream } from 'node:tty';
import chalk from 'chalk';
import { runCli } from '../../src/cli/main.js';
import { planOutput, runOutput } from '../../src/cli/progress.js';
import { applyPlan } from '../../src/execute/apply.js';
import { Deployment } from '../../src/execute/deployment.js';
import type { ServiceSpec } from '../../src/model/spec.js';
import { applyViewColour, decideColour, type ColourDecision } from '../../src/terminal/colour.js';
import { MemoryCluster } from '../support/memory-client.js';
import { renderTui } from '../support/tui-harness.js';

/** A terminal whose colour depth Node's own getColorDepth decides from the env it is given. */
const terminal = { isTTY: true, getColorDepth: (env?: Record<string, string | undefined>) => WriteStream.prototype.getColorDepth.call({}, env) };
const pipe = { isTTY: false };
const decide = (env: Record<string, string>, stream: object = pipe, noColorFlag = false): ColourDecision =>
  decideColour({ env: { TERM: 'xterm-256color', ...env }, stream, noColorFlag });

/** Any SGR colour: foreground or background, 16, 256 or 24-bit (bold, inverse and dim are not colours). */
const HUE = /\x1b\[(3[0-7]|9[0-7]|4[0-7]|10[0-7]|38;|48;)/;
const ESC = /\x1b\[/;

test('the decision: a pipe has none, FORCE_COLOR forces (0 and false refuse), a terminal has its depth, NO_COLOR and --no-color take the hues', () => {
  const rows: [string, Record<string, string>, object, boolean, ColourDecision][] = [
    ['a pipe', {}, pipe, false, { level: 0, hues: false }],
    ['a pipe, FORCE_COLOR=1', { FORCE_COLOR: '1' }, pipe, false, { level: 1, hues: true }],
    ['a pipe, FORCE_COLOR empty', { FORCE_COLOR: '' }, pipe, false, { level: 1, hues: true }],
    ['a pipe, FORCE_COLOR=true', { FORCE_COLOR: 'true' }, pipe, false, { level: 1, hues: true }],
    ['a pipe, FORCE_COLOR=2', { FORCE_COLOR: '2' }, pipe, false, { level: 2, hues: true }],
    ['a pipe, FORCE_COLOR=7', { FORCE_COLOR: '7' }, pipe, false, { level: 3, hues: true }],
    ['a pipe, FORCE_COLOR=yes', { FORCE_COLOR: 'yes' }, pipe, false, { level: 0, hues: false }],
    ['a terminal, FORCE_COLOR=0', { FORCE_COLOR: '0' }, terminal, false, { level: 0, hues: false }],
    ['a terminal, FORCE_COLOR=false', { FORCE_COLOR: 'false' }, terminal, false, { level: 0, hues: false }],
    ['a 256-colour terminal', {}, terminal, false, { level: 2, hues: true }],
    ['a terminal, COLORTERM=truecolor', { COLORTERM: 'truecolor' }, terminal, false, { level: 3, hues: true }],
    ['a terminal, NO_COLOR=1', { NO_COLOR: '1' }, terminal, false, { level: 2, hues: false }],
    ['a terminal, NO_COLOR=0 (any value)', { NO_COLOR: '0' }, terminal, false, { level: 2, hues: false }],
    ['a terminal, NO_COLOR empty (unset)', { NO_COLOR: '' }, terminal, false, { level: 2, hues: true }],
    ['a terminal, --no-color', {}, terminal, true, { level: 2, hues: false }],
    ['a pipe, FORCE_COLOR=1 beats NO_COLOR (Node)', { FORCE_COLOR: '1', NO_COLOR: '1' }, pipe, false, { level: 1, hues: true }],
    ['a pipe, FORCE_COLOR=1 --no-color', { FORCE_COLOR: '1' }, pipe, true, { level: 1, hues: false }],
    ['TERM=dumb', { TERM: 'dumb' }, terminal, false, { level: 0, hues: false }],
    ['TERM=dumb, FORCE_COLOR=1', { TERM: 'dumb', FORCE_COLOR: '1' }, terminal, false, { level: 1, hues: true }],
  ];
  for (const [what, env, stream, flag, expected] of rows) assert.deepEqual(decide(env, stream, flag), expected, what);
});

const spec = (extra: Partial<ServiceSpec> = {}): ServiceSpec => ({
  name: 'web', image: 'local/busybox:1', replicas: 2, command: ['sleep', '1000'], healthcheck: { test: ['CMD', 'true'] }, ...extra,
});

test('plan text: operations painted by symbol when colour is on, not an escape without it, and never in JSON', async () => {
  const cluster = new MemoryCluster(['m1', 'm2']);
  const { plan, names } = await new Deployment(cluster, spec()).plan();
  const painted = planOutput(plan, names, { colour: true });
  assert.match(painted, /\x1b\[32m\+ create service web\x1b\[39m/, painted);
  assert.match(painted, /^ {2}\x1b\[32m\+ run container web on m1\x1b\[39m$/m, painted);
  assert.doesNotMatch(planOutput(plan, names, {}), ESC);
  assert.doesNotMatch(planOutput(plan, names, { colour: true, json: true }), ESC);
  assert.match(planOutput(plan, names, { colour: true, quiet: true }), /^\x1b\[32m\+ create service web: 2 create · across 2 machines\x1b\[39m$/);
});

test('progress: a failure and the rolled-back result in red when colour is on; plain otherwise', async () => {
  for (const colour of [true, false]) {
    const cluster = new MemoryCluster(['m1']);
    const first = await new Deployment(cluster, spec({ replicas: 1 }), { rollout: { monitorMs: 5 } }).plan();
    await applyPlan(first.plan, { client: cluster }, { names: first.names, approval: 'all', pollMs: 1 }).result;
    cluster.health = (c) => (c.spec.env?.V === '2' ? 'unhealthy' : 'healthy');
    const { plan, names } = await new Deployment(cluster, spec({ replicas: 1, env: { V: '2' } }), { rollout: { monitorMs: 5 } }).plan();
    const lines: string[] = [];
    const output = runOutput(plan, names, { colour }, (l) => lines.push(l));
    await applyPlan(plan, { client: cluster }, { names, approval: 'all', pollMs: 1, runId: output.runId, onEvent: output.event }).result;
    const failed = lines.find((l) => l.includes('FAILED'))!;
    const last = lines.at(-1)!;
    if (colour) {
      assert.match(failed, /\x1b\[31mFAILED after .*unhealthy.*\x1b\[39m$/, failed);
      assert.match(last, /^\x1b\[31mweb: rolled back: 0 of 1 operations done/, last);
    } else {
      assert.ok(lines.every((l) => !ESC.test(l)), lines.join('\n'));
    }
  }
});

/** Runs the CLI in this process with `env` set, and returns what it wrote to stderr. */
async function stderrOf(args: string[], env: Record<string, string | undefined>): Promise<{ code: number; stderr: string }> {
  const saved = { ...process.env };
  const write = process.stderr.write;
  const level = chalk.level;
  let stderr = '';
  Object.assign(process.env, env);
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete process.env[k];
  process.stderr.write = ((chunk: string) => {
    stderr += chunk;
    return true;
  }) as typeof process.stderr.write;
  try {
    return { code: await runCli(args), stderr };
  } finally {
    process.stderr.write = write;
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
    applyViewColour({ level, hues: true });
  }
}

test('the error prefix: red with FORCE_COLOR=1 (not a terminal), plain by default, with NO_COLOR on a pipe, and with --no-color', async () => {
  const args = ['--cluster', '/nonexistent/cluster.yaml', 'ls'];
  const forced = await stderrOf(args, { FORCE_COLOR: '1', NO_COLOR: undefined });
  assert.equal(forced.code, 1);
  assert.match(forced.stderr, /^\x1b\[31merror:\x1b\[39m .*cluster\.yaml/, forced.stderr);
  for (const [what, env, extra] of [
    ['a pipe', { FORCE_COLOR: undefined, NO_COLOR: undefined }, []],
    ['NO_COLOR', { FORCE_COLOR: undefined, NO_COLOR: '1' }, []],
    ['--no-color beats FORCE_COLOR', { FORCE_COLOR: '1' }, ['--no-color']],
  ] as const) {
    const r = await stderrOf([...extra, ...args], env);
    assert.equal(r.code, 1, what);
    assert.match(r.stderr, /^error: /, what);
    assert.doesNotMatch(r.stderr, ESC, what);
  }
});

test('the view: with colour its health and selection are coloured; with NO_COLOR no hue is drawn, but the selection stays inverse', async () => {
  const cluster = new MemoryCluster(['m1', 'm2']);
  const { plan, names } = await new Deployment(cluster, spec(), { rollout: { monitorMs: 5 } }).plan();
  await applyPlan(plan, { client: cluster }, { names, approval: 'all', pollMs: 1 }).result;
  const level = chalk.level;
  try {
    for (const env of [{}, { NO_COLOR: '1' }] as Record<string, string>[]) {
      applyViewColour(decide(env, terminal));
      const tui = await renderTui({ client: cluster });
      try {
        await tui.selectService('web');
        await tui.waitFor('healthy');
        const raw = tui.rawFrame();
        assert.match(raw, /\x1b\[7m/, 'the selected row is inverse');
        if ('NO_COLOR' in env) assert.doesNotMatch(raw, HUE, raw);
        else assert.match(raw, /\x1b\[32m/, 'healthy in green');
      } finally {
        await tui.cleanup();
      }
    }
  } finally {
    chalk.level = level;
    applyViewColour({ level, hues: true });
  }
});
