// Several compose files (`-f a.yaml -f b.yaml`) merged into one tree, as compose merges them
// (https://docs.docker.com/reference/compose-file/merge/): mappings by key, later values winning;
// sequences appended; command, entrypoint and healthcheck.test replaced; ports and volumes merged
// by their unique key (a later entry for the same target replaces the earlier one); environment,
// labels and the other `list_or_dict` keys merged by name whichever form each file uses;
// `!reset` removes what earlier files set, `!override` replaces it outright. Values keep the place
// they were written, so a problem still points at the file that set the value.
import { parsePortKey } from './convert-ports.js';
import { volumeTarget } from './convert-volumes.js';
import type { ComposeNode, MapEntry, MapNode, ScalarNode, SeqNode } from './tree.js';

/** Keys (by their path below a service, `*` for any name) whose sequences are replaced, not appended. */
const REPLACED = new Set(['command', 'entrypoint', 'healthcheck.test']);

/** `list_or_dict` keys: a list of KEY=VALUE and a mapping are one thing, merged by name. */
const KEY_VALUE = new Set(['environment', 'labels', 'sysctls', 'annotations', 'extra_hosts', 'deploy.labels', 'build.args', 'logging.options']);

/** `string_or_list` keys: a single string is a list of one. */
const STRING_OR_LIST = new Set(['env_file', 'dns', 'dns_search', 'tmpfs', 'profiles', 'cap_add', 'cap_drop', 'devices', 'expose', 'links', 'external_links']);

/** Sequences whose items replace an earlier item with the same unique key. */
const UNIQUE_BY: Record<string, (item: ComposeNode) => string | undefined> = {
  ports: parsePortKey,
  volumes: volumeTarget,
  secrets: (item) => targetOf(item),
  configs: (item) => targetOf(item),
};

/**
 * Merges `over` into `base` (both whole compose files), returning a new tree; `base` and `over`
 * are not changed. Where `over` holds something of another kind than `base` (a list where a
 * mapping was), `over` wins.
 */
export function mergeComposeFiles(base: ComposeNode, over: ComposeNode): ComposeNode {
  return mergeAt(base, over, []);
}

/** `path` is where the values sit: `['services', 'web', 'ports']`. */
function mergeAt(base: ComposeNode | undefined, over: ComposeNode, path: string[]): ComposeNode {
  if (over.tag === '!override' || base === undefined || base.tag === '!reset') return untag(over);
  const rel = servicePath(path);
  if (rel !== undefined && KEY_VALUE.has(rel)) return mergeKeyValues(base, over);
  if (rel !== undefined && REPLACED.has(rel)) return over;
  if (base.kind === 'map' && over.kind === 'map') return mergeMaps(base, over, path);
  if (rel === 'depends_on' && (base.kind === 'map' || over.kind === 'map')) return mergeMaps(asMap(base), asMap(over), path);
  const listy = rel !== undefined && STRING_OR_LIST.has(rel);
  const b = listy && base.kind === 'scalar' ? asSeq(base) : base;
  const o = listy && over.kind === 'scalar' ? asSeq(over) : over;
  if (b.kind === 'seq' && o.kind === 'seq') return mergeSeqs(b, o, rel);
  return over;
}

/** The path below a service (`ports`, `deploy.labels`), or undefined outside `services.NAME`. */
function servicePath(path: string[]): string | undefined {
  return path[0] === 'services' && path.length > 2 ? path.slice(2).join('.') : undefined;
}

function mergeMaps(base: MapNode, over: MapNode, path: string[]): MapNode {
  const entries: MapEntry[] = base.entries.map((e) => ({ ...e }));
  for (const e of over.entries) {
    const i = entries.findIndex((b) => b.key === e.key);
    if (e.value.tag === '!reset') {
      if (i >= 0) entries.splice(i, 1);
      continue;
    }
    if (i < 0) entries.push({ ...e, value: untag(e.value) });
    else entries[i] = { key: e.key, keySource: e.keySource, value: mergeAt(entries[i]!.value, e.value, [...path, e.key]) };
  }
  return { kind: 'map', entries, source: base.source };
}

function mergeSeqs(base: SeqNode, over: SeqNode, rel: string | undefined): SeqNode {
  const keyOf = rel !== undefined && Object.hasOwn(UNIQUE_BY, rel) ? UNIQUE_BY[rel] : undefined;
  const items = [...base.items];
  for (const item of over.items) {
    const key = keyOf ? keyOf(item) : item.kind === 'scalar' ? `=${item.text}` : undefined;
    const i = key === undefined ? -1 : items.findIndex((b) => (keyOf ? keyOf(b) : b.kind === 'scalar' ? `=${b.text}` : undefined) === key);
    if (i >= 0) items[i] = keyOf && items[i]!.kind === 'map' && item.kind === 'map' ? mergeMaps(items[i] as MapNode, item, []) : item;
    else items.push(item);
  }
  return { kind: 'seq', items, source: base.source };
}

/** Environment-like values merged by name: the later file's value wins, the order is first set. */
function mergeKeyValues(base: ComposeNode, over: ComposeNode): ComposeNode {
  const b = asMap(base, true);
  const o = asMap(over, true);
  const entries: MapEntry[] = b.entries.map((e) => ({ ...e }));
  for (const e of o.entries) {
    const i = entries.findIndex((x) => x.key === e.key);
    if (e.value.tag === '!reset') {
      if (i >= 0) entries.splice(i, 1);
    } else if (i >= 0) entries[i] = e;
    else entries.push(e);
  }
  return { kind: 'map', entries, source: over.source };
}

/**
 * A list as a mapping: `KEY=VALUE` items (when `keyValue`) become KEY: VALUE, `KEY` alone KEY with
 * no value; other items (`depends_on: [db]`) become keys with an empty mapping. A mapping as is.
 */
function asMap(node: ComposeNode, keyValue = false): MapNode {
  if (node.kind === 'map') return node;
  const items = node.kind === 'seq' ? node.items : [node];
  const entries: MapEntry[] = [];
  for (const item of items) {
    if (item.kind !== 'scalar' || item.value === null) continue;
    const text = item.text;
    const eq = keyValue ? text.indexOf('=') : -1;
    const key = eq < 0 ? text : text.slice(0, eq);
    const value: ComposeNode = eq >= 0
      ? { kind: 'scalar', value: text.slice(eq + 1), text: text.slice(eq + 1), source: item.source }
      : keyValue
        ? { kind: 'scalar', value: null, text: '', source: item.source }
        : { kind: 'map', entries: [], source: item.source };
    const at = entries.findIndex((e) => e.key === key);
    if (at >= 0) entries.splice(at, 1);
    entries.push({ key, keySource: item.source, value });
  }
  return { kind: 'map', entries, source: node.source };
}

function asSeq(node: ScalarNode): SeqNode {
  return { kind: 'seq', items: [node], source: node.source };
}

function untag(node: ComposeNode): ComposeNode {
  if (node.tag === undefined) return node;
  const { tag: _tag, ...rest } = node;
  return rest as ComposeNode;
}

function targetOf(item: ComposeNode): string | undefined {
  if (item.kind === 'scalar') return item.text;
  if (item.kind !== 'map') return undefined;
  const t = item.entries.find((e) => e.key === 'target') ?? item.entries.find((e) => e.key === 'source');
  return t?.value.kind === 'scalar' ? t.value.text : undefined;
}

/**
 * A service definition merged over the one it extends, by the same rules as files
 * (https://docs.docker.com/compose/how-tos/multiple-compose-files/extends/).
 */
export function mergeServiceOver(base: ComposeNode, over: ComposeNode): ComposeNode {
  return mergeAt(base, over, ['services', '(service)']);
}
