// Settings that hand a container power over its machine, and the removal of a whole service: a
// plan names them as risks, and the faces ask for more than a yes before running it. Pure.
import type { ServiceSpec } from '../model/spec.js';

/** One risky thing a plan does: which setting (or `service`), and why it is risky, in words. */
export interface Risk {
  /** `privileged`, `cap_add`, `devices`, `volumes.<name>`, or `service` for a removal. */
  setting: string;
  why: string;
}

/**
 * Capabilities that amount to control of the machine (capabilities(7)): mounting, loading kernel
 * modules, raw I/O, tracing other processes, reading any file, and Docker's ALL.
 */
const MACHINE_CAPABILITIES = ['ALL', 'SYS_ADMIN', 'SYS_MODULE', 'SYS_RAWIO', 'SYS_PTRACE', 'SYS_BOOT', 'DAC_READ_SEARCH', 'BPF', 'PERFMON', 'MAC_ADMIN', 'NET_ADMIN'];

/** Host paths whose bind mount gives a container the machine: its root, or its Docker engine. */
const MACHINE_PATHS = ['/', '/var/run/docker.sock', '/run/docker.sock', '/var/lib/docker', '/proc', '/sys', '/dev', '/etc', '/boot'];

function normalPath(path: string): string {
  const trimmed = path.replace(/\/+$/, '');
  return trimmed === '' ? '/' : trimmed;
}

/** The risky settings of a spec, in the spec file's order. */
export function specRisks(spec: ServiceSpec): Risk[] {
  const risks: Risk[] = [];
  if (spec.privileged) risks.push({ setting: 'privileged', why: 'a privileged container has every capability and every device of its machine' });
  const caps = (spec.cap_add ?? []).filter((c) => MACHINE_CAPABILITIES.includes(c));
  if (caps.length > 0) risks.push({ setting: 'cap_add', why: `${caps.join(', ')} ${caps.length === 1 ? 'gives' : 'give'} the container control over its machine` });
  const mounted = new Set((spec.mounts ?? []).map((m) => m.volume));
  for (const v of spec.volumes ?? []) {
    if (v.type !== 'bind' || !v.source || !mounted.has(v.name)) continue;
    const path = normalPath(v.source);
    if (MACHINE_PATHS.includes(path)) {
      const what = path.endsWith('docker.sock') ? 'the Docker engine of its machine (full control of it)' : `the machine's ${path}`;
      risks.push({ setting: `volumes.${v.name}`, why: `bind-mounts ${path}: the container reaches ${what}` });
    }
  }
  if ((spec.devices ?? []).length > 0) {
    risks.push({ setting: 'devices', why: `gives the container the machine's ${spec.devices!.map((d) => d.host_path).join(', ')}` });
  }
  return risks;
}

/** The risk of removing a whole service. */
export function removalRisk(serviceName: string, containers: number): Risk {
  return { setting: 'service', why: `removes service ${serviceName} and its ${containers} container${containers === 1 ? '' : 's'} (named volumes stay)` };
}
