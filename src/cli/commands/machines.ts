// `dockplan machines`: every machine of the cluster, up or down, probed concurrently.
import type { Client } from '../../execute/client.js';
import { jsonText } from '../json-output.js';
import { table } from '../table.js';

export async function machinesCommand(client: Client, opts: { json?: boolean }): Promise<number> {
  const machines = await client.listMachines();
  if (opts.json) {
    const rows = machines.map((m) => ({
      name: m.name, id: m.id, engineId: m.engineId ?? null, host: m.host, status: m.status, reason: m.downReason ?? null,
      engineVersion: m.engineVersion ?? null, containers: m.containerCount ?? null,
    }));
    process.stdout.write(`${jsonText(rows, 2)}\n`);
    return 0;
  }
  const rows = machines.map((m) => [
    m.name, m.engineId ?? '-', m.host,
    m.status === 'up' ? 'up' : `down: ${m.downReason ?? 'unreachable'}`,
    m.engineVersion ?? '-', m.containerCount === undefined ? '-' : String(m.containerCount),
  ]);
  process.stdout.write(`${table(['NAME', 'ENGINE ID', 'HOST', 'STATUS', 'ENGINE', 'CONTAINERS'], rows)}\n`);
  return 0;
}
