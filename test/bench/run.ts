// `npm run bench [-- --quick] [NAME ...]`: runs every benchmark in turn, each in a process of its
// own (so that one benchmark's heap and timers never weigh on the next), in the order
// BENCHMARKS.md shows them, holding the cluster tests' lock for the whole run (so no test changes
// the cluster under a benchmark; do not wrap it in flock). NAME picks benchmarks by section id
// (planner, state-load, rollout, tui, terminal-bytes, cold-start, ssh-bench). Exits 1 when any
// benchmark fails, after running the others; 2 for a usage error.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { SECTION_ORDER, holdClusterLock, type SectionId } from './report.js';

/** Each section's benchmark file, relative to this folder. */
const FILES: Record<SectionId, string> = {
  planner: 'planner.bench.ts',
  'state-load': 'state-load.bench.ts',
  rollout: 'rollout.bench.ts',
  tui: 'tui.bench.tsx',
  'terminal-bytes': 'terminal-bytes.bench.tsx',
  'cold-start': 'cold-start.bench.ts',
  'ssh-bench': 'ssh.bench.ts',
};

const USAGE = `usage: npm run bench [-- --quick] [NAME ...]
  --quick   a short version of every benchmark; BENCHMARKS.md is left as it is (CI runs this)
  NAME      only these benchmarks: ${SECTION_ORDER.join(', ')}
Holds the cluster tests' lock (/tmp/dockplan-cluster-tests.lock) while it runs; do not wrap it in flock.`;

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  if (args.includes('--help') || args.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  const flags = args.filter((a) => a.startsWith('-'));
  const names = args.filter((a) => !a.startsWith('-'));
  const unknownFlags = flags.filter((f) => f !== '--quick');
  if (unknownFlags.length) {
    console.error(`npm run bench: unknown option ${unknownFlags.join(', ')}\n${USAGE}`);
    return 2;
  }
  const unknown = names.filter((n) => !(SECTION_ORDER as readonly string[]).includes(n));
  if (unknown.length) {
    console.error(`npm run bench: no benchmark named ${unknown.join(', ')}; the benchmarks are ${SECTION_ORDER.join(', ')}`);
    return 2;
  }
  const chosen = SECTION_ORDER.filter((id) => names.length === 0 || names.includes(id));
  await holdClusterLock();
  const failed: string[] = [];
  const started = Date.now();
  for (const id of chosen) {
    const file = fileURLToPath(new URL(FILES[id], import.meta.url));
    if (!existsSync(file)) {
      console.error(`\n=== bench ${id}: ${FILES[id]} is missing ===`);
      failed.push(id);
      continue;
    }
    console.log(`\n=== bench ${id} (${Math.round((Date.now() - started) / 1000)}s) ===`);
    const run = spawnSync(process.execPath, ['--expose-gc', '--max-old-space-size=4096', '--import', 'tsx', file, ...flags], { stdio: 'inherit' });
    if (run.status !== 0) failed.push(`${id} (exit ${run.status ?? run.signal})`);
  }
  console.log(`\n=== benchmarks done in ${Math.round((Date.now() - started) / 1000)}s${failed.length ? `; failed: ${failed.join(', ')}` : ''} ===`);
  return failed.length ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(`npm run bench: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  },
);
