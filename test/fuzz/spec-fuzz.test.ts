// Spec fuzzing: thousands of mutated spec files (wrong types, missing keys, huge numbers, unicode,
// anchor and alias bombs, duplicate keys, cut files) each end in a plan, a refusal (PlanError) or
// errors located at FILE:LINE:COL; never a crash, a stack trace or words no person wrote; each
// within a time budget, with the checker's heap bounded. A sample of the nastiest also goes through
// the built CLI.
//
// The main run uses a fixed seed, so CI sees the same files every time. To explore, run it with a
// random seed (printed in the diagnostics, so a failure can be replayed), or replay a given one:
//   DOCKPLAN_FUZZ_SEED=random node --import tsx --test test/fuzz/spec-fuzz.test.ts
//   DOCKPLAN_FUZZ_SEED=123456 DOCKPLAN_FUZZ_RUNS=20000 node --import tsx --test test/fuzz/spec-fuzz.test.ts
// A failure shrinks to the fewest edits that still fail; keep it in spec-regressions.ts.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { formatSpecError, parseSpec } from '../../src/model/parse-spec.js';
import { SpecChecker, type Verdict } from './spec-checker.js';
import { fuzzCase, fuzzCaseOf, type FuzzCase } from './spec-mutations.js';
import { describeProblem, unfitForPeople, visible, type Situation } from './spec-outcome.js';
import { KEPT_CASES, type KeptCase } from './spec-regressions.js';
import { SPEC_SEEDS } from './spec-seeds.js';

const FIXED_SEED = 20_260_601;

/** DOCKPLAN_FUZZ_SEED: a number, or `random`; the fixed seed when unset. */
function seedFromEnv(): number {
  const given = process.env.DOCKPLAN_FUZZ_SEED;
  if (given === undefined || given === '') return FIXED_SEED;
  if (given === 'random') return Math.floor(Math.random() * 2 ** 31);
  const n = Number(given);
  if (!Number.isSafeInteger(n)) throw new Error(`DOCKPLAN_FUZZ_SEED must be a whole number or "random", got ${JSON.stringify(given)}`);
  return n;
}

/** DOCKPLAN_FUZZ_RUNS: how many mutated files the main run checks (5,000 when unset). */
function runsFromEnv(): number {
  const given = process.env.DOCKPLAN_FUZZ_RUNS;
  if (given === undefined || given === '') return 5_000;
  const n = Number(given);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`DOCKPLAN_FUZZ_RUNS must be a whole number above 0, got ${JSON.stringify(given)}`);
  return n;
}

const SEED = seedFromEnv();
const RUNS = runsFromEnv();
/** Each file must be parsed, resolved, planned and printed within this many milliseconds. */
const BUDGET_MS = 1_000;
/** A file still running after this long is a hang (or far over budget): its worker is ended. */
const WATCHDOG_MS = 1_500;
const HEAP_LIMIT_MB = 512;
/** How much the checker's heap (after a full GC) may grow over the whole run. */
const HEAP_GROWTH_LIMIT = 64 * 1024 * 1024;
/** The heap is sampled every this many files (a worker replaced after a hang starts afresh). */
const HEAP_SAMPLE_EVERY = 500;
const CLI_SAMPLE = 24;

const PROJECT_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = join(PROJECT_DIR, 'dist', 'bin', 'dockplan.js');

const checker = new SpecChecker({ watchdogMs: WATCHDOG_MS, budgetMs: BUDGET_MS, heapLimitMb: HEAP_LIMIT_MB });
after(() => checker.close());

const SITUATIONS: Situation[] = [
  { service: 'new', domain: true },
  { service: 'existing', domain: true },
  { service: 'behind', domain: true },
];

const described = (v: Verdict) => v.problems.map(describeProblem);
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
}

test('every seed spec plans without a problem, new, up to date and one version behind', async () => {
  for (const seed of SPEC_SEEDS) {
    for (const situation of SITUATIONS) {
      const v = await checker.check(seed.text, situation);
      assert.deepEqual(described(v), [], `${seed.name} in ${JSON.stringify(situation)}`);
      assert.equal(v.kind, 'plan', `${seed.name} in ${JSON.stringify(situation)} ended in ${v.kind}`);
    }
  }
});

test('the checker ends an input that loops and one that runs out of memory, and goes on', async () => {
  // The watchdog is short for the loop and long for the hoarder: on a busy machine filling 32 MiB
  // may take longer than a second, and it must end by running out of memory, not by the clock.
  const spinning = new SpecChecker({ watchdogMs: 1_000, budgetMs: BUDGET_MS, heapLimitMb: 32 });
  const hoarding = new SpecChecker({ watchdogMs: 30_000, budgetMs: BUDGET_MS, heapLimitMb: 32 });
  try {
    assert.deepEqual((await spinning.misbehave('spin')).problems.map((p) => p.rule), ['timeout']);
    assert.deepEqual((await hoarding.misbehave('hoard')).problems.map((p) => p.rule), ['out-of-memory']);
    for (const checker of [spinning, hoarding]) {
      const after = await checker.check('image: local/busybox:1\n', { service: 'new', domain: true });
      assert.deepEqual([after.kind, described(after)], ['plan', []]);
    }
  } finally {
    await spinning.close();
    await hoarding.close();
  }
});

/** Each kept case is checked once (the replica one takes the whole watchdog time while its bug is open). */
const keptVerdicts = new Map<KeptCase, Promise<Verdict>>();
function keptVerdict(kept: KeptCase): Promise<Verdict> {
  if (!keptVerdicts.has(kept)) keptVerdicts.set(kept, checker.check(kept.text, kept.situation));
  return keptVerdicts.get(kept)!;
}

for (const kept of KEPT_CASES) {
  test(`kept case: ${kept.name}`, async () => {
    const v = await keptVerdict(kept);
    assert.deepEqual(described(v), [], `found by fuzzing: ${kept.found}`);
  });
}

/** The kept cases that still fail the way they were found: their bugs are open. */
async function openBugs(): Promise<KeptCase[]> {
  const open: KeptCase[] = [];
  for (const kept of KEPT_CASES) {
    if (!kept.recognise) continue;
    const v = await keptVerdict(kept);
    if (v.problems.some((p) => kept.recognise!(p, kept.text))) open.push(kept);
  }
  return open;
}

test(`${RUNS} mutated spec files each end in a plan, a refusal or located errors, within time and memory`, { timeout: 15 * 60_000 }, async (t) => {
  const open = await openBugs();
  const excused = new Map<string, number>(open.map((k) => [k.name, 0]));
  const kinds = new Map<string, number>();
  const times: number[] = [];
  let maxCase: FuzzCase | undefined;
  let maxMs = -1;
  let calls = 0;
  const heap = [await checker.heapUsed()];
  const started = performance.now();
  try {
    await fc.assert(
      fc.asyncProperty(fuzzCase, async (c) => {
        const v = await checker.check(c.text, c.situation);
        const counting = ++calls <= RUNS; // after the runs come the shrinking steps of a failure
        if (counting) {
          if (calls % HEAP_SAMPLE_EVERY === 0) heap.push(await checker.heapUsed());
          kinds.set(v.kind, (kinds.get(v.kind) ?? 0) + 1);
          times.push(v.ms);
          if (v.ms > maxMs) [maxMs, maxCase] = [v.ms, c];
        }
        const hit = new Set<KeptCase>();
        const unexcused = v.problems.filter((p) => {
          const bug = open.find((k) => k.recognise!(p, c.text));
          if (bug) hit.add(bug);
          return !bug;
        });
        if (counting) for (const bug of hit) excused.set(bug.name, excused.get(bug.name)! + 1);
        if (unexcused.length > 0) throw new Error(unexcused.map(describeProblem).join('\n'));
      }),
      { seed: SEED, numRuns: RUNS, includeErrorInReport: true },
    );
  } finally {
    const wall = (performance.now() - started) / 1000;
    times.sort((a, b) => a - b);
    t.diagnostic(`seed ${SEED}${SEED === FIXED_SEED ? ' (fixed)' : ''}; ${Math.min(calls, RUNS)} files in ${wall.toFixed(1)} s`);
    t.diagnostic(`outcomes: ${[...kinds].map(([k, n]) => `${k} ${n}`).join(', ')}`);
    t.diagnostic(`time per file (parse + resolve + plan + print): median ${percentile(times, 50).toFixed(2)} ms, p99 ${percentile(times, 99).toFixed(1)} ms, max ${percentile(times, 100).toFixed(1)} ms`);
    if (maxCase) t.diagnostic(`slowest file: ${maxCase.seed}, ${visible(maxCase.steps).slice(0, 300)}`);
    for (const [name, n] of excused) t.diagnostic(`open bug, still failing its kept case: "${name}": ${n} files`);
  }
  const growth = Math.max(...heap) - heap[0];
  t.diagnostic(
    `checker heap after GC: ${mib(heap[0])} at the start, at most ${mib(Math.max(...heap))} in ${heap.length - 1} samples, ${mib(heap[heap.length - 1])} at the end ` +
      `(limit ${HEAP_LIMIT_MB} MiB per worker, growth allowed ${mib(HEAP_GROWTH_LIMIT)}); workers replaced after a hang or a crash: ${checker.replaced}`,
  );
  assert.ok(growth < HEAP_GROWTH_LIMIT, `the checker's heap grew by ${mib(growth)} over the run`);
});

// ---------------------------------------------------------------- the built CLI

function inCI(): boolean {
  const ci = process.env.CI;
  return ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false';
}

/** Tags that make a file nasty, the rarest and worst first; the sample takes from each in turn. */
const NASTY = [
  'cut-mid-utf8', 'alias-bomb', 'self-reference', 'deep', 'unicode', 'duplicate-key', 'documents', 'directive', 'tab', 'source-value',
  'merge', 'alias', 'x-key', 'long', 'line-ends', 'indentation', 'cut', 'value-replace', 'value-rename', 'value-add', 'missing-key',
];

/** A generated file and what it came to in-process. */
interface Sampled {
  c: FuzzCase;
  v: Verdict;
}

function nastiness({ c, v }: Sampled): number {
  const controls = /[\u0000-\u0008\u000b-\u001f\u007f]/.test(c.text) ? 2 : 0;
  return new Set(c.tags).size + Math.min(v.errors, 50) / 10 + controls + (c.text.includes('\uFFFD') ? 2 : 0);
}

/** `count` files: in turn, the nastiest not yet taken of each tag, and of plans and refusals. */
function nastiest(sampled: Sampled[], count: number): Sampled[] {
  const ranked = [...sampled].sort((a, b) => nastiness(b) - nastiness(a));
  const buckets: ((s: Sampled) => boolean)[] = [
    ...NASTY.map((tag) => (s: Sampled) => s.c.tags.includes(tag)),
    (s) => s.v.kind === 'plan',
    (s) => s.v.kind === 'refused',
  ];
  const taken = new Set<Sampled>();
  while (taken.size < count && taken.size < ranked.length) {
    const before = taken.size;
    for (const bucket of buckets) {
      const next = ranked.find((s) => !taken.has(s) && bucket(s));
      if (next && taken.size < count) taken.add(next);
    }
    if (taken.size === before) for (const s of ranked) if (taken.size < count) taken.add(s);
  }
  return [...taken];
}

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runPlan(file: string, clusterFile: string): Promise<CliRun> {
  return new Promise((done, fail) => {
    const env: NodeJS.ProcessEnv = { ...process.env, DOCKPLAN_CLUSTER: clusterFile };
    delete env.DOCKPLAN_DEBUG; // it adds stack traces on purpose
    const child = spawn(process.execPath, [BIN, 'plan', '-f', file], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', fail);
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** What is wrong with the CLI's answer to one file, given what the same file came to in-process. */
function cliProblems(run: CliRun, file: string, c: FuzzCase, v: Verdict): string[] {
  const problems: string[] = [];
  const shown = `${run.stdout}\n${run.stderr}`;
  if (run.code !== 0 && run.code !== 1) problems.push(`exit code ${run.code}`);
  for (const u of unfitForPeople(shown, c.text)) if (u.rule === 'stack-trace') problems.push(u.detail);
  if (v.kind === 'errors') {
    const { errors } = parseSpec(c.text, file);
    if (run.code !== 1) problems.push(`exit code ${run.code} for a file with errors`);
    // Where the YAML parser's stack runs out depends on the process, so files that overflow it
    // may get other syntax errors in the CLI than here: only the form of the answer is compared.
    if (errors.some((e) => e.message.includes('maximum call stack size exceeded'))) {
      if (!new RegExp(`^error: ${escapeRegExp(file)} has \\d+ problems?:\n`).test(run.stderr)) problems.push('stderr does not start with "error: FILE has N problems:"');
      return problems;
    }
    // what readSpecFile throws, as the CLI prints a spec's own errors (unmasked: they quote the file)
    const n = errors.length;
    const expected = `error: ${file} has ${n} problem${n === 1 ? '' : 's'}:\n${errors.map(formatSpecError).join('\n')}\n`;
    if (!run.stderr.startsWith(expected)) {
      const want = expected.split('\n');
      const got = run.stderr.split('\n');
      const i = want.findIndex((line, j) => line !== got[j]);
      problems.push(`stderr differs from the located errors at line ${i + 1}: expected ${visible(want[i])}, got ${visible(got[i] ?? '(nothing)')}`);
    }
  } else if (!run.stderr.startsWith('error: ')) {
    // the cluster's one machine is down, so even a valid spec is refused, with a reason
    problems.push('stderr does not start with "error: "');
  }
  if (run.stdout !== '') problems.push(`stdout has ${visible(run.stdout.slice(0, 200))}, though no plan can be made`);
  return problems;
}

test(`${CLI_SAMPLE} of the nastiest files and the kept cases through the built CLI: exit 0 or 1, the located errors, never a stack trace`, { timeout: 10 * 60_000 }, async (t) => {
  if (!existsSync(BIN)) {
    if (inCI()) assert.fail(`${BIN} is missing: the CLI part of spec fuzzing needs \`npm run build\` first`);
    t.skip(`${BIN} is missing: run \`npm run build\` first`);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'dockplan-spec-fuzz-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // one machine that cannot be reached: nothing touches an engine, and every plan is refused
  const clusterFile = join(dir, 'cluster.yaml');
  writeFileSync(clusterFile, 'machines:\n  - name: nowhere\n    host: unix:///nonexistent.sock\n');

  const started = performance.now();
  const sampled: Sampled[] = [];
  for (const c of fc.sample(fuzzCase, { seed: SEED + 1, numRuns: 400 })) {
    const v = await checker.check(c.text, c.situation);
    // files that hang in-process are the main run's finding; here they would only time out again
    if (!v.problems.some((p) => p.rule === 'timeout' || p.rule === 'out-of-memory' || p.rule === 'slow')) sampled.push({ c, v });
  }
  const kept: Sampled[] = [];
  for (const k of KEPT_CASES) {
    const c = fuzzCaseOf(k.name, [], ['kept'], Buffer.from(k.text, 'utf8'), k.situation);
    kept.push({ c, v: await keptVerdict(k) });
  }
  const chosen = [...nastiest(sampled, CLI_SAMPLE), ...kept];
  const picked = performance.now();

  const failures: string[] = [];
  let next = 0;
  // two at a time: the machine has two cores
  const inTurn = async () => {
    while (next < chosen.length) {
      const i = next++;
      const { c, v } = chosen[i];
      const file = join(dir, `spec-${String(i).padStart(2, '0')}.yaml`);
      writeFileSync(file, c.bytes);
      const run = await runPlan(file, clusterFile);
      const problems = cliProblems(run, file, c, v);
      if (problems.length > 0) {
        failures.push(`${file} (${c.seed}; ${visible(c.steps).slice(0, 300)}): ${problems.join('; ')}\n  stderr: ${visible(run.stderr.slice(0, 600))}`);
      }
    }
  };
  await Promise.all([inTurn(), inTurn()]);
  const seconds = (from: number, to: number) => ((to - from) / 1000).toFixed(1);
  t.diagnostic(
    `${chosen.length} files through ${BIN} (${chosen.length - kept.length} picked of ${sampled.length} sampled in ${seconds(started, picked)} s, ` +
      `${kept.length} kept cases) in ${seconds(picked, performance.now())} s; ${failures.length} failed`,
  );
  assert.deepEqual(failures, []);
});
