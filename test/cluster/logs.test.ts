// `dockplan logs` through the built binary on the real cluster: two replicas on two machines print
// known sequences at once; the merged output is in time order and prefixed, --tail, --since,
// --grep and --machine narrow it, -f shows a new line within a second and picks up a replica that
// starts meanwhile, Ctrl-C exits 130, and a reader that goes away ends it cleanly.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { clusterFile, skipReason, waitFor } from './harness.js';
import { BIN, dockplan } from '../support/cli-run.js';
import { Engine, containersOfService, execIn, logsOf, specOf, yaml } from '../support/engine-helpers.js';

const skip = skipReason();
const LINES = Array.from({ length: 10 }, (_, i) => `line ${i + 1}`);

/** Two replicas started together (parallelism 2), each printing line 1..10 every 0.15 s, then one line on stderr. */
const specText = (name: string, replicas: number, machines: string[]) => yaml(
  `name: ${name}`,
  'image: local/busybox:1',
  `replicas: ${replicas}`,
  `command: ["sh", "-c", "for i in 1 2 3 4 5 6 7 8 9 10; do echo \\"line $i\\"; sleep 0.15; done; echo 'to stderr' >&2; exec sleep 2147483647"]`,
  'init: true',
  `placement: { machines: [${machines.join(', ')}] }`,
  'update: { parallelism: 2, monitor: 200ms }',
);

interface Line {
  machine: string;
  container: string;
  time?: string;
  text: string;
}

/** `m1 name | [time ]text` lines of the output. */
function parse(stdout: string, timestamps = false): Line[] {
  return stdout.split('\n').filter(Boolean).map((l) => {
    const m = /^(\S+) +(\S+) +\| (.*)$/.exec(l);
    assert.ok(m, `not a prefixed log line: ${JSON.stringify(l)}`);
    if (!timestamps) return { machine: m[1]!, container: m[2]!, text: m[3]! };
    const [time, ...rest] = m[3]!.split(' ');
    return { machine: m[1]!, container: m[2]!, time, text: rest.join(' ') };
  });
}

/** A `dockplan logs -f` process whose stdout lines can be waited for. */
function follow(args: string[]): { child: ChildProcessWithoutNullStreams; lines: string[]; stderr: () => string; waitLine: (match: RegExp, ms?: number) => Promise<string>; exit: Promise<number> } {
  const child = spawn(process.execPath, [BIN, 'logs', ...args], { env: { ...process.env, DOCKPLAN_CLUSTER: clusterFile() } });
  const lines: string[] = [];
  let rest = '';
  let err = '';
  const waiters = new Set<() => void>();
  child.stdout.on('data', (d: Buffer) => {
    const parts = (rest + d.toString()).split('\n');
    rest = parts.pop()!;
    lines.push(...parts);
    for (const w of [...waiters]) w();
  });
  child.stderr.on('data', (d: Buffer) => (err += d));
  const exit = new Promise<number>((resolve) => child.on('close', (code, signal) => resolve(code ?? (signal ? 128 : -1))));
  const waitLine = (match: RegExp, ms = 10_000) => new Promise<string>((resolve, reject) => {
    const check = () => {
      const found = lines.find((l) => match.test(l));
      if (found === undefined) return;
      waiters.delete(check);
      clearTimeout(timer);
      resolve(found);
    };
    const timer = setTimeout(() => {
      waiters.delete(check);
      reject(new Error(`no line matched ${match} within ${ms} ms; stdout:\n${lines.join('\n')}\nstderr:\n${err}`));
    }, ms);
    waiters.add(check);
    check();
  });
  return { child, lines, stderr: () => err, waitLine, exit };
}

describe('dockplan logs on the real cluster', { skip, timeout: 120_000 }, () => {
  let engine: Engine;
  let name: string;
  /** The full merged read, with timestamps. */
  let all: Line[];

  before(async () => {
    engine = await Engine.open();
    name = engine.service('logs');
    await engine.deployOk(specOf(specText(name, 2, ['m1', 'm2'])));
    // Both replicas have printed everything once each has its stderr line.
    const replicas = await containersOfService(name, ['m1', 'm2']);
    assert.equal(replicas.length, 2);
    await Promise.all(replicas.map((c) => waitFor(async () => (await logsOf(c.machine, c.id)).includes('to stderr'), 15_000)));
  });
  after(async () => {
    await engine?.cleanup();
  });

  it('every replica\'s lines merged in time order, each prefixed with its machine and container', async () => {
    const run = await dockplan(['logs', name, '--timestamps']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stderr, '');
    all = parse(run.stdout, true);
    const times = all.map((l) => l.time!);
    assert.deepEqual(times, [...times].sort(), `not in time order:\n${run.stdout}`);
    const byMachine = new Map<string, Line[]>();
    for (const l of all) byMachine.set(l.machine, [...(byMachine.get(l.machine) ?? []), l]);
    assert.deepEqual([...byMachine.keys()].sort(), ['m1', 'm2']);
    for (const [machine, lines] of byMachine) {
      assert.deepEqual(lines.map((l) => l.text), [...LINES, 'to stderr'], `${machine}'s sequence`);
      assert.equal(new Set(lines.map((l) => l.container)).size, 1);
      assert.match(lines[0]!.container, new RegExp(`^${name}-\\w{4}$`));
    }
    // Started together: the two sequences overlap in time, so merging had to interleave them.
    const firstOf = (m: string) => all.findIndex((l) => l.machine === m);
    const lastOf = (m: string) => all.map((l) => l.machine).lastIndexOf(m);
    assert.ok(firstOf('m2') < lastOf('m1') && firstOf('m1') < lastOf('m2'), `the sequences do not interleave:\n${run.stdout}`);
  });

  it('--tail, --since, --grep and --machine narrow the lines', async () => {
    const tail = parse((await dockplan(['logs', name, '--tail', '2'])).stdout);
    assert.deepEqual(tail.map((l) => l.text).sort(), ['line 10', 'line 10', 'to stderr', 'to stderr']);

    const from = all.find((l) => l.machine === 'm1' && l.text === 'line 6')!.time!;
    const since = parse((await dockplan(['logs', name, '--since', from, '--timestamps'])).stdout, true);
    // --since has millisecond precision: every record from that millisecond on.
    const fromMs = from.slice(0, 23);
    assert.deepEqual(since, all.filter((l) => l.time!.slice(0, 23) >= fromMs));
    assert.ok(since.length > 0 && since.length < all.length);

    const grep = await dockplan(['logs', name, '--grep', 'line [35]$']);
    assert.deepEqual(parse(grep.stdout).map((l) => `${l.machine} ${l.text}`).sort(), ['m1 line 3', 'm1 line 5', 'm2 line 3', 'm2 line 5']);

    const m2 = parse((await dockplan(['logs', name, '--machine', 'm2'])).stdout);
    assert.deepEqual(m2.map((l) => `${l.machine} ${l.text}`), [...LINES, 'to stderr'].map((t) => `m2 ${t}`));
  });

  it('an unknown service or machine is an error that says what there is, without a stack', async () => {
    const service = await dockplan(['logs', `${name}x`]);
    assert.equal(service.code, 1);
    assert.match(service.stderr, new RegExp(`^error: no service named ${name}x on the machines that are up; did you mean "${name}"\\?\\n$`));
    const machine = await dockplan(['logs', name, '--machine', 'm9']);
    assert.equal(machine.code, 1);
    assert.match(machine.stderr, /^error: no machine named m9 in the cluster.*\(machines: m1, m2, m3\)\n$/);
  });

  it('-f: a new line shows within a second, a replica started meanwhile is picked up, Ctrl-C exits 130', async () => {
    const f = follow([name, '-f', '--tail', '1']);
    try {
      await f.waitLine(/^m1 .*\| to stderr$/);
      await f.waitLine(/^m2 .*\| to stderr$/);
      const [onM1] = await containersOfService(name, ['m1']);
      const marker = `marker-${Date.now()}`;
      await execIn('m1', onM1!.id, ['sh', '-c', `echo ${marker} > /proc/1/fd/1`]);
      const printed = Date.now();
      await f.waitLine(new RegExp(`^m1 ${onM1!.name} \\| ${marker}$`), 5000);
      assert.ok(Date.now() - printed < 1000, `the line took ${Date.now() - printed} ms to show`);

      await engine.deployOk(specOf(specText(name, 3, ['m1', 'm2', 'm3'])));
      await f.waitLine(/^m3 \S+ +\| line 1$/);

      f.child.kill('SIGINT');
      assert.equal(await f.exit, 130);
      assert.equal(f.stderr(), '');
    } finally {
      f.child.kill('SIGKILL');
    }
  });

  it('a reader that goes away (| head -n 1) ends a followed read cleanly at the next line', async () => {
    const run = spawn('bash', ['-c', `"${process.execPath}" "${BIN}" logs ${name} -f --tail 1 --machine m1 | head -n 1; echo "dockplan exited \${PIPESTATUS[0]}" >&2`], {
      env: { ...process.env, DOCKPLAN_CLUSTER: clusterFile() },
    });
    let out = '';
    let err = '';
    run.stdout.on('data', (d) => (out += d));
    run.stderr.on('data', (d) => (err += d));
    const closed = new Promise<void>((resolve) => run.on('close', () => resolve()));
    try {
      // head has its line and has gone; dockplan learns it when it next writes.
      while (out === '') await new Promise((resolve) => run.stdout.once('data', resolve));
      const [onM1] = await containersOfService(name, ['m1']);
      await execIn('m1', onM1!.id, ['sh', '-c', 'echo after-head > /proc/1/fd/1']);
      await closed;
      assert.match(out, /^m1 \S+ \| \S.*\n$/, 'head kept one line');
      assert.equal(err, 'dockplan exited 0\n');
    } finally {
      run.kill('SIGKILL');
    }
  });
});
