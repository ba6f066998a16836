// Entry of the interactive view. Until the full-screen view lands it shows the cluster once.
import { runCli } from '../cli/main.js';

export async function runTui(clusterFile: string | undefined): Promise<number> {
  const args = clusterFile ? ['--cluster', clusterFile] : [];
  const machines = await runCli([...args, 'machines']);
  if (machines !== 0) return machines;
  process.stdout.write('\n');
  return runCli([...args, 'ls']);
}
