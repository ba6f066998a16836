// What the inspect pane shows of one container: the facts an on-call engineer looks for first.
// Secrets a command line or a healthcheck may quote are masked (unless --show-secrets).
import type { ContainerState } from '../model/cluster.js';
import { formatPort } from '../model/ports.js';
import { formatDuration, formatSize } from '../model/units.js';
import { maskText } from '../plan/secrets.js';

/** The pane's lines for container `c` on `machineName`; `password=...` pairs, URL passwords and hashes masked unless `showSecrets`. */
export function inspectLines(c: ContainerState, machineName: string, showSecrets = false): string[] {
  const spec = c.service?.spec;
  const lines = [
    `id:        ${c.id}`,
    `machine:   ${machineName}`,
    `image:     ${c.image}`,
    `state:     ${c.state}${c.exitCode !== undefined ? ` (exit code ${c.exitCode})` : ''}${c.restartCount ? `, restarted ${c.restartCount}x` : ''}`,
    `health:    ${c.health}`,
    `started:   ${c.startedAt ?? '-'}`,
    `ports:     ${c.hostPorts.map((p) => `${p.host_ip}:${p.published}/${p.protocol}`).join(', ') || '-'}`,
  ];
  const r = c.resources ?? {};
  const limits = [
    r.cpu !== undefined ? `cpu ${r.cpu}` : '',
    r.memory !== undefined ? `memory ${formatSize(r.memory)}` : '',
    r.memory_reservation !== undefined ? `reservation ${formatSize(r.memory_reservation)}` : '',
  ].filter(Boolean);
  lines.push(`limits:    ${limits.join(', ') || 'none'}`);
  if (c.service) lines.push(`service:   ${c.service.name} (${c.service.mode}, id ${c.service.id.slice(0, 12)}, spec ${c.service.specHash ?? '-'})`);
  if (spec) {
    if (spec.command?.length) lines.push(`command:   ${JSON.stringify(spec.command)}`);
    if (spec.ports?.length) lines.push(`spec ports: ${spec.ports.map(formatPort).join(', ')}`);
    if (spec.healthcheck?.test) lines.push(`healthcheck: ${spec.healthcheck.test.join(' ')} every ${formatDuration(spec.healthcheck.interval ?? 30_000)}`);
    for (const m of spec.mounts ?? []) lines.push(`mount:     ${m.volume} -> ${m.path}${m.read_only ? ' (read-only)' : ''}`);
  }
  return showSecrets ? lines : lines.map((line) => maskText(line));
}
