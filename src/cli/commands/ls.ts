// `dockplan ls`: services and their containers on every machine that can be seen.
import type { ClusterState } from '../../model/cluster.js';
import { servicesOf } from '../../model/cluster.js';
import type { Client } from '../../execute/client.js';
import { replicaText, summarizeService } from '../../plan/service-summary.js';
import { jsonText } from '../json-output.js';
import { shortId, table } from '../table.js';

export function lsJson(state: ClusterState) {
  const machineName = new Map(state.machines.map((m) => [m.id, m.name]));
  return {
    services: servicesOf(state).map((s) => {
      const summary = summarizeService(s, state);
      return {
        id: s.id,
        ids: s.ids,
        name: s.name,
        project: summary.project ?? null,
        mode: s.mode,
        replicas: { running: summary.running, desired: summary.desired },
        health: summary.health,
        image: summary.image || null,
        containers: s.containers.map((c) => ({
          id: c.id, name: c.name, machine: { id: c.machineId, name: machineName.get(c.machineId) ?? c.machineId },
          state: c.state, health: c.health, image: c.image,
        })),
      };
    }),
    unreachable: state.machines.filter((m) => m.status === 'down').map((m) => ({ machine: { id: m.id, name: m.name }, reason: m.downReason ?? 'unreachable' })),
  };
}

export async function lsCommand(client: Client, opts: { json?: boolean }): Promise<number> {
  const state = await client.loadState();
  const data = lsJson(state);
  if (opts.json) {
    process.stdout.write(`${jsonText(data, 2)}\n`);
    return state.machines.every((m) => m.status === 'down') ? 1 : 0;
  }
  const out: string[] = [];
  const anyDown = data.unreachable.length > 0;
  if (data.services.length === 0) out.push(anyDown ? 'no services on the machines that are up' : 'no services deployed by dockplan');
  for (const s of data.services) {
    out.push(`${s.name}  ${s.mode}  ${replicaText(s.replicas)} running  ${s.health}  ${s.image ?? ''}${s.project ? `  (project ${s.project})` : ''}`);
    if (s.ids.length > 1) out.push(`  warning: ${s.ids.length} service ids carry the name ${s.name} (${s.ids.map((i) => i.slice(0, 12)).join(', ')}): deploys that could not see each other; plan, scale and rm treat them as one service`);
    const rows = [...s.containers]
      .sort((a, b) => a.machine.name.localeCompare(b.machine.name) || a.name.localeCompare(b.name))
      .map((c) => [c.machine.name, c.name, shortId(c.id), c.state, c.health, c.image]);
    out.push(table(['MACHINE', 'CONTAINER', 'ID', 'STATE', 'HEALTH', 'IMAGE'], rows, '  '));
  }
  for (const u of data.unreachable) out.push(`${u.machine.name} is down (${u.reason}): its containers cannot be seen`);
  process.stdout.write(`${out.join('\n')}\n`);
  return state.machines.every((m) => m.status === 'down') ? 1 : 0;
}
