// Writes a normalised ServiceSpec back as a spec file, for editing in $EDITOR:
// parseSpec(specToYaml(spec)) gives back an equal spec. Durations and sizes are written in units
// (`2s`, `64M`), ports in their string syntax, commands and healthcheck tests as flow lists.
import { Document, isMap, isSeq, type Node } from 'yaml';
import { formatPort } from './ports.js';
import type { DeviceSpec, ServiceSpec, UlimitSpec, VolumeSpec } from './spec.js';
import { formatDuration, formatSize } from './units.js';

type Plain = string | number | boolean | Plain[] | { [key: string]: Plain };

/** Keys whose lists read best on one line: `command: [sh, -c, "..."]`. */
const FLOW_LISTS = new Set(['command', 'entrypoint', 'test', 'cap_add', 'cap_drop', 'machines', 'secret_env']);

export function specToYaml(spec: ServiceSpec): string {
  const doc = new Document(specToPlain(spec));
  flowStyle(doc.contents as Node | null);
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false });
}

function flowStyle(node: Node | null): void {
  if (isMap(node)) {
    for (const pair of node.items) {
      const key = String((pair.key as { value?: unknown } | null)?.value ?? '');
      const value = pair.value as Node | null;
      if (isSeq(value) && FLOW_LISTS.has(key)) value.flow = true;
      else flowStyle(value);
    }
  } else if (isSeq(node)) {
    for (const item of node.items) flowStyle(item as Node | null);
  }
}

/** The spec as the plain values a spec file holds, keys in the file's usual order. */
export function specToPlain(spec: ServiceSpec): Record<string, Plain> {
  const out: Record<string, Plain> = {};
  const put = (key: string, value: Plain | undefined): void => {
    if (value !== undefined) out[key] = value;
  };
  put('name', spec.name);
  put('image', spec.image);
  put('mode', spec.mode);
  put('replicas', spec.replicas);
  if (spec.placement) put('placement', spec.placement.machines ? { machines: [...spec.placement.machines] } : {});
  put('command', spec.command && [...spec.command]);
  put('entrypoint', spec.entrypoint && [...spec.entrypoint]);
  put('env', spec.env && { ...spec.env });
  put('secret_env', spec.secret_env && [...spec.secret_env]);
  put('ports', spec.ports?.map(formatPort));
  put('volumes', spec.volumes?.map(volumeToPlain));
  put('mounts', spec.mounts?.map((m) => (m.read_only === undefined ? { volume: m.volume, path: m.path } : { ...m })));
  if (spec.healthcheck) {
    const h = spec.healthcheck;
    put('healthcheck', compact({
      test: h.test && [...h.test],
      interval: ms(h.interval),
      timeout: ms(h.timeout),
      retries: h.retries,
      start_period: ms(h.start_period),
      disable: h.disable,
    }));
  }
  put('init', spec.init);
  put('privileged', spec.privileged);
  put('user', spec.user);
  put('pull_policy', spec.pull_policy);
  if (spec.resources) {
    const r = spec.resources;
    put('resources', compact({ cpu: r.cpu, memory: bytes(r.memory), memory_reservation: bytes(r.memory_reservation), shm_size: bytes(r.shm_size) }));
  }
  put('cap_add', spec.cap_add && [...spec.cap_add]);
  put('cap_drop', spec.cap_drop && [...spec.cap_drop]);
  put('sysctls', spec.sysctls && { ...spec.sysctls });
  put('ulimits', spec.ulimits && ulimitsToPlain(spec.ulimits));
  put('devices', spec.devices?.map(deviceToPlain));
  if (spec.logging) put('logging', compact({ driver: spec.logging.driver, options: spec.logging.options && { ...spec.logging.options } }));
  put('stop_grace_period', ms(spec.stop_grace_period));
  if (spec.update) {
    const u = spec.update;
    put('update', compact({
      order: u.order, monitor: ms(u.monitor), parallelism: u.parallelism, delay: ms(u.delay),
      failure_action: u.failure_action, max_failure_ratio: u.max_failure_ratio,
    }));
  }
  return out;
}

function ms(v: number | undefined): string | undefined {
  return v === undefined ? undefined : formatDuration(v);
}

function bytes(v: number | undefined): string | undefined {
  return v === undefined ? undefined : formatSize(v);
}

function compact(o: Record<string, Plain | undefined>): Record<string, Plain> {
  const out: Record<string, Plain> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out;
}

function volumeToPlain(v: VolumeSpec): Record<string, Plain> {
  return compact({
    name: v.name,
    type: v.type === 'volume' ? undefined : v.type,
    source: v.source,
    size: bytes(v.size),
    // a string of octal digits: a bare 1777 would also read back as octal, but quoting says so
    mode: v.mode === undefined ? undefined : v.mode.toString(8).padStart(4, '0'),
    driver: v.driver,
    driver_opts: v.driver_opts && { ...v.driver_opts },
    labels: v.labels && { ...v.labels },
  });
}

function ulimitsToPlain(ulimits: Record<string, UlimitSpec>): Record<string, Plain> {
  const out: Record<string, Plain> = {};
  for (const [name, { soft, hard }] of Object.entries(ulimits)) out[name] = soft === hard ? soft : { soft, hard };
  return out;
}

function deviceToPlain(d: DeviceSpec): Plain {
  if ([d.host_path, d.container_path, d.permissions].some((s) => s.includes(':'))) return { ...d };
  if (d.permissions === 'rwm') return d.container_path === d.host_path ? d.host_path : `${d.host_path}:${d.container_path}`;
  return `${d.host_path}:${d.container_path}:${d.permissions}`;
}
