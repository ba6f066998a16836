// Which services of a project are deployed and in what order: profiles
// (https://docs.docker.com/reference/compose-file/profiles/), the SERVICE arguments with what they
// depend on, and depends_on order (a dependency before its dependents, ties in file order).
import { closest } from '../model/did-you-mean.js';
import { childField, type At, type ComposeReader } from './node-reader.js';
import type { ComposeSource, MapNode } from './tree.js';

/** A service as the project sees it before conversion. */
export interface ServiceEntry {
  key: string;
  at: At;
  source: ComposeSource;
  profiles: string[];
  dependsOn: Dependency[];
}

export interface Dependency {
  key: string;
  /** compose's `required: false`: a missing or disabled dependency is then skipped. */
  required: boolean;
  condition: string;
  at: At;
}

const DEPENDS_KEYS = ['condition', 'restart', 'required'] as const;
const CONDITIONS = ['service_started', 'service_healthy', 'service_completed_successfully'] as const;

/** Reads profiles and depends_on of a service mapping. */
export function readServiceEntry(r: ComposeReader, key: string, at: At, keySource: ComposeSource): ServiceEntry {
  const entry: ServiceEntry = { key, at, source: keySource, profiles: [], dependsOn: [] };
  if (at.node.kind !== 'map') return entry;
  const get = (k: string): At | undefined => {
    const e = (at.node as MapNode).entries.find((x) => x.key === k);
    return e ? { node: e.value, field: childField(at.field, k) } : undefined;
  };
  const profilesAt = get('profiles');
  if (profilesAt) entry.profiles = r.stringList(profilesAt, 'a list of profile names') ?? [];
  const dependsAt = get('depends_on');
  if (dependsAt) entry.dependsOn = readDependsOn(r, dependsAt);
  return entry;
}

function readDependsOn(r: ComposeReader, at: At): Dependency[] {
  if (at.node.kind === 'seq') {
    return (r.items(at) ?? []).flatMap((item) => {
      const key = r.word(item, 'a service name');
      return key === undefined ? [] : [{ key, required: true, condition: 'service_started', at: item }];
    });
  }
  const map = r.map(at, 'a list of service names or a mapping of service names to {condition}');
  if (!map) return [];
  const out: Dependency[] = [];
  for (const e of map.entries) {
    const item: At = { node: e.value, field: childField(at.field, e.key) };
    const dep: Dependency = { key: e.key, required: true, condition: 'service_started', at: item };
    if (!(e.value.kind === 'scalar' && e.value.value === null)) {
      const f = r.fields(item, DEPENDS_KEYS);
      const condAt = f?.get('condition');
      const condition = condAt ? r.oneOf(condAt, CONDITIONS) : undefined;
      if (condition) dep.condition = condition;
      const reqAt = f?.get('required');
      if (reqAt) dep.required = r.boolean(reqAt) ?? true;
      const restartAt = f?.get('restart');
      if (restartAt) r.warn(restartAt, 'restart is not applied: dockplan does not restart dependents when a dependency is replaced');
      if (condAt && condition && condition !== 'service_started') {
        r.warn(condAt, `${condition} is not waited for: dockplan deploys ${e.key} first, but does not wait for it to be ${condition === 'service_healthy' ? 'healthy' : 'finished'} beyond its own health gate`);
      }
    }
    out.push(dep);
  }
  return out;
}

/**
 * The services to deploy, dependencies first. `targets` (SERVICE arguments, may be empty for all)
 * are taken with every service they depend on; their profiles are enabled, as compose does.
 * Unknown targets, dependencies that do not exist or are not enabled, and cycles are errors.
 */
export function orderServices(r: ComposeReader, all: ServiceEntry[], profiles: readonly string[], targets: readonly string[], servicesAt: At): ServiceEntry[] {
  const byKey = new Map(all.map((s) => [s.key, s]));
  const unknown = targets.filter((t) => !byKey.has(t));
  if (unknown.length > 0) {
    const keys = all.map((s) => s.key);
    const meant = unknown.length === 1 ? closest(unknown[0]!, keys) : undefined;
    const hint = meant !== undefined ? `; did you mean "${meant}"?` : `; its services are ${keys.join(', ') || '(none)'}`;
    r.error(servicesAt, `no service ${unknown.map((u) => JSON.stringify(u)).join(', ')} in this project${hint}`);
    return [];
  }
  const active = new Set(profiles);
  for (const t of targets) for (const p of byKey.get(t)!.profiles) active.add(p);
  const enabled = (s: ServiceEntry): boolean => s.profiles.length === 0 || active.has('*') || s.profiles.some((p) => active.has(p));
  // the services taken: targets (or every enabled service) and what they depend on
  const chosen = new Set<string>();
  const todo = targets.length > 0 ? [...targets] : all.filter(enabled).map((s) => s.key);
  while (todo.length > 0) {
    const key = todo.shift()!;
    if (chosen.has(key)) continue;
    chosen.add(key);
    const s = byKey.get(key)!;
    for (const d of s.dependsOn) {
      const dep = byKey.get(d.key);
      if (!dep || !enabled(dep)) {
        const why = !dep
          ? `depends on "${d.key}", which is not a service of this project`
          : `depends on "${d.key}", which no active profile enables (its profiles: ${dep.profiles.join(', ')}); enable one of them`;
        if (d.required) r.error(d.at, why);
        else r.warn(d.at, `${why}; skipped (required: false)`);
        continue;
      }
      todo.push(d.key);
    }
  }
  return topological(r, all.filter((s) => chosen.has(s.key)), chosen);
}

/** Dependencies before dependents, ties in file order; a cycle is an error naming it. */
function topological(r: ComposeReader, services: ServiceEntry[], chosen: ReadonlySet<string>): ServiceEntry[] {
  const placed = new Set<string>();
  const out: ServiceEntry[] = [];
  const deps = (s: ServiceEntry): string[] => s.dependsOn.map((d) => d.key).filter((k) => chosen.has(k));
  while (out.length < services.length) {
    const next = services.find((s) => !placed.has(s.key) && deps(s).every((d) => placed.has(d)));
    if (!next) {
      const cycle = findCycle(services.filter((s) => !placed.has(s.key)), deps);
      const first = services.find((s) => s.key === cycle[0])!;
      const edge = first.dependsOn.find((d) => d.key === cycle[1]);
      r.error(edge?.at ?? first.at, `depends_on makes a cycle: ${cycle.join(' -> ')}; one of them must not depend on the other`);
      return [];
    }
    placed.add(next.key);
    out.push(next);
  }
  return out;
}

/** One cycle among `rest` (which holds one), as keys from a service back to itself. */
function findCycle(rest: ServiceEntry[], deps: (s: ServiceEntry) => string[]): string[] {
  const byKey = new Map(rest.map((s) => [s.key, s]));
  let s = rest[0]!;
  const path: string[] = [];
  while (!path.includes(s.key)) {
    path.push(s.key);
    s = byKey.get(deps(s).find((d) => byKey.has(d))!)!;
  }
  return [...path.slice(path.indexOf(s.key)), s.key];
}
