// How many replicas, where, with what limits and how they roll out: compose's `deploy`
// (https://docs.docker.com/reference/compose-file/deploy/), `scale`, the service-level limits
// (`cpus`, `mem_limit`, `mem_reservation`, `shm_size`) and dockplan's own `x-machines`.
//   deploy.mode replicated|global -> mode; deploy.replicas or scale -> replicas
//   deploy.resources.limits.{cpus,memory} -> resources.{cpu,memory}; reservations.memory -> memory_reservation
//   deploy.update_config -> update (parallelism, delay, order, monitor, failure_action, max_failure_ratio)
//   deploy.placement.constraints `node.hostname == X` -> placement.machines; x-machines: [m1] too
// What dockplan cannot do (restart_policy, rollback_config, labels, reservations.cpus, pids, other
// constraints, preferences) is a warning at its line.
import type { At, ComposeReader } from './node-reader.js';
import type { SpecDraft, SpecValue } from './spec-draft.js';

const DEPLOY_KEYS = ['mode', 'replicas', 'labels', 'endpoint_mode', 'resources', 'restart_policy', 'placement', 'update_config', 'rollback_config'] as const;
const UPDATE_KEYS = ['parallelism', 'delay', 'failure_action', 'monitor', 'max_failure_ratio', 'order'] as const;
const PLACEMENT_KEYS = ['constraints', 'preferences', 'max_replicas_per_node'] as const;
const RESOURCES_KEYS = ['limits', 'reservations'] as const;
const LIMIT_KEYS = ['cpus', 'memory', 'pids', 'devices', 'generic_resources'] as const;

/** The service's keys that this module reads. */
export interface DeployKeys {
  deploy?: At;
  scale?: At;
  cpus?: At;
  mem_limit?: At;
  mem_reservation?: At;
  shm_size?: At;
  machines?: At;
}

/** Writes mode, replicas, placement, resources and update into the draft; false when a problem stops it. */
export function convertDeploy(r: ComposeReader, keys: DeployKeys, draft: SpecDraft): boolean {
  const before = r.problems.errors.length;
  const f = keys.deploy ? r.fields(keys.deploy, DEPLOY_KEYS) : new Map<string, At>();
  const deploy = f ?? new Map<string, At>();
  const modeAt = deploy.get('mode');
  const mode = modeAt ? r.oneOf(modeAt, ['replicated', 'global', 'replicated-job', 'global-job'] as const) : undefined;
  if (modeAt && (mode === 'replicated-job' || mode === 'global-job')) {
    r.error(modeAt, `${mode} runs a task to completion; dockplan keeps services running: use replicated or global`);
  } else if (modeAt && mode) draft.set('mode', mode, modeAt);
  readReplicas(r, deploy.get('replicas'), keys.scale, mode, draft);
  for (const key of ['labels', 'endpoint_mode', 'restart_policy', 'rollback_config'] as const) {
    const at = deploy.get(key);
    if (at) r.warn(at, NOT_APPLIED[key]);
  }
  const resources: Record<string, SpecValue> = {};
  readResources(r, deploy.get('resources'), keys, resources, draft);
  if (Object.keys(resources).length > 0) draft.set('resources', resources, keys.deploy ?? keys.shm_size ?? keys.cpus ?? keys.mem_limit ?? keys.mem_reservation ?? draft.service);
  readPlacement(r, deploy.get('placement'), keys.machines, draft);
  readUpdate(r, deploy.get('update_config'), draft);
  return r.problems.errors.length === before;
}

const NOT_APPLIED: Record<string, string> = {
  labels: 'deploy.labels are not applied: dockplan labels its containers itself',
  endpoint_mode: "endpoint_mode is not applied: there is no Swarm virtual IP; other services reach a replica by its container's address",
  restart_policy: 'restart_policy is not applied: dockplan runs every container with restart unless-stopped, and replaces a failing one only when you deploy',
  rollback_config: "rollback_config is not applied: a rollback restores the old containers as they were (see the spec's update settings)",
};

function readReplicas(r: ComposeReader, replicasAt: At | undefined, scaleAt: At | undefined, mode: string | undefined, draft: SpecDraft): void {
  const replicas = replicasAt ? r.integer(replicasAt, 0) : undefined;
  const scale = scaleAt ? r.integer(scaleAt, 0) : undefined;
  if (replicas !== undefined && scale !== undefined && replicas !== scale) {
    r.error(scaleAt!, `scale ${scale} and deploy.replicas ${replicas} disagree; keep one of them`);
    return;
  }
  const at = replicasAt ?? scaleAt;
  const n = replicas ?? scale;
  if (at === undefined || n === undefined) return;
  if (mode === 'global') {
    r.warn(at, 'a global service runs one replica per machine: the replica count is not used');
    return;
  }
  draft.set('replicas', n, at);
}

function readResources(r: ComposeReader, at: At | undefined, keys: DeployKeys, out: Record<string, SpecValue>, draft: SpecDraft): void {
  const f = at ? r.fields(at, RESOURCES_KEYS) : undefined;
  const limits = f?.get('limits') ? r.fields(f.get('limits')!, LIMIT_KEYS) : undefined;
  const reservations = f?.get('reservations') ? r.fields(f.get('reservations')!, LIMIT_KEYS) : undefined;
  const pick = (key: string, deployAt: At | undefined, serviceAt: At | undefined): void => {
    const a = deployAt ? r.string(deployAt, 'a number or a size') : undefined;
    const b = serviceAt ? r.string(serviceAt, 'a number or a size') : undefined;
    if (deployAt && serviceAt && a !== undefined && b !== undefined && a !== b) {
      r.error(serviceAt, `${serviceAt.field} ${b} and ${deployAt.field} ${a} disagree; keep one of them`);
      return;
    }
    const from = deployAt ?? serviceAt;
    const value = a ?? b;
    if (!from || value === undefined) return;
    out[key] = from.node.kind === 'scalar' && typeof from.node.value === 'number' ? from.node.value : value;
    draft.from(`resources.${key}`, from);
  };
  pick('cpu', limits?.get('cpus'), keys.cpus);
  pick('memory', limits?.get('memory'), keys.mem_limit);
  pick('memory_reservation', reservations?.get('memory'), keys.mem_reservation);
  pick('shm_size', undefined, keys.shm_size);
  // cpu is a number in a spec; compose writes "0.5" as often as 0.5
  if (typeof out.cpu === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(out.cpu)) out.cpu = Number(out.cpu);
  const pidsAt = limits?.get('pids');
  if (pidsAt) r.warn(pidsAt, 'a pids limit is not applied: dockplan sets cpu and memory limits');
  const cpuRes = reservations?.get('cpus');
  if (cpuRes) r.warn(cpuRes, 'a cpu reservation is not applied: Docker reserves cpu only in Swarm; dockplan sets a cpu limit (limits.cpus)');
  for (const [key, v] of [...(limits ?? []), ...(reservations ?? [])]) {
    if (key === 'devices' || key === 'generic_resources') r.warn(v, `${key} are not applied: dockplan does not hand out GPUs or other devices by reservation; use devices: for a device path`);
  }
}

const HOSTNAME_CONSTRAINT = /^\s*node\.hostname\s*(==|!=)\s*(\S+)\s*$/;

function readPlacement(r: ComposeReader, at: At | undefined, machinesAt: At | undefined, draft: SpecDraft): void {
  const f = at ? r.fields(at, PLACEMENT_KEYS) : undefined;
  const machines: string[] = [];
  let from: At | undefined;
  const constraintsAt = f?.get('constraints');
  for (const item of constraintsAt ? (r.items(constraintsAt, 'a list of constraints like "node.hostname == m1"') ?? []) : []) {
    const text = r.string(item, 'a constraint like "node.hostname == m1"');
    if (text === undefined) continue;
    const m = HOSTNAME_CONSTRAINT.exec(text);
    if (m && m[1] === '==') {
      if (machines.length > 0 && !machines.includes(m[2]!)) {
        r.error(item, `constraints must all hold: no machine is both ${machines[0]} and ${m[2]}; to allow several machines write x-machines: [${machines[0]}, ${m[2]}]`);
        continue;
      }
      if (!machines.includes(m[2]!)) machines.push(m[2]!);
      from = item;
    } else {
      r.warn(item, `the constraint ${JSON.stringify(text)} is not applied: dockplan places by machine name only (node.hostname == NAME, or x-machines: [NAME, ...])`);
    }
  }
  for (const key of ['preferences', 'max_replicas_per_node'] as const) {
    const v = f?.get(key);
    if (v) r.warn(v, `placement.${key} is not applied: dockplan spreads replicas over the eligible machines itself`);
  }
  if (machinesAt) {
    if (from) {
      r.error(machinesAt, 'x-machines and a node.hostname constraint both say where to run; keep one of them');
      return;
    }
    const list = machinesAt.node.kind === 'scalar' ? r.stringOrList(machinesAt, 'a list of machine names') : r.stringList(machinesAt, 'a list of machine names');
    if (list === undefined) return;
    machines.push(...list);
    from = machinesAt;
  }
  if (from) {
    draft.set('placement', { machines }, from);
    if (from === machinesAt && machinesAt.node.kind === 'seq') machinesAt.node.items.forEach((item, i) => draft.from(`placement.machines[${i}]`, { node: item, field: `${machinesAt.field}[${i}]` }));
  }
}

function readUpdate(r: ComposeReader, at: At | undefined, draft: SpecDraft): void {
  if (!at) return;
  const f = r.fields(at, UPDATE_KEYS);
  if (!f) return;
  const update: Record<string, SpecValue> = {};
  for (const [key, v] of f) {
    draft.from(`update.${key}`, v);
    if (key === 'parallelism') {
      const n = r.integer(v, 0);
      if (n === 0) {
        const replicas = draft.keys.replicas;
        if (typeof replicas === 'number' && replicas > 0) {
          update.parallelism = replicas;
          r.warn(v, `parallelism 0 (all at once) is written as ${replicas}, the replica count`);
        } else r.warn(v, 'parallelism 0 (all at once) needs a replica count to become one; dockplan updates one at a time');
      } else if (n !== undefined) update.parallelism = n;
    } else if (key === 'max_failure_ratio') {
      const n = r.number(v, 'a fraction from 0 to 1, like 0.25');
      if (n !== undefined) update.max_failure_ratio = n;
    } else if (key === 'order' || key === 'failure_action') {
      const s = r.string(v);
      if (s !== undefined) update[key] = s;
    } else {
      // delay, monitor: durations, read by the spec parser
      const s = v.node.kind === 'scalar' && typeof v.node.value === 'number' ? v.node.value : r.string(v, 'a duration like 10s');
      if (s !== undefined) update[key] = s;
    }
  }
  draft.set('update', update, at);
}

