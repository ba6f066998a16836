// Runs the built binary (dist/bin/dockplan.js) the way a script would: no terminal, stdin a closed
// pipe, the test cluster file unless the caller's env says otherwise.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { PROJECT_DIR, clusterFile } from '../cluster/harness.js';

export const BIN = join(PROJECT_DIR, 'dist', 'bin', 'dockplan.js');

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `dockplan ARGS` to its end; `npm run build` must have run first. */
export function dockplan(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, DOCKPLAN_CLUSTER: clusterFile(), ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.stdin.end();
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}
